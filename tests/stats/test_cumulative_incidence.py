"""Dropout as a competing event: Aalen-Johansen against R, and the invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecurve.stats.cumulative_incidence import causes, competing_table, cumulative_incidence
from dosecurve.stats.kaplan_meier import kaplan_meier

TIME = [2, 3, 3, 5, 6, 6, 6, 8, 9, 12, 1, 2, 2, 4, 4, 5, 7, 7, 10, 11]
CAUSE = [1, 1, 2, 1, 1, 1, 0, 1, 2, 1, 1, 1, 1, 2, 1, 1, 0, 1, 1, 2]


def test_aalen_johansen_matches_r():
    # f <- survfit(Surv(time, factor(status, 0:2, c("censor", "improved", "dropout"))) ~ 1)
    # f$pstate[, 2] and f$pstate[, 3]
    cif = cumulative_incidence(np.array(TIME), np.array(CAUSE))
    r_improved = [0.05, 0.2, 0.25, 0.3, 0.4, 0.5, 0.557142857142857, 0.625714285714286]
    r_improved += [0.625714285714286, 0.694285714285714, 0.694285714285714, 0.762857142857143]
    r_dropout = [
        0,
        0,
        0.05,
        0.1,
        0.1,
        0.1,
        0.1,
        0.1,
        0.168571428571429,
        0.168571428571429,
        0.237142857142857,
        0.237142857142857,
    ]
    np.testing.assert_allclose(cif["cif_improved"], r_improved, atol=1e-12)
    np.testing.assert_allclose(cif["cif_dropout"], r_dropout, atol=1e-12)


def test_competing_table_sets_cif_beside_one_minus_km():
    events = pd.DataFrame(
        {
            "time": TIME,
            "event": [int(c == 1) for c in CAUSE],
            "eligible": True,
            "stratum": "s",
            "end_reason": ["dropout" if c == 2 else "planned" for c in CAUSE],
        }
    )
    table = competing_table(events, ["s"], [0, 4, 8, 30]).set_index(["stratum", "session"])
    # R: summary(survfit(Surv(time, status == 1) ~ 1), times = c(4, 8))$surv = 0.696428571428571,
    # 0.318367346938776; cumulative incidence at 4 and 8: 0.3 and 0.625714285714286
    assert table.loc[("all", 4), "one_minus_km"] == pytest.approx(1 - 0.696428571428571)
    assert table.loc[("all", 8), "cif_improved"] == pytest.approx(0.625714285714286)
    assert table.loc[("all", 8), "overstatement"] == pytest.approx(
        1 - 0.318367346938776 - 0.625714285714286
    )
    assert table.loc[("all", 0), "cif_improved"] == 0
    assert np.isnan(table.loc[("all", 30), "cif_improved"])  # beyond the last follow-up


def test_causes():
    reasons = ["dropout", "dropout", "planned", "unknown"]
    events = pd.DataFrame({"event": [1, 0, 0, 1], "end_reason": reasons})
    assert causes(events).tolist() == [1, 2, 0, 1]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 30), st.integers(0, 2)), min_size=1, max_size=60))
def test_incidences_add_up_to_one_minus_any_event_survival(data):
    time = np.array([t for t, _ in data])
    cause = np.array([c for _, c in data])
    cif = cumulative_incidence(time, cause)
    km_any = kaplan_meier(time, (cause > 0).astype(int))
    total = cif["cif_improved"] + cif["cif_dropout"]
    np.testing.assert_allclose(total, 1 - km_any["surv"], atol=1e-12)
    assert np.all(np.diff(cif["cif_improved"]) >= -1e-15)
    km_improved = kaplan_meier(time, (cause == 1).astype(int))
    assert np.all(cif["cif_improved"] <= 1 - km_improved["surv"] + 1e-12)  # 1 - KM overstates


def test_no_eligible_client_gives_an_empty_table():
    events = pd.DataFrame(
        {
            "time": [1.0],
            "event": [0],
            "eligible": [False],
            "stratum": ["s"],
            "end_reason": ["dropout"],
        }
    )
    table = competing_table(events, ["s"], [4, 8])
    assert table.empty and "overstatement" in table
