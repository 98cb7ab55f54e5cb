"""Markdown and LaTeX tables for papers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dosecurve.report.paper_tables import latex_escape, to_latex, to_markdown

TABLE = pd.DataFrame(
    {
        "stratum": ["mild", "all_clients"],
        "n": [12, 40],
        "median": [8.0, np.nan],
        "p": [0.012345, 0.5],
    }
)


def test_markdown():
    assert to_markdown(TABLE) == (
        "| stratum | n | median | p |\n"
        "| :--- | ---: | ---: | ---: |\n"
        "| mild | 12 | 8 | 0.01235 |\n"
        "| all_clients | 40 |  | 0.5 |\n"
    )


def test_latex_booktabs_escapes():
    tex = to_latex(TABLE, caption="Median sessions (95 % CI)")
    assert r"\caption{Median sessions (95 \% CI)}" in tex
    assert r"\begin{tabular}{lrrr}" in tex and r"\toprule" in tex and r"\bottomrule" in tex
    assert r"all\_clients & 40 &  & 0.5 \\" in tex
    assert latex_escape("<5 & 10%") == r"\textless{}5 \& 10\%"
