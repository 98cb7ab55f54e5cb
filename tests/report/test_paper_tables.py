"""Markdown and LaTeX tables for papers: formatted as the report shows them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dosecurve.labels import Clock
from dosecurve.report.paper_tables import latex_escape, paper_table
from dosecurve.report.readable import RAW_CELL

TABLE = pd.DataFrame(
    {
        "stratum": ["mild", "all_clients"],
        "n": [12, 40],
        "median": [8.0, np.nan],
        "ci_lower": [5.0, 20.0],
        "ci_upper": [11.0, np.nan],
        "p_value": [0.012345, 1.3e-25],
    }
)


def test_markdown_is_the_readable_table_with_its_footnote():
    markdown, _ = paper_table(TABLE)
    assert markdown == (
        "| Intake severity | n | Median sessions (95 % CI) | p |\n"
        "| :--- | ---: | ---: | ---: |\n"
        "| mild | 12 | 8 (5 to 11) | .012 |\n"
        "| all clients | 40 | NR (20 to NR) | < .001 |\n"
        "\n"
        "NR: not reached (the curve, or its confidence limit, does not reach that level "
        "within follow-up).\n"
    )
    assert not RAW_CELL.search(markdown)


def test_latex_booktabs_escapes_and_names_the_clock():
    _, tex = paper_table(TABLE, clock=Clock("weeks"), conf_level=0.9, caption="Median (90 % CI)")
    assert r"\caption{Median (90 \% CI)}" in tex
    assert r"\begin{tabular}{lrrr}" in tex and r"\toprule" in tex and r"\bottomrule" in tex
    assert r"Intake severity & n & Median weeks (90 \% CI) & p \\" in tex
    assert r"all clients & 40 & NR (20 to NR) & \textless{} .001 \\" in tex
    assert r"{\footnotesize" in tex and "NR: not reached" in tex
    assert latex_escape("<5 & 10% –") == r"\textless{}5 \& 10\% --"
