"""Interval censoring: Turnbull against R, equal to Kaplan-Meier when every session is
assessed, and interval-censored parametric medians against survreg."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecurve.stats.interval_censoring import median_sensitivity, turnbull
from dosecurve.stats.kaplan_meier import kaplan_meier

L = np.array([0, 4, 4, 8, 8, 12, 0, 4, 8, 12, 16, 4.0])
R = np.array([4, 8, 8, 12, np.inf, 16, 4, np.inf, 12, np.inf, 20, 8])


def test_turnbull_matches_r():
    # survfit(Surv(L, R, type = "interval2") ~ 1) (R = NA for right-censored):
    # surv 0.833333333333333 at 4, 0.555555555555556 at 8, 0.333333333333333 at 12,
    # 0.166666666666667 at 16, 0 at 20
    curve = turnbull(L, R)
    assert curve["time"].tolist() == [4, 8, 12, 16, 20]
    np.testing.assert_allclose(curve["surv"], [5 / 6, 5 / 9, 1 / 3, 1 / 6, 0], atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 15), st.booleans()), min_size=1, max_size=40))
def test_turnbull_equals_kaplan_meier_when_every_session_is_assessed(data):
    time = np.array([t for t, _ in data], float)
    event = np.array([e for _, e in data], int)
    lower = np.where(event == 1, time - 1, time)  # censored: known not improved at time
    curve = turnbull(lower, np.where(event == 1, time, np.inf)).set_index("time")["surv"]
    km = kaplan_meier(time, event).set_index("time")["surv"]
    for t, s in curve.items():
        assert s == pytest.approx(
            km[km.index <= t].iloc[-1] if (km.index <= t).any() else 1, abs=1e-6
        )


def test_median_sensitivity_and_interval_parametric_medians_match_r():
    # survreg(Surv(L, R, type = "interval2") ~ 1, dist = "weibull") (L = NA where 0):
    # predict(f, type = "quantile", p = .5) = 8.8158713122351; lognormal: 8.18854558411485
    event = np.isfinite(R).astype(int)
    events = pd.DataFrame(
        {"eligible": True, "event": event, "time_lower": L, "time": np.where(event == 1, R, L)}
    )
    table = median_sensitivity(events).set_index("method")
    assert table.loc["Weibull, interval-censored", "median"] == pytest.approx(
        8.8158713122351, rel=1e-5
    )
    assert table.loc["log-normal, interval-censored", "median"] == pytest.approx(
        8.18854558411485, rel=1e-5
    )
    turn = table.loc["Turnbull (interval-censored)"]
    assert (turn["from"], turn["to"]) == (8, 12)  # S is 0.556 at 8 and 0.333 at 12
    right = table.loc["right point (first assessment meeting it)", "median"]
    mid = table.loc["mid point of the interval", "median"]
    assert mid < right  # reading the event at the interval's middle can only make it earlier


def test_a_flat_interval_censored_weibull_reaches_survreg():
    # The audit's case: a sparse PHQ-9 run (assessed every 4th session), where lifelines'
    # interval-censored Weibull stopped short (median 21.505 against survreg's 21.554).
    # d <- read.csv("tests/stats/fixtures/sparse_phq9_events.csv")
    # L <- ifelse(d$time_lower <= 0, NA, d$time_lower); R <- ifelse(d$event == 1, d$time, NA)
    # f <- survreg(Surv(L, R, type = "interval2") ~ 1, dist = dist)
    # predict(f, newdata = data.frame(x = 1), type = "quantile", p = .5); f$loglik[1]
    # weibull: 21.5536257553467 (loglik -1230.5697162223); lognormal: 22.8968925858942
    from pathlib import Path

    from dosecurve.stats.parametric_fit import interval_loglik

    data = pd.read_csv(Path(__file__).parent / "fixtures/sparse_phq9_events.csv")
    table = median_sensitivity(data.assign(eligible=True)).set_index("method")
    weibull = table.loc["Weibull, interval-censored", "median"]
    assert weibull == pytest.approx(21.5536257553467, rel=1e-6)
    lognormal = table.loc["log-normal, interval-censored", "median"]
    assert lognormal == pytest.approx(22.8968925858942, rel=1e-6)
    # the likelihood is R's: at survreg's estimate it equals survreg's log-likelihood
    upper = np.where(data["event"] == 1, data["time"], np.inf)
    loglik = interval_loglik(
        "Weibull",
        3.71344816054858,
        np.log(1.75411035611718),
        data["time_lower"].to_numpy(float),
        upper,
        np.ones(len(data)),
    )
    assert loglik == pytest.approx(-1230.5697162223, abs=1e-6)
