"""The answer's words: the severity gradient with its trend test, the % improved where a
median is not reached, and the page's contents list and not-applicable sections."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dosecurve.labels import Clock
from dosecurve.report.answer import gradient_sentence, not_reached_sentence
from dosecurve.report.sections import (
    CONTENTS,
    LONG_TABLE,
    dropout_unrecorded,
    table_html,
    therapists_unknown,
    with_contents,
)

STRATA = ("mild", "moderate", "severe")


def medians(values):
    return pd.DataFrame(
        {"stratum": [*STRATA, "all"], "median": [*values, 30.0], "n": 10, "events": 5}
    )


def logrank(p):
    return pd.DataFrame(
        {
            "test": ["log-rank", "trend across ordered strata (scores 1, 2, ...)"],
            "statistic": [20.0, 12.5],
            "df": [2, 1],
            "p_value": [0.001, p],
        }
    )


IMPROVED = pd.DataFrame(
    {
        "stratum": [s for s in STRATA for _ in (8, 26)],
        "session": [8, 26] * 3,
        "improved": [0.4, 0.8, 0.3, 0.6, 0.1, 0.3],
    }
)


def test_gradient_in_words_with_the_trend_test():
    text = gradient_sentence(medians([15.0, 24.0, 72.0]), IMPROVED, logrank(4e-4), STRATA)
    assert text.startswith("Clients improved more slowly the more severe their intake")
    assert "15 (mild), 24 (moderate), 72 (severe)" in text
    assert "chi-square(1) = 12.50, p < .001" in text
    faster = gradient_sentence(medians([72.0, 24.0, 15.0]), IMPROVED, logrank(0.01), STRATA)
    assert "faster the more severe" in faster and "p = .010" in faster
    mixed = gradient_sentence(medians([20.0, 15.0, 72.0]), IMPROVED, logrank(0.01), STRATA)
    assert "did not change in one direction" in mixed
    flat = gradient_sentence(medians([15.0, 24.0, 72.0]), IMPROVED, logrank(0.3), STRATA)
    assert flat.startswith("Time to improvement showed no clear gradient") and "p = .300" in flat


def test_gradient_reads_the_percent_improved_when_a_median_is_not_reached():
    text = gradient_sentence(medians([15.0, 24.0, np.nan]), IMPROVED, logrank(0.002), STRATA)
    assert "more slowly the more severe" in text
    assert "improved by session 26: 80.0 % (mild), 60.0 % (moderate), 30.0 % (severe)" in text
    assert (
        gradient_sentence(
            medians([15.0, 24.0, 30.0]).iloc[[0, 3]], IMPROVED, logrank(0.1), ["mild"]
        )
        == ""
    )


def test_not_reached_gives_the_percent_at_the_last_time_with_ten_percent_at_risk():
    # 20 clients: at risk 20, 10, 4, 1 at times 2, 5, 9, 14 -> 10 % of 20 = 2: time 9
    curve = pd.DataFrame(
        {
            "stratum": "all",
            "time": [2.0, 5.0, 9.0, 14.0],
            "at_risk": [20, 10, 4, 1],
            "surv": [0.9, 0.7, 0.6, 0.6],
            "lower": [0.7, 0.5, 0.4, 0.3],
            "upper": [0.97, 0.85, 0.8, 0.8],
        }
    )
    table = pd.DataFrame({"stratum": ["all"], "median": [np.nan]})
    text = not_reached_sentence(table, curve, Clock(), 0.95)
    assert "all clients: 40.0 % (95 % CI 20.0 to 60.0 %) by session 9" in text
    assert not_reached_sentence(table.assign(median=12.0), curve) == ""


def test_contents_list_links_every_section():
    page = with_contents(
        f"<h1>x</h1>{CONTENTS}<h2>Flow</h2><h3>Data checks</h3><h2>Methods</h2><h2>Flow</h2>"
    )
    ids = re.findall(r"<h[23] id='([^']+)'", page)
    assert ids == ["s-flow", "s-data-checks", "s-methods", "s-flow-2"]
    links = re.findall(r"<a href='#([^']+)'>", page)
    assert links == ids and page.index("id='contents'") < page.index("<h2")


def test_sections_that_do_not_apply_say_why():
    cluster = pd.DataFrame(
        {"bootstrap_lower": [np.nan], "note": ["not estimable: no therapist column"]}
    )
    assert "no therapist column" in therapists_unknown(cluster)
    assert therapists_unknown(cluster.assign(bootstrap_lower=0.2)) == ""
    competing = pd.DataFrame({"cif_dropout": [0.0, 0.0, np.nan]})
    assert "no client's ending is recorded as dropout" in dropout_unrecorded(competing)
    assert dropout_unrecorded(competing.fillna(0.1)) == ""


def test_long_tables_fold_and_wide_rows_turn():
    long = pd.DataFrame({"stratum": ["a"] * (LONG_TABLE + 1), "n": 1})
    assert table_html(long, csv="x").startswith(
        f"<details><summary>Show the table ({LONG_TABLE + 1} rows; also tables/x.csv)"
    )
    assert table_html(long.head(3)).startswith("<table>")
    wide = pd.DataFrame({f"c{i}": [i] for i in range(8)})
    assert (
        "<th class='text'>Quantity</th>" in table_html(wide) and table_html(wide).count("<tr>") == 9
    )
