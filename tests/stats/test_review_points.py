"""Review points and expected-recovery bands: against R (survival 3.5.3), worked values and
invariants; the IPCW rows against their own curves."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import simulated_run

from dosecurve.measures.instruments import resolve_instrument
from dosecurve.outcomes.score_counts import score_counts
from dosecurve.report.change import review_sentence
from dosecurve.simulation.spec import PRESETS
from dosecurve.stats import ending_sensitivity as es
from dosecurve.stats.review_points import (
    Settings,
    conditional_improvement,
    expected_recovery,
    review_points,
)

FIXTURES = Path(__file__).parent / "fixtures"

# R (survival 3.5.3):
# d <- read.csv("tests/stats/fixtures/hirschfeld_2000_events.csv")
# f <- survfit(Surv(time, event) ~ 1, data = d, subset = time > k, conf.type = "log-log")
# s <- summary(f, times = k + m); c(1 - s$surv, 1 - s$upper, 1 - s$lower, f$n)
SURVFIT = {
    (4, 4): (0.0205920242382174, 0.0150246717321492, 0.028192624217434, 1892),
    (4, 13): (0.0802704325513173, 0.0679337214030435, 0.0947312380592142, 1892),
    (13, 4): (0.0304113931217077, 0.0224751132515788, 0.0410906133467372, 1426),
    (13, 13): (0.0893838777409361, 0.0740656226869043, 0.107681515207946, 1426),
}


@pytest.fixture(scope="module")
def hirschfeld() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "hirschfeld_2000_events.csv")


@pytest.mark.parametrize(("k", "m"), list(SURVFIT))
def test_conditional_improvement_matches_survfit(hirschfeld, k, m):
    p, lo, hi, n = conditional_improvement(
        hirschfeld["time"].to_numpy(), hirschfeld["event"].to_numpy(), k, m
    )
    r = SURVFIT[(k, m)]
    assert (p, lo, hi) == pytest.approx(r[:3], rel=1e-10)
    assert n == r[3]


def test_review_points_table_invariants(hirschfeld):
    events = hirschfeld.assign(
        eligible=True,
        stratum=np.where(hirschfeld["baseline"] < 25, "moderate", "severe"),
        client=[f"C{i}" for i in range(len(hirschfeld))],
    )
    table = review_points(events, ["moderate", "severe"], Settings(at=(4, 8, 13), within=(4, 8)))
    assert set(table["stratum"]) == {"moderate", "severe", "all"}
    assert (table["method"] == "km").all()
    for _, part in table.groupby(["stratum", "from_session"]):
        p = part.sort_values("within")["probability"].to_numpy(float)
        assert (np.diff(p) >= 0).all() and ((0 <= p) & (p <= 1)).all()  # monotone, bounded
        assert (part["ci_lower"] <= part["probability"]).all()
        assert (part["probability"] <= part["ci_upper"]).all()
    for _, part in table.groupby("stratum"):
        assert part.sort_values("from_session")["at_risk"].is_monotonic_decreasing
    everyone = table.loc[(table["stratum"] == "all") & (table["from_session"] == 4)]
    assert everyone.loc[everyone["within"] == 4, "probability"].iloc[0] == pytest.approx(
        SURVFIT[(4, 4)][0]
    )


def test_beyond_follow_up_and_nobody_left():
    events = pd.DataFrame(
        {
            "eligible": True,
            "stratum": "mild",
            "time": [2, 3, 5, 6],
            "event": [1, 0, 1, 0],
        }
    )
    table = review_points(events, ["mild"], Settings(at=(4, 8), within=(1, 4))).set_index(
        ["stratum", "from_session", "within"]
    )
    assert table.loc[("mild", 4, 1), "probability"] == pytest.approx(0.5)  # 1 of 2 at 5
    assert np.isnan(table.loc[("mild", 4, 4), "probability"])
    assert "beyond follow-up" in table.loc[("mild", 4, 4), "note"]
    assert table.loc[("mild", 8, 1), "at_risk"] == 0
    assert "no client still at risk" in table.loc[("mild", 8, 1), "note"]


def test_settings_sorted_and_checked():
    assert Settings(at=[13, 4, 4], within=[8]).pairs == [(4, 8), (13, 8)]
    with pytest.raises(ValueError, match=r"review_points\.within"):
        Settings(within=[0, 4])


def test_expected_recovery_worked():
    sessions = pd.DataFrame(
        {
            "client": ["a"] * 3 + ["b"] * 3 + ["c"] * 2 + ["d"] * 3,
            "session": [0, 1, 2, 0, 1, 2, 0, 1, 0, 1, 2],
            "score": [20, 15, 9, 22, 18, 14, 25, np.nan, 30, 29, 28],
        }
    )
    events = pd.DataFrame(
        {
            "client": ["a", "b", "c", "d"],
            "eligible": [True, True, True, True],
            "event": [1, 1, 1, 0],  # d never improved: not in the bands
            "stratum": ["moderate", "moderate", "severe", "severe"],
        }
    )
    strata = ["moderate", "severe"]
    bands = expected_recovery(score_counts(sessions, events, strata), strata)
    moderate = bands.loc[bands["stratum"] == "moderate"].set_index("session")
    assert moderate["n"].tolist() == [2, 2, 2]
    # R: quantile(c(15, 18), c(.1, .5, .9)) = 15.3 16.5 17.7
    assert moderate.loc[1, ["p10", "p50", "p90"]].tolist() == pytest.approx([15.3, 16.5, 17.7])
    severe = bands.loc[bands["stratum"] == "severe"]
    assert severe["session"].tolist() == [0]  # c's missing score is not a score
    everyone = bands.loc[bands["stratum"] == "all"].set_index("session")
    assert everyone.loc[0, "n"] == 3 and everyone.loc[0, "p50"] == 22


def test_ipcw_review_points_read_their_own_curves():
    spec = replace(PRESETS["nordmo2021"], n_clients=400, seed=4)
    _, _, sessions, events = simulated_run(spec)
    settings = es.Settings(bootstrap=20, imputations=2)
    table, _, review = es.ending_sensitivity(
        sessions,
        events,
        ["mild", "moderate", "moderate-severe", "severe"],
        [8, 13, 21, 26],
        resolve_instrument("core-om"),
        settings=settings,
        review_pairs=[(8, 13), (13, 13)],
    )
    ipcw = table.loc[(table["method"] == "ipcw") & (table["measure"] == "improved")]
    imp = ipcw.set_index(["stratum", "session"])["improved"]
    rows = review.set_index(["stratum", "from_session", "within"])
    for stratum in ("moderate", "all"):
        expected = 1 - (1 - imp[(stratum, 21)]) / (1 - imp[(stratum, 8)])
        assert rows.loc[(stratum, 8, 13), "probability"] == pytest.approx(expected)
    assert (review["method"] == "ipcw").all()
    inside = review.dropna(subset=["ci_lower"])
    assert (inside["ci_lower"] <= inside["probability"] + 1e-12).all()
    assert set(table["session"].dropna()) >= {8, 13}  # the review sessions are not added


def test_review_sentence_names_strata_and_sessions():
    table = pd.DataFrame(
        {
            "method": ["km"] * 3,
            "stratum": ["mild", "moderate", "all"],
            "from_session": [13] * 3,
            "within": [13] * 3,
            "probability": [0.9, 0.5, 0.6],
            "ci_lower": [0.8, 0.4, 0.5],
            "ci_upper": [0.95, 0.6, 0.7],
        }
    )
    text = review_sentence(table, ["mild", "moderate"])
    assert "not improved by session 13" in text and "by session 26" in text
    assert "a moderate client 50 % (40 to 60 %)" in text
