"""Tables ready for a paper: Markdown and LaTeX (booktabs) from the tidy CSV tables."""

from __future__ import annotations

import numpy as np
import pandas as pd

_LATEX_SPECIAL = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return str(int(value)) if float(value).is_integer() else f"{value:.4g}"
    return str(value)


def _numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)


def to_markdown(table: pd.DataFrame) -> str:
    """A pipe table; numbers right-aligned, empty cells for missing values."""
    header = "| " + " | ".join(map(str, table.columns)) + " |"
    align = "| " + " | ".join("---:" if _numeric(table[c]) else ":---" for c in table) + " |"
    body = [
        "| " + " | ".join(_cell(v).replace("|", "\\|") for v in row) + " |"
        for row in table.itertuples(index=False)
    ]
    return "\n".join([header, align, *body]) + "\n"


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def to_latex(table: pd.DataFrame, *, caption: str = "") -> str:
    """A booktabs table (needs ``\\usepackage{booktabs}``); numbers right-aligned."""
    spec = "".join("r" if _numeric(table[c]) else "l" for c in table)
    lines = [r"\begin{table}[ht]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{latex_escape(caption)}}}")
    header = " & ".join(latex_escape(str(c)) for c in table.columns) + r" \\"
    lines += [rf"\begin{{tabular}}{{{spec}}}", r"\toprule", header, r"\midrule"]
    lines += [
        " & ".join(latex_escape(_cell(v)) for v in row) + r" \\"
        for row in table.itertuples(index=False)
    ]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"
