"""The estimands side by side: each equal to its own estimator, and in the order they must
stand (what happened during therapy never exceeds what would have happened had it continued)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecurve.stats.cumulative_incidence import aalen_johansen, ending_causes
from dosecurve.stats.estimands import estimands_table, median_interval, proportion_interval
from dosecurve.stats.kaplan_meier import fit_by_stratum, improved_by_session, median_table

# the Aalen-Johansen fixture of test_cumulative_incidence.py, with strata and end reasons
TIME = [2, 3, 3, 5, 6, 6, 6, 8, 9, 12, 1, 2, 2, 4, 4, 5, 7, 7, 10, 11]
STATUS = [1, 2, 0, 1, 1, 2, 0, 1, 2, 1, 1, 2, 1, 0, 1, 1, 2, 1, 1, 0]
EVENTS = pd.DataFrame(
    {
        "time": TIME,
        "event": [int(s == 1) for s in STATUS],
        "end_reason": ["ongoing" if s == 0 else "dropout" if s == 2 else "planned" for s in STATUS],
        "stratum": ["mild"] * 10 + ["severe"] * 10,
        "eligible": True,
    }
)


def test_median_interval_by_hand():
    # n = 10, 95 %: P(B <= 1) = 11/1024 <= 0.025 < P(B <= 2) = 56/1024, so ranks 2 and 9
    assert median_interval(np.arange(1.0, 11.0)) == (5.5, 2.0, 9.0)
    # n = 5: P(B <= 0) = 1/32 > 0.025: no rank gives 95 %, only the median
    median, lower, upper = median_interval(np.array([3.0, 1.0, 2.0, 5.0, 4.0]))
    assert median == 3.0 and np.isnan(lower) and np.isnan(upper)
    # 90 %: P(B <= 0) = 1/32 <= 0.05, so ranks 1 and 5
    assert median_interval(np.array([3.0, 1.0, 2.0, 5.0, 4.0]), 0.9) == (3.0, 1.0, 5.0)
    assert all(np.isnan(median_interval(np.array([]))))


def test_each_estimand_equals_its_estimator():
    table = estimands_table(EVENTS, ["mild", "severe"], [4, 8], conf_level=0.9, conf_type="log")
    rows = table.set_index(["estimand", "stratum", "measure"])
    fit = fit_by_stratum(EVENTS, ["mild", "severe"], conf_level=0.9, conf_type="log")
    km = median_table(fit).set_index("stratum")
    assert rows.loc[("if_continued", "all", "median"), "value"] == km.loc["all", "median"]
    improved = improved_by_session(fit, [4, 8]).set_index(["stratum", "session"])
    got = rows.loc[("if_continued", "severe", "improved_by_8"), ["value", "ci_lower", "ci_upper"]]
    want = improved.loc[("severe", 8), ["improved", "ci_lower", "ci_upper"]]
    np.testing.assert_allclose(got.to_numpy(float), want.to_numpy(float))
    # during therapy, all clients: the R values of test_cumulative_incidence.py (90 %, log)
    during = rows.loc[("during_therapy", "all", "improved_by_8")]
    np.testing.assert_allclose(
        [during["value"], during["ci_lower"], during["ci_upper"]],
        [0.510331632653061, 0.3451845112988075, 0.754490328393940],
        atol=1e-12,
    )
    ended = rows.loc[("during_therapy", "all", "ended_without_improvement_by_4"), "value"]
    assert ended == pytest.approx(0.1, abs=1e-12)
    assert rows.loc[("during_therapy", "all", "median"), "value"] == 8
    # among the improved: the 11 event times of all clients
    improved_times = EVENTS.loc[EVENTS["event"] == 1, "time"]
    among = rows.loc[("among_improved", "all", "median")]
    assert among["value"] == np.median(improved_times) and among["n"] == 11
    assert set(table["estimand"]) == {"if_continued", "during_therapy", "among_improved"}


def test_proportion_interval_matches_binom_test():
    # R: binom.test(7, 20)$conf.int; binom.test(0, 12, conf.level = 0.9)$conf.int;
    # binom.test(12, 12)$conf.int
    np.testing.assert_allclose(
        proportion_interval(7, 20), (0.35, 0.153909204784541, 0.592188534532828), atol=1e-12
    )
    np.testing.assert_allclose(
        proportion_interval(0, 12, 0.9), (0, 0, 0.220922191945556), atol=1e-12
    )
    np.testing.assert_allclose(proportion_interval(12, 12), (1, 0.735351530602949, 1), atol=1e-12)
    assert all(np.isnan(proportion_interval(0, 0)))


def test_at_termination_reads_the_last_assessment_and_sessions_attended():
    events = EVENTS.assign(
        met_at_end=[True, False] * 10,
        sessions_attended=np.arange(1, 21) * 3,
    )
    table = estimands_table(events, ["mild", "severe"], [4])
    rows = table.set_index(["estimand", "stratum", "measure"])
    share = rows.loc[("at_termination", "all", "improved")]
    np.testing.assert_allclose(
        share[["value", "ci_lower", "ci_upper"]].to_numpy(float),
        proportion_interval(10, 20),
    )
    assert share["n"] == 20
    # sessions attended of the ten improved at the end: 3, 9, ..., 57 -> median 30
    median = rows.loc[("at_termination", "all", "median")]
    assert median["value"] == 30 and median["n"] == 10
    assert (median["ci_lower"], median["ci_upper"]) == (9, 51)  # ranks 2 and 9 of 10
    mild = rows.loc[("at_termination", "mild", "median")]
    assert mild["n"] == 5 and mild["note"].startswith("interval not estimable")
    # rows stand estimand by estimand, strata in order within each
    order = list(dict.fromkeys(table["estimand"]))
    assert order == ["if_continued", "during_therapy", "among_improved", "at_termination"]


def test_nobody_improved_at_termination_says_so():
    events = EVENTS.assign(met_at_end=False, sessions_attended=10)
    rows = estimands_table(events, ["mild", "severe"], [4]).set_index(
        ["estimand", "stratum", "measure"]
    )
    assert rows.loc[("at_termination", "all", "improved"), "value"] == 0
    assert rows.loc[("at_termination", "all", "median"), "note"] == "no client improved"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 30), st.sampled_from(["improved", "planned", "dropout", "ongoing"])
        ),
        min_size=1,
        max_size=40,
    )
)
def test_during_therapy_never_exceeds_if_continued(history):
    events = pd.DataFrame(
        {
            "time": [t for t, _ in history],
            "event": [int(how == "improved") for _, how in history],
            "end_reason": ["planned" if how == "improved" else how for _, how in history],
            "stratum": "all_clinical",
            "eligible": True,
        }
    )
    table = estimands_table(events, ["all_clinical"], [5, 10, 20]).set_index(
        ["estimand", "stratum", "measure"]
    )
    for k in (5, 10, 20):
        during = table.loc[("during_therapy", "all", f"improved_by_{k}"), "value"]
        ended = table.loc[("during_therapy", "all", f"ended_without_improvement_by_{k}"), "value"]
        continued = table.loc[("if_continued", "all", f"improved_by_{k}"), "value"]
        if np.isnan(continued):
            continue  # beyond the last follow-up
        assert 0 <= during <= continued + 1e-12 and during + ended <= 1 + 1e-12
    causes = ending_causes(events)
    incidence = aalen_johansen(events["time"].to_numpy(float), causes)
    assert (np.diff(incidence["cif_1"]) >= -1e-15).all()
