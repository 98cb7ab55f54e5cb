"""Tables ready for a paper: Markdown and LaTeX (booktabs), written as the report shows them
(``dosecurve.report.readable``: human headers, percentages, APA p-values, NR, footnotes)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dosecurve.labels import Clock
from dosecurve.report.readable import numeric_column, readable

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
    "–": "--",
}


def to_markdown(table: pd.DataFrame, footnotes: Sequence[str] = ()) -> str:
    """A pipe table of text cells (numbers right-aligned), its footnotes underneath."""
    text = table.astype(str)
    header = "| " + " | ".join(map(str, text.columns)) + " |"
    align = "| " + " | ".join("---:" if numeric_column(text[c]) else ":---" for c in text) + " |"
    body = [
        "| " + " | ".join(v.replace("|", "\\|") for v in row) + " |"
        for row in text.itertuples(index=False)
    ]
    notes = ["", *footnotes] if footnotes else []
    return "\n".join([header, align, *body, *notes]) + "\n"


def latex_escape(text: str) -> str:
    """Escape LaTeX's special characters."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def to_latex(table: pd.DataFrame, *, caption: str = "", footnotes: Sequence[str] = ()) -> str:
    """A booktabs table (needs ``\\usepackage{booktabs}``) of text cells, numbers
    right-aligned, footnotes under the rule."""
    text = table.astype(str)
    spec = "".join("r" if numeric_column(text[c]) else "l" for c in text)
    lines = [r"\begin{table}[ht]", r"\centering"]
    if caption:
        lines.append(rf"\caption{{{latex_escape(caption)}}}")
    header = " & ".join(latex_escape(str(c)) for c in text.columns) + r" \\"
    lines += [rf"\begin{{tabular}}{{{spec}}}", r"\toprule", header, r"\midrule"]
    lines += [
        " & ".join(latex_escape(v) for v in row) + r" \\" for row in text.itertuples(index=False)
    ]
    lines += [r"\bottomrule", r"\end{tabular}"]
    if footnotes:
        lines += [
            r"\par\smallskip{\footnotesize",
            *(latex_escape(n) + r"\\" for n in footnotes),
            "}",
        ]
    lines.append(r"\end{table}")
    return "\n".join(lines) + "\n"


def paper_table(
    table: pd.DataFrame, *, clock: Clock | None = None, conf_level: float = 0.95, caption: str = ""
) -> tuple[str, str]:
    """A tidy table (full precision) as the Markdown and the LaTeX a manuscript takes."""
    shown = readable(table, clock=clock, conf_level=conf_level)
    return (
        to_markdown(shown.table, shown.footnotes),
        to_latex(shown.table, caption=caption, footnotes=shown.footnotes),
    )
