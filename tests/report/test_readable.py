"""Tables for reading: every kind of cell as a manuscript prints it, and nothing raw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dosecurve.labels import Clock
from dosecurve.report.readable import (
    MISSING_FOOTNOTE,
    NR_FOOTNOTE,
    RAW_CELL,
    p_text,
    readable,
)

MEDIANS = pd.DataFrame(
    {
        "stratum": ["mild", "severe", "all"],
        "n": [43, 77, 120],
        "events": [35, "<5", 56],
        "median": [15.0, np.nan, 35.5],
        "ci_lower": [12.0, 67.0, 32.0],
        "ci_upper": [16.0, np.nan, 42.0],
        "note": ["", "median not reached", ""],
    }
)

# every raw form the audit found: long floats, e-notation, -0, True/False, nan
AWKWARD = pd.DataFrame(
    {
        "term": ["intake_score", "const", "GLOBAL"],
        "coef": [-0.28907123, -1e-17, 1.318e-25],
        "hazard_ratio": [0.7489, 0.009087, 1.0],
        "ci_lower": [0.7141, 0.0030, 0.5],
        "ci_upper": [0.7855, 0.0310, 2.0],
        "p_value": [1.318e-25, 0.0321, np.nan],
        "best": [True, False, np.nan],
        "improved": [0.02041, -0.0, 1.0],
        "percent": [47.368421, 0.0, 100.0],
    }
)


def cells(table: pd.DataFrame) -> list[str]:
    return [*map(str, table.columns), *table.astype(str).to_numpy().ravel()]


def test_headers_and_intervals_read_as_in_a_paper():
    shown = readable(MEDIANS)
    assert list(shown.table.columns) == [
        "Intake severity",
        "n",
        "Events",
        "Median sessions (95 % CI)",
    ]
    assert shown.table["Median sessions (95 % CI)"].tolist() == [
        "15 (12 to 16)",
        "NR (67 to NR)",
        "36 (32 to 42)",  # medians as whole sessions, half up
    ]
    assert shown.table["Events"].tolist() == ["35", "<5", "56"]  # suppressed stays as written
    assert "Note (severe): median not reached." in shown.footnotes
    assert NR_FOOTNOTE in shown.footnotes and MISSING_FOOTNOTE not in shown.footnotes


def test_no_raw_cell_survives():
    shown = readable(AWKWARD)
    assert not [c for c in cells(shown.table) if RAW_CELL.search(c)]
    row = shown.table.iloc[0]
    assert row["Term"] == "intake score" and row["Coefficient"] == "-0.289"
    assert row["HR (95 % CI)"] == "0.75 (0.71 to 0.79)" and row["p"] == "< .001"
    assert row["Lowest AIC"] == "yes" and row["Improved"] == "2.0 %" and row["%"] == "47.4 %"
    second = shown.table.iloc[1]
    assert second["Term"] == "intercept" and second["Coefficient"] == "0"
    assert second["HR (95 % CI)"] == "0.0091 (0.0030 to 0.031)"
    assert second["p"] == ".032" and second["Improved"] == "0.0 %"
    third = shown.table.iloc[2]
    assert third["Coefficient"] == "< 0.0001" and third["p"] == "–" and third["Lowest AIC"] == "–"
    assert third["Term"] == "global" and third["HR (95 % CI)"] == "1.00 (0.50 to 2.00)"


def test_the_check_itself_catches_raw_cells():
    for raw in ("0.02040816", "1.318e-25", "1e+20", "True", "-0", "-0.0", "nan", "None"):
        assert RAW_CELL.search(raw), raw
    for fine in ("-0.289", "0.0 %", "< .001", "10 (8 to 12)", "2.0 %", "-0.0260", "NR", "3e728f"):
        assert not RAW_CELL.search(fine), fine


@pytest.mark.parametrize(
    ("p", "text"),
    [(2.3e-56, "< .001"), (0.001, ".001"), (0.0321, ".032"), (0.0499, ".050"), (0.9999, "1.000")],
)
def test_p_values_in_apa_style(p, text):
    assert p_text(p) == text


def test_a_table_of_mixed_measures_reads_each_row_in_its_unit():
    """ending_sensitivity/cluster_bootstrap write a median row with the median in
    ``session`` and 0.5 as the value: shown, the median is the estimate."""
    table = pd.DataFrame(
        {
            "method": ["km", "km"],
            "stratum": ["all", "all"],
            "measure": ["improved", "median"],
            "session": [26.0, 36.0],
            "improved": [0.35477, 0.5],
            "ci_lower": [0.302, 32.0],
            "ci_upper": [0.414, np.nan],
        }
    )
    shown = readable(table, clock=Clock("weeks"), conf_level=0.9).table
    assert list(shown.columns) == [
        "Method",
        "Intake severity",
        "Measure",
        "Week",
        "Estimate (90 % CI)",
    ]
    assert shown["Estimate (90 % CI)"].tolist() == ["35.5 % (30.2 to 41.4 %)", "36 (32 to NR)"]
    assert shown["Week"].tolist() == ["26", "–"] and shown["Method"].tolist()[0] == "Kaplan-Meier"


def test_prefixed_and_second_intervals():
    table = pd.DataFrame(
        {
            "stratum": ["mild"],
            "improved_26": [0.3547],
            "improved_26_ci_lower": [0.302],
            "improved_26_ci_upper": [0.414],
            "estimate": [0.2],
            "greenwood_lower": [0.1],
            "greenwood_upper": [0.3],
            "bootstrap_lower": [0.12],
            "bootstrap_upper": [0.33],
        }
    )
    shown = readable(table).table
    assert shown.iloc[0].to_dict() == {
        "Intake severity": "mild",
        "Improved by session 26 (95 % CI)": "35.5 % (30.2 to 41.4 %)",
        "Estimate": "0.200",
        "Greenwood 95 % CI": "0.100 to 0.300",
        "Bootstrap 95 % CI": "0.120 to 0.330",
    }
