"""Gray's test and Fine and Gray's model against R (cmprsk 2.2-11, R 4.2.2), and their
invariants."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecurve.stats.competing_risks_tests import competing_risks_tests, fine_gray, gray_test

# R:
# library(cmprsk); options(digits = 15)
# time <- c(2, 3, 3, 5, 6, 6, 6, 8, 9, 12, 1, 2, 2, 4, 4, 5, 7, 7, 10, 11,
#           3, 5, 8, 8, 9, 13, 13, 15, 16, 20)
# status <- c(1, 2, 0, 1, 1, 2, 0, 1, 2, 1, 1, 2, 1, 0, 1, 1, 2, 1, 1, 0,
#             2, 1, 1, 0, 2, 1, 2, 0, 1, 0)
# group <- rep(c("a", "b", "c"), each = 10)
# score <- c(14.1, 15.2, 13.8, 16.0, 14.9, 15.5, 13.2, 16.4, 15.0, 14.4,
#            18.2, 19.1, 17.5, 20.3, 18.8, 19.6, 17.9, 20.8, 18.4, 19.9,
#            24.2, 25.7, 23.1, 26.4, 24.8, 27.2, 23.6, 25.1, 26.9, 24.0)
TIME = np.array([2, 3, 3, 5, 6, 6, 6, 8, 9, 12, 1, 2, 2, 4, 4, 5, 7, 7, 10, 11], float)
TIME = np.r_[TIME, [3, 5, 8, 8, 9, 13, 13, 15, 16, 20]]
STATUS = np.array([1, 2, 0, 1, 1, 2, 0, 1, 2, 1, 1, 2, 1, 0, 1, 1, 2, 1, 1, 0])
STATUS = np.r_[STATUS, [2, 1, 1, 0, 2, 1, 2, 0, 1, 0]]
GROUP = np.repeat(["a", "b", "c"], 10)
SCORE = np.array([14.1, 15.2, 13.8, 16.0, 14.9, 15.5, 13.2, 16.4, 15.0, 14.4])
SCORE = np.r_[SCORE, [18.2, 19.1, 17.5, 20.3, 18.8, 19.6, 17.9, 20.8, 18.4, 19.9]]
SCORE = np.r_[SCORE, [24.2, 25.7, 23.1, 26.4, 24.8, 27.2, 23.6, 25.1, 26.9, 24.0]]

# cuminc(time, status, group)$Tests; cuminc(..., rho = 1)$Tests: stat per cause, 2 df
GRAY_R = {
    (0, 1): 5.314542614073550,
    (0, 2): 0.553240255570345,
    (1, 1): 5.205792145811185,
    (1, 2): 0.499820704099984,
}


@pytest.mark.parametrize(("rho", "cause"), list(GRAY_R))
def test_gray_test_matches_r(rho, cause):
    result = gray_test(TIME, STATUS, GROUP, rho=rho, of=cause)
    assert result.statistic == pytest.approx(GRAY_R[(rho, cause)], abs=1e-9)
    assert result.df == 2
    if (rho, cause) == (0, 1):
        assert result.p_value == pytest.approx(0.0701393496111612, abs=1e-12)


def test_gray_test_two_groups_matches_r():
    # keep <- group != "c"; cuminc(time[keep], status[keep], group[keep])$Tests[1, "stat"]
    keep = GROUP != "c"
    result = gray_test(TIME[keep], STATUS[keep], GROUP[keep])
    assert result.statistic == pytest.approx(0.654275421949260, abs=1e-9)
    assert result.p_value == pytest.approx(0.418588239304385, abs=1e-9)


def test_gray_test_does_not_depend_on_the_order_or_names_of_the_groups():
    renamed = np.array([{"a": "z", "b": "y", "c": "x"}[g] for g in GROUP])
    order = np.random.default_rng(1).permutation(len(TIME))
    a = gray_test(TIME, STATUS, GROUP)
    b = gray_test(TIME[order], STATUS[order], renamed[order])
    assert b.statistic == pytest.approx(a.statistic, abs=1e-9)
    same = gray_test(TIME, STATUS, np.full(len(TIME), "a"))
    assert np.isnan(same.statistic) and same.df == 0


def test_fine_gray_matches_crr():
    # fit <- crr(time, status, score); fit$coef; sqrt(diag(fit$var)); fit$loglik
    fit = fine_gray(TIME, STATUS, SCORE[:, None])
    assert fit.converged
    assert fit.coef[0] == pytest.approx(-0.0586157763047554, abs=1e-9)
    assert np.sqrt(fit.variance[0, 0]) == pytest.approx(0.0490178704308129, abs=1e-9)
    assert fit.log_likelihood == pytest.approx(-43.314187441, abs=1e-8)
    # crr(time, status, score, failcode = 2)
    other = fine_gray(TIME, STATUS, SCORE[:, None], of=2)
    assert other.coef[0] == pytest.approx(-0.0367453376335258, abs=1e-9)
    assert np.sqrt(other.variance[0, 0]) == pytest.approx(0.0727630386985668, abs=1e-9)


def test_fine_gray_with_two_covariates_and_many_ties_matches_crr():
    # the draw below, written with pandas.DataFrame(dict(t=t, c=c, x=x, x2=x2)).to_csv(
    # "rand.csv", index=False); in R: d <- read.csv("rand.csv")
    # f <- crr(d$t, d$c, cbind(d$x, d$x2)); f$coef; sqrt(diag(f$var)); f$loglik
    rng = np.random.default_rng(3)
    n = 400
    rng.integers(0, 4, n)  # the groups of the same draw (Gray's test below)
    t = rng.integers(1, 30, n).astype(float)
    c = rng.choice([0, 1, 2], n, p=[0.2, 0.5, 0.3])
    x = np.round(rng.normal(20, 5, n), 1)
    x2 = rng.integers(0, 2, n)
    fit = fine_gray(t, c, np.c_[x, x2])
    np.testing.assert_allclose(fit.coef, [0.0112034136045526, 0.1272672839250046], atol=1e-9)
    np.testing.assert_allclose(
        np.sqrt(np.diag(fit.variance)), [0.0137084998590265, 0.1425458441791517], atol=1e-9
    )
    assert fit.log_likelihood == pytest.approx(-1033.92926944643, abs=1e-8)


def test_fine_gray_does_not_depend_on_the_covariates_origin():
    # a shifted covariate (centred inside) gives the same fit
    a = fine_gray(TIME, STATUS, SCORE[:, None])
    b = fine_gray(TIME, STATUS, SCORE[:, None] + 1000.0)
    np.testing.assert_allclose(b.coef, a.coef, atol=1e-10)
    np.testing.assert_allclose(b.variance, a.variance, atol=1e-12)


def events_frame() -> pd.DataFrame:
    reasons = {0: "ongoing", 1: "planned", 2: "dropout"}
    return pd.DataFrame(
        {
            "time": TIME,
            "event": (STATUS == 1).astype(int),
            "end_reason": [reasons[s] for s in STATUS],
            "stratum": np.repeat(["mild", "moderate", "severe"], 10),
            "baseline": SCORE,
            "eligible": True,
        }
    )


def test_table_sets_both_tests_for_both_outcomes():
    table = competing_risks_tests(events_frame(), ["mild", "moderate", "severe"])
    rows = table.set_index(["test", "outcome"])
    gray = rows.loc[("gray", "improved")]
    assert gray["statistic"] == pytest.approx(GRAY_R[(0, 1)], abs=1e-9) and gray["df"] == 2
    fg = rows.loc[("fine_gray", "improved")]
    assert fg["estimate"] == pytest.approx(-0.0586157763047554, abs=1e-9)
    assert fg["hazard_ratio"] == pytest.approx(0.94306904903, abs=1e-9)
    # crr's summary: 95 % CI 0.85668153237 to 1.0381678578, p = 0.2317729688
    assert fg["ci_lower"] == pytest.approx(0.85668153237, abs=1e-9)
    assert fg["ci_upper"] == pytest.approx(1.0381678578, abs=1e-9)
    assert fg["p_value"] == pytest.approx(0.2317729688, abs=1e-9)
    ended = rows.loc[("gray", "ended_without_improvement")]
    assert ended["statistic"] == pytest.approx(GRAY_R[(0, 2)], abs=1e-9)
    assert ended["events"] == int((STATUS == 2).sum()) and ended["n"] == 30


def test_table_says_why_a_test_cannot_be_made():
    one = events_frame().assign(stratum="mild")
    table = competing_risks_tests(one, ["mild", "severe"]).set_index(["test", "outcome"])
    assert table.loc[("gray", "improved"), "note"].startswith("not estimable: fewer than two")
    assert np.isnan(table.loc[("gray", "improved"), "statistic"])
    flat = events_frame().assign(baseline=20.0)
    table = competing_risks_tests(flat, ["mild", "moderate", "severe"])
    note = table.set_index(["test", "outcome"]).loc[("fine_gray", "improved"), "note"]
    assert note == "not estimable: the intake score does not vary"
    none = events_frame().assign(eligible=False)
    assert competing_risks_tests(none, ["mild"])["note"].str.startswith("not estimable").all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(1, 12),
            st.sampled_from([0, 1, 2]),
            st.sampled_from(["mild", "severe"]),
            st.sampled_from([12.0, 18.0, 25.0]),
        ),
        min_size=1,
        max_size=25,
    )
)
def test_any_small_data_gives_a_table_with_estimates_or_reasons(rows):
    """Tiny or degenerate data (one event, separation, one stratum) never stops the run:
    each row has a finite estimate or says why not."""
    time, status, stratum, baseline = map(np.array, zip(*rows, strict=True))
    reasons = {0: "ongoing", 1: "planned", 2: "dropout"}
    events = pd.DataFrame(
        {
            "time": time.astype(float),
            "event": (status == 1).astype(int),
            "end_reason": [reasons[s] for s in status],
            "stratum": stratum,
            "baseline": baseline,
            "eligible": True,
        }
    )
    table = competing_risks_tests(events, ["mild", "severe"])
    assert len(table) == 4
    for row in table.itertuples():
        if row.note:
            assert row.note.startswith("not estimable")
        else:
            assert np.isfinite(row.statistic) and 0 <= row.p_value <= 1
