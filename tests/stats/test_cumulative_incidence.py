"""Dropout as a competing event: Aalen-Johansen against R, and the invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecurve.stats.cumulative_incidence import (
    aalen_johansen,
    causes,
    competing_table,
    cumulative_incidence,
    ending_causes,
    incidence_at,
    incidence_median,
)
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


# Aalen-Johansen with confidence limits, against R 4.2.2 (survival 3.5.3):
# time <- c(2, 3, 3, 5, 6, 6, 6, 8, 9, 12, 1, 2, 2, 4, 4, 5, 7, 7, 10, 11)
# status <- c(1, 2, 0, 1, 1, 2, 0, 1, 2, 1, 1, 2, 1, 0, 1, 1, 2, 1, 1, 0)
# fit <- survfit(Surv(time, factor(status, 0:2)) ~ 1, conf.type = ct, conf.int = 0.9)
# s <- summary(fit, times = c(4, 8, 12)); s$pstate[, 2:3], s$std.err, s$lower, s$upper
AJ_TIME = np.array([2, 3, 3, 5, 6, 6, 6, 8, 9, 12, 1, 2, 2, 4, 4, 5, 7, 7, 10, 11])
AJ_CAUSE = np.array([1, 2, 0, 1, 1, 2, 0, 1, 2, 1, 1, 2, 1, 0, 1, 1, 2, 1, 1, 0])
AJ_R = {
    # time: (p1, se1, p2, se2)
    4: (0.203571428571429, 0.091017390931047, 0.100000000000000, 0.0670820393249937),
    8: (0.510331632653061, 0.121305822237646, 0.224362244897959, 0.0999954317190759),
    12: (0.709311224489796, 0.110549037071629, 0.290688775510204, 0.1105490370716288),
}
AJ_LIMITS = {  # conf.type: {time: (lower1, upper1, lower2, upper2)}, 90 % limits
    "log": {
        4: (0.0975727249512134, 0.424722447295933, 0.0331740793700202, 0.301440166235242),
        8: (0.3451845112988075, 0.754490328393940, 0.1077885382963951, 0.467010850423002),
        12: (0.5489115240600487, 0.916581982950269, 0.1555107434250671, 0.543370588722947),
    },
    "log-log": {
        4: (0.0799354314066657, 0.366847835714773, 0.0242781802119756, 0.240282464318143),
        8: (0.3003155074706786, 0.686477143998204, 0.0870934388193060, 0.400483403597353),
        12: (0.4845719135803742, 0.849739423815575, 0.1287505771332127, 0.474895028815696),
    },
    "plain": {
        4: (0.0538611429828359, 0.353281714160021, 0.0, 0.210340135687017),
        8: (0.3108013109751392, 0.709861954330983, 0.0598843963562591, 0.388840093439659),
        12: (0.5274742399065347, 0.891148209073057, 0.1088517909269428, 0.472525760093465),
    },
}


@pytest.mark.parametrize("conf_type", list(AJ_LIMITS))
def test_aalen_johansen_with_limits_matches_r(conf_type):
    table = aalen_johansen(AJ_TIME, AJ_CAUSE, conf_level=0.9, conf_type=conf_type)
    rows = table.set_index("time")
    for t, (p1, se1, p2, se2) in AJ_R.items():
        row = rows.loc[t]
        np.testing.assert_allclose([row["cif_1"], row["se_1"]], [p1, se1], atol=1e-12)
        np.testing.assert_allclose([row["cif_2"], row["se_2"]], [p2, se2], atol=1e-12)
        got = [row["lower_1"], row["upper_1"], row["lower_2"], row["upper_2"]]
        np.testing.assert_allclose(got, AJ_LIMITS[conf_type][t], atol=1e-12)


def test_aalen_johansen_equals_the_incidence_without_limits_and_is_bounded():
    plain = cumulative_incidence(AJ_TIME, AJ_CAUSE)
    table = aalen_johansen(AJ_TIME, AJ_CAUSE)
    np.testing.assert_allclose(table["cif_1"], plain["cif_improved"], atol=1e-15)
    np.testing.assert_allclose(table["cif_2"], plain["cif_dropout"], atol=1e-15)
    assert (np.diff(table["cif_1"]) >= 0).all() and (np.diff(table["cif_2"]) >= 0).all()
    assert ((table["cif_1"] + table["cif_2"]) <= 1 + 1e-12).all()
    inside = table["cif_1"] > 0
    assert (table.loc[inside, "lower_1"] <= table.loc[inside, "cif_1"]).all()
    assert (table.loc[inside, "cif_1"] <= table.loc[inside, "upper_1"]).all()
    # the influence is grouped by (time, cause): many copies of the data give the same
    # incidence and a standard error smaller by the square root of the copies
    many = aalen_johansen(np.tile(AJ_TIME, 9), np.tile(AJ_CAUSE, 9))
    np.testing.assert_allclose(many["cif_1"], table["cif_1"], atol=1e-12)
    np.testing.assert_allclose(many["se_1"], table["se_1"] / 3, atol=1e-12)


def test_incidence_median_is_read_off_the_curve_and_its_limits():
    # R (as above, conf.type = "log", conf.int = 0.9): fit$time, fit$pstate[, 2], fit$lower,
    # fit$upper: the incidence first reaches 0.5 at 8 (0.510331632653061); the upper limit at
    # 5 (0.558682852551262, 0.424722447295933 at 4); the lower limit at 12 (0.548911524060049,
    # 0.408642600147687 at 10 and 11)
    table = aalen_johansen(AJ_TIME, AJ_CAUSE, conf_level=0.9, conf_type="log")
    assert incidence_median(table, 1) == (8.0, 5.0, 12.0)
    # dropout never reaches one half, but its upper limit does at 9 (0.543370588722947;
    # 0.467010850423002 at 8): a lower limit for a median not reached, as with Kaplan-Meier
    median, lower, upper = incidence_median(table, 2)
    assert np.isnan(median) and lower == 9.0 and np.isnan(upper)
    value, lower, upper = incidence_at(table, 9.5, 1)
    np.testing.assert_allclose(
        [value, lower, upper],
        [0.510331632653061, 0.3451845112988075, 0.754490328393940],
        atol=1e-12,
    )
    assert incidence_at(table, 0.5, 2)[0] == 0.0 and np.isnan(incidence_at(table, 13, 1)[0])


def test_during_therapy_every_ending_without_improvement_competes():
    events = pd.DataFrame(
        {
            "event": [1, 0, 0, 0, 0, 1],
            "end_reason": ["planned", "planned", "dropout", "unknown", "ongoing", "ongoing"],
        }
    )
    # improved whatever the ending; only clients still in therapy are censored
    assert ending_causes(events).tolist() == [1, 2, 2, 2, 0, 1]
