"""The report's opening: each estimand in words, the primary first, and the published
benchmarks each beside the reading its paper used."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dosecurve.labels import Clock
from dosecurve.report.estimands import (
    ESTIMANDS,
    benchmark_table,
    ending_sentence,
    estimand_sentences,
    sparse_sentence,
)

COLUMNS = ["estimand", "stratum", "measure", "value", "ci_lower", "ci_upper", "n", "note"]
ROWS = [
    ("if_continued", "all", "median", 52, 43, 71, 300, ""),
    ("if_continued", "all", "improved_by_104", 0.68, 0.6, 0.75, 300, ""),
    ("during_therapy", "all", "median", np.nan, np.nan, np.nan, 300, "not reached"),
    ("during_therapy", "all", "improved_by_52", 0.40, 0.35, 0.45, 300, ""),
    ("during_therapy", "all", "ended_without_improvement_by_52", 0.3, 0.25, 0.35, 300, ""),
    ("during_therapy", "all", "improved_by_104", 0.45, 0.40, 0.50, 300, ""),
    ("during_therapy", "all", "ended_without_improvement_by_104", 0.38, 0.33, 0.43, 300, ""),
    ("among_improved", "all", "median", 25, 20, 28, 150, ""),
    ("at_termination", "all", "improved", 0.47, 0.42, 0.52, 300, ""),
    ("at_termination", "all", "median", 57, 50, 65, 141, ""),
]
TABLE = pd.DataFrame(ROWS, columns=COLUMNS)


def test_sentences_say_each_number_with_its_estimand_and_assumption():
    sentences = estimand_sentences(TABLE)
    assert len(sentences) == 4
    first, during, among, end = sentences
    assert first.startswith("If no one had left therapy, half would have improved by session 52")
    assert "(95 % CI 43 to 71)" in first and "<code>if_continued</code>" in first
    assert ESTIMANDS["if_continued"].assumption in first
    assert during.startswith("During therapy as delivered, 45 % improved by session 104")
    assert "38 % had ended therapy without improvement" in during
    assert "Among the 150 clients who improved, the median time to improvement was 25" in among
    assert "47 % (95 % CI 42 % to 52 %)" in end and "median of 57 sessions attended" in end


def test_the_primary_estimand_leads():
    sentences = estimand_sentences(TABLE, primary="at_termination", clock=Clock("weeks"))
    assert "<code>at_termination</code>" in sentences[0]
    assert [s.split("<code>")[1].split("<")[0] for s in sentences] == [
        "at_termination",
        "if_continued",
        "during_therapy",
        "among_improved",
    ]
    assert "57 weeks attended" in sentences[0]


def test_a_median_not_reached_is_said_with_the_last_proportion():
    table = TABLE.copy()
    table.loc[0, ["value", "ci_lower", "ci_upper"]] = np.nan
    first = estimand_sentences(table)[0]
    assert "fewer than half would have improved within follow-up: 68 % by session 104" in first
    assert "half would have improved by" not in first


def test_suppressed_values_are_not_shown_as_numbers():
    table = TABLE.astype({"value": object, "n": object})
    table.loc[table["estimand"] == "among_improved", ["value", "n"]] = "<5"
    among = estimand_sentences(table)[2]
    assert among.startswith("No client's time to improvement can be shown")


def test_nordmo_stands_beside_the_termination_reading_not_the_kaplan_meier_median():
    medians = pd.DataFrame({"stratum": ["all"], "median": [52.0]})
    improved = pd.DataFrame(
        {"stratum": "all", "session": [8, 26, 52], "improved": [0.1, 0.3, 0.51]}
    )
    table = benchmark_table(TABLE, improved, medians).set_index("Study")
    nordmo = table.loc["Nordmo et al. 2021"]
    assert nordmo["Reading"] == "at_termination"
    assert nordmo["This data set"] == "47 % improved; median 57 sessions among them"
    assert "52" not in nordmo["This data set"]
    assert table.loc["Anderson & Lambert 2001", "Reading"] == "if_continued"
    assert table.loc["Anderson & Lambert 2001", "This data set"] == "median 52"


def ending_table(ipcw_median=33.0, worst_median=np.nan):
    rows = [
        ("km", "all", "median", 36.0, 0.5, 32.0, 42.0, ""),
        ("ipcw", "all", "median", ipcw_median, 0.5, 31.0, 39.0, "weights"),
        ("best_case", "all", "median", 24.0, 0.5, 22.0, 26.0, ""),
        ("worst_case", "all", "median", worst_median, 0.5, np.nan, np.nan, "not reached"),
    ]
    columns = ["method", "stratum", "measure", "session", "improved", "ci_lower", "ci_upper"]
    return pd.DataFrame(rows, columns=[*columns, "note"])


def test_the_ending_sentence_sets_the_adjusted_answer_beside_the_plain_one_and_bounds():
    tipping = pd.DataFrame({"delta": [0.0, 1.0, 8.0], "conclusion_changed": [False] * 3})
    text = ending_sentence(ending_table(), tipping)
    assert "half would have improved by session 33 (95 % CI 31 to 39)" in text
    assert "against session 36 with every ending censored" in text
    assert "from session 24 (everyone who ended" in text and "to not reached (none" in text
    assert "holds whatever the hazard of improving after ending, from 0 to 8 times" in text
    changed = tipping.assign(conclusion_changed=[True, False, False])
    assert "changes if those who ended improved at 0 times" in ending_sentence(
        ending_table(), changed
    )
    assert ending_sentence(None, None) == ""


def interval_table(gap: float, right: float = 20.0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "method": [
                "right point (first assessment meeting it)",
                "mid point of the interval",
                "Turnbull (interval-censored)",
                "Weibull, interval-censored",
                "log-normal, interval-censored",
            ],
            "median": [right, 18.0, np.nan, 15.96, 16.4],
            "from": [np.nan, np.nan, 12.0, np.nan, np.nan],
            "to": [np.nan, np.nan, 16.0, np.nan, np.nan],
            "note": "",
            "assessment_gap": gap,
        }
    )


def test_a_sparse_schedule_leads_with_the_interval_readings_and_names_a_disagreement():
    assert sparse_sentence(interval_table(1.0)) == ""  # every session: nothing to say
    text = sparse_sentence(interval_table(4.0))
    assert text.startswith("Assessments were a median of 4.0 sessions apart")
    assert "between session 12 and 16" in text
    assert "(interval-censored fits: Weibull 16.0, log-normal 16.4)" in text
    assert "it is 20, outside that interval: the right-point reading is biased" in text
    inside = sparse_sentence(interval_table(4.0, right=16.0))
    assert "outside" not in inside and inside.endswith("it is 16.")


def test_therapist_sentence_words_each_measure_of_the_table():
    from dosecurve.report.change import SHARE_WORDS, therapist_sentence
    from dosecurve.stats.therapist_effects import RATE, TIME

    assert set(SHARE_WORDS) == {RATE, TIME}  # kept in step with the table's measures
    table = pd.DataFrame(
        {
            "measure": [RATE, TIME],
            "share": [0.105, float("nan")],
            "ci_lower": [0.03, float("nan")],
            "ci_upper": [0.31, float("nan")],
            "note": ["", "not estimable: fewer than 10 improvements"],
        }
    )
    text = therapist_sentence(table)
    assert "10.5 % (3.0 to 31.0 %) of the between-client variance in the rate of change" in text
    assert "not estimable: fewer than 10 improvements" in text
