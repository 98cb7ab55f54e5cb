"""Kaplan-Meier, quantiles and log-rank against hand-worked values and R's survival."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import R_EVENT, R_TIME, r_events
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter

from dosecurve.stats import curve_summaries, kaplan_meier, logrank


def test_kaplan_meier_hand_worked():
    # times 2(e) 4(c) 4(e) 6(e): S(2) = 3/4; S(4) = 3/4 * 2/3 = 1/2; S(6) = 1/2 * 0/1 = 0.
    # Greenwood at 2: 1 / (4 * 3) = 1/12; at 4: 1/12 + 1/(3 * 2) = 1/4.
    # log-log CI at 2: S^exp(+-z * sqrt(1/12) / log(3/4)), z = 1.959964
    curve = kaplan_meier.kaplan_meier(np.array([2, 4, 4, 6]), np.array([1, 0, 1, 1]))
    assert curve["time"].tolist() == [2, 4, 6]
    assert curve["at_risk"].tolist() == [4, 3, 1]
    assert curve["events"].tolist() == [1, 1, 1]
    assert curve["censored"].tolist() == [0, 1, 0]
    np.testing.assert_allclose(curve["surv"], [0.75, 0.5, 0.0])
    np.testing.assert_allclose(curve["std_err"].iloc[:2], [np.sqrt(1 / 12), 0.5])
    z = 1.959963984540054
    expo = np.exp(z * np.sqrt(1 / 12) / np.log(0.75))
    assert curve["lower"].iloc[0] == pytest.approx(0.75 ** (1 / expo))
    assert curve["upper"].iloc[0] == pytest.approx(0.75**expo)
    assert np.isnan(curve["lower"].iloc[2])  # undefined where S = 0, as in R
    # S is exactly 0.5 from session 4 until 6: the median is the midpoint, 5 (R's rule).
    assert kaplan_meier.km_quantile(curve, 0.5)[0] == pytest.approx(5.0)


def test_kaplan_meier_matches_r():
    # R 4.2, survival 3.5.3:
    # fit <- survfit(Surv(time, event) ~ 1, conf.type = "log-log")
    # data.frame(fit$time, fit$surv, fit$std.err, fit$lower, fit$upper)
    curve = kaplan_meier.kaplan_meier(np.array(R_TIME), np.array(R_EVENT))
    r_surv = [
        0.971428571428571,
        0.885714285714286,
        0.857142857142857,
        0.765306122448980,
        0.665483584738243,
        0.565661047027507,
        0.530307231588288,
        0.454549055647104,
        0.413226414224640,
        0.361573112446560,
        0.361573112446560,
        0.301310927038800,
        0.241048741631040,
        0.241048741631040,
        0.120524370815520,
        0.120524370815520,
    ]
    r_se = [
        0.0289885517826224,
        0.0607176740718916,
        0.0690065559342354,
        0.0951189731211342,
        0.1247772342138334,
        0.1561822255886327,
        0.1689957225981924,
        0.2011574412276292,
        0.2226100295408008,
        0.2596389187107723,
        0.2596389187107723,
        0.3174046336187176,
        0.3882598375349070,
        0.3882598375349070,
        0.8066881066698779,
        0.8066881066698779,
    ]
    r_lower = [
        0.8139969048577606,
        0.7235761904662277,
        0.6902693831586003,
        0.5844891462376731,
        0.4759548595699243,
        0.3771769288711712,
        0.3432662384731958,
        0.2725334994836160,
        0.2350598235609256,
        0.1868179212207454,
        0.1868179212207454,
        0.1333298270533796,
        0.0881299992114160,
        0.0881299992114160,
        0.0114816572717621,
        0.0114816572717621,
    ]
    r_upper = [
        0.995925318599012,
        0.955499052558153,
        0.937905458624672,
        0.875266322292829,
        0.799809825085961,
        0.716815692145131,
        0.686411441328687,
        0.619900345768042,
        0.583087701827925,
        0.539628575490425,
        0.539628575490425,
        0.489581728674621,
        0.434577382673769,
        0.434577382673769,
        0.367053343510112,
        0.367053343510112,
    ]
    assert curve["time"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 20]
    assert curve["at_risk"].tolist() == [35, 34, 31, 28, 23, 20, 16, 14, 11, 8, 7, 6, 5, 3, 2, 1]
    np.testing.assert_allclose(curve["surv"], r_surv, atol=1e-12)
    np.testing.assert_allclose(curve["std_err"], r_se, atol=1e-12)
    np.testing.assert_allclose(curve["lower"], r_lower, atol=1e-12)
    np.testing.assert_allclose(curve["upper"], r_upper, atol=1e-12)


@pytest.mark.parametrize(
    ("p", "expected"),
    # quantile(fit, probs = c(.25, .5, .75)): quantile 5 8 13, lower 2 5 9, upper 6 12 NA
    [(0.25, (5.0, 2.0, 6.0)), (0.5, (8.0, 5.0, 12.0)), (0.75, (13.0, 9.0, np.nan))],
)
def test_quantiles_match_r(p, expected):
    curve = kaplan_meier.kaplan_meier(np.array(R_TIME), np.array(R_EVENT))
    np.testing.assert_allclose(kaplan_meier.km_quantile(curve, p), expected)


def test_median_midpoint_rule_matches_r():
    # quantile(survfit(Surv(c(1,2,3,4,5,6), c(1,1,1,0,1,0)) ~ 1, conf.type = "log-log"), .5)
    # gives 4 (S = 0.5 on [3, 5)), lower 1, upper NA
    curve = kaplan_meier.kaplan_meier(np.arange(1, 7), np.array([1, 1, 1, 0, 1, 0]))
    np.testing.assert_allclose(kaplan_meier.km_quantile(curve, 0.5), (4.0, 1.0, np.nan))


def test_median_table_by_stratum_matches_r():
    # quantile(survfit(Surv(time, event) ~ group, conf.type = "log-log"), probs = .5):
    # a 6 (4, NA); b 5 (1, NA); c 16 (5, NA); overall 8 (5, 12)
    fit = kaplan_meier.fit_by_stratum(r_events(), ["a", "b", "c"])
    table = kaplan_meier.median_table(fit).set_index("stratum")
    assert list(table.index) == ["a", "b", "c", "all"]
    assert table["n"].tolist() == [15, 10, 10, 35]
    assert table["events"].tolist() == [10, 7, 5, 22]
    np.testing.assert_allclose(table["median"], [6, 5, 16, 8])
    np.testing.assert_allclose(table["ci_lower"], [4, 1, 5, 5])
    np.testing.assert_allclose(table["ci_upper"], [np.nan, np.nan, np.nan, 12])


def test_improved_by_session_matches_r_summary():
    # summary(fit, times = c(4, 8, 13)): n.risk 28 14 5; surv 0.765306122448980
    # 0.454549055647104 0.241048741631040; lower/upper as in the fit table above
    fit = kaplan_meier.fit_by_stratum(r_events(), [])
    table = kaplan_meier.improved_by_session(fit, [4, 8, 13, 21])
    assert table["at_risk"].tolist() == [28, 14, 5, 0]
    np.testing.assert_allclose(
        table["improved"].iloc[:3],
        1 - np.array([0.765306122448980, 0.454549055647104, 0.241048741631040]),
        atol=1e-12,
    )
    np.testing.assert_allclose(
        table["ci_lower"].iloc[:3],
        1 - np.array([0.875266322292829, 0.619900345768042, 0.434577382673769]),
        atol=1e-12,
    )
    # Session 21 lies beyond the last follow-up (20): not estimated, left empty.
    assert table[["improved", "ci_lower", "ci_upper"]].iloc[3].isna().all()


def test_logrank_family_matches_r():
    # sd <- survdiff(Surv(time, event) ~ group): chisq 7.27456461699516 on 2 df;
    # obs 10 7 5, exp 7.24916358357700 4.27534476496196 10.47549165146104
    # trend, w <- c(1, 2, 3): (sum(w * (obs - exp)))^2 / t(w) %*% var %*% w = 4.93439670257858
    # survdiff(..., rho = 1)$chisq = 6.88818013579755
    tests, pairwise = logrank.logrank_tests(r_events(), ["a", "b", "c"], rho=1)
    t = tests.set_index("test")
    assert t.loc["log-rank", "statistic"] == pytest.approx(7.27456461699516, abs=1e-9)
    assert t.loc["log-rank", "df"] == 2
    assert t.loc["log-rank", "p_value"] == pytest.approx(np.exp(-7.27456461699516 / 2), rel=1e-9)
    trend = t.loc["trend across ordered strata (scores 1, 2, ...)"]
    assert trend["statistic"] == pytest.approx(4.93439670257858, abs=1e-9) and trend["df"] == 1
    assert t.loc["Fleming-Harrington G(1, 0)", "statistic"] == pytest.approx(6.88818013579755)
    # pairwise survdiff on each pair's clients: a-b 0.199464239169906, a-c 5.66570896735051,
    # b-c 5.12820021816321; p.adjust(p, "holm")
    np.testing.assert_allclose(
        pairwise["statistic"], [0.199464239169906, 5.66570896735051, 5.12820021816321], atol=1e-9
    )
    p = pairwise["p_value"].to_numpy()
    np.testing.assert_allclose(pairwise["p_holm"], [p[0], 3 * p[1], 3 * p[1]])


def test_observed_expected_and_variance_match_r():
    ev = r_events()
    obs, exp, u, v = logrank.score_and_variance(
        ev["time"].to_numpy(float),
        ev["event"].to_numpy(),
        ev["stratum"].to_numpy(),
        ["a", "b", "c"],
    )
    np.testing.assert_allclose(obs, [10, 7, 5])
    np.testing.assert_allclose(exp, [7.24916358357700, 4.27534476496196, 10.47549165146104])
    np.testing.assert_allclose(u, obs - exp)
    np.testing.assert_allclose(v[0], [4.17230648149370, -1.51658352535326, -2.65572295614044])
    np.testing.assert_allclose(v[2, 2], 4.23068476225974)


def test_holm_matches_r():
    # p.adjust(c(0.01, 0.04, 0.03, 0.5), "holm") = 0.04 0.09 0.09 0.50
    np.testing.assert_allclose(logrank.holm([0.01, 0.04, 0.03, 0.5]), [0.04, 0.09, 0.09, 0.5])


def test_logrank_not_estimable_with_one_stratum():
    tests, pairwise = logrank.logrank_tests(r_events().assign(stratum="a"), ["a"])
    assert tests["statistic"].isna().all() and pairwise.empty
    assert tests.iloc[0]["note"] == "not estimable: fewer than two strata"


@pytest.mark.parametrize(
    ("conf_type", "lower", "upper", "quantiles"),
    [
        # survfit(Surv(time, event) ~ 1, conf.type = "log"); quantile(f, c(.25, .5, .75, .95))
        (
            "log",
            [0.9177740474520356, 0.7863405494156190],
            [0.585772574276436, 1.0],
            [(5, 3, 7), (8, 6, np.nan), (13, 10, np.nan), (np.nan, 16, np.nan)],
        ),
        # conf.type = "plain"
        (
            "plain",
            [0.9162353830408833, 0.7803103403833023],
            [0.311082999133134, 1.0],
            [(5, 3, 6), (8, 6, 12), (13, 9, np.nan), (np.nan, 16, np.nan)],
        ),
    ],
)
def test_other_conf_types_match_r(conf_type, lower, upper, quantiles):
    curve = kaplan_meier.kaplan_meier(np.array(R_TIME), np.array(R_EVENT), conf_type=conf_type)
    np.testing.assert_allclose(curve["lower"].iloc[:2], lower, atol=1e-12)
    np.testing.assert_allclose([curve["upper"].iloc[-1], curve["upper"].iloc[0]], upper, atol=1e-12)
    fit = kaplan_meier.StrataCurves({"all": curve})
    table = curve_summaries.quantile_table(fit)
    np.testing.assert_allclose(table[["sessions", "ci_lower", "ci_upper"]].to_numpy(), quantiles)


def test_median_among_improved_is_the_plain_median_of_event_times():
    # event times 1, 2, 2, 2, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 8, 8, 9, 10, 12, 13, 16:
    # 22 events, median = mean of the 11th and 12th = (5 + 6) / 2 = 5.5
    table = kaplan_meier.median_table(kaplan_meier.fit_by_stratum(r_events(), []))
    assert table["median_among_improved"].item() == 5.5


def test_conf_level_widens_interval():
    narrow = kaplan_meier.kaplan_meier(np.array(R_TIME), np.array(R_EVENT), conf_level=0.8)
    wide = kaplan_meier.kaplan_meier(np.array(R_TIME), np.array(R_EVENT), conf_level=0.99)
    assert (wide["lower"] < narrow["lower"]).all() and (wide["upper"] > narrow["upper"]).all()


def test_no_eligible_clients_is_labelled_not_estimable():
    fit = kaplan_meier.fit_by_stratum(r_events().assign(eligible=False), ["a"])
    table = kaplan_meier.median_table(fit)
    assert table[["stratum", "n", "events"]].iloc[0].tolist() == ["all", 0, 0]
    assert table["note"].item() == "not estimable: no eligible clients (see flow.csv)"
    assert kaplan_meier.improved_by_session(fit, [4]).empty and fit.tidy().empty


def test_stratum_without_events_is_labelled():
    events = r_events()
    events.loc[events["stratum"] == "c", "event"] = 0
    table = kaplan_meier.median_table(kaplan_meier.fit_by_stratum(events, ["a", "b", "c"]))
    notes = table.set_index("stratum")["note"]
    assert notes["c"] == "no events" and notes["a"] == "" and notes["all"] == ""
    curve = kaplan_meier.kaplan_meier(np.array([1, 2, 3]), np.array([1, 0, 0]))
    assert np.isnan(kaplan_meier.km_quantile(curve, 0.5)[0])  # S stays at 2/3: not reached


durations = st.lists(
    st.tuples(st.integers(min_value=1, max_value=60), st.booleans()), min_size=1, max_size=80
)


@settings(max_examples=60, deadline=None)
@given(durations)
def test_kaplan_meier_invariants_and_lifelines_agree(data):
    time = np.array([t for t, _ in data])
    event = np.array([e for _, e in data], dtype=int)
    curve = kaplan_meier.kaplan_meier(time, event)
    surv = curve["surv"].to_numpy()
    assert np.all(np.diff(surv) <= 1e-15) and np.all((surv >= 0) & (surv <= 1))
    ok = curve["lower"].notna()
    assert np.all(curve.loc[ok, "lower"] <= surv[ok] + 1e-12)
    assert np.all(curve.loc[ok, "upper"] >= surv[ok] - 1e-12)
    quantiles = [kaplan_meier.km_quantile(curve, p)[0] for p in (0.25, 0.5, 0.75)]
    reached = [q for q in quantiles if not np.isnan(q)]
    assert reached == sorted(reached)
    assert curve["at_risk"].iloc[0] == len(time)
    # lifelines' estimate (same product-limit formula) agrees at every time.
    kmf = KaplanMeierFitter().fit(time, event)
    theirs = kmf.survival_function_.reindex(curve["time"]).iloc[:, 0].to_numpy()
    np.testing.assert_allclose(surv, theirs, atol=1e-12)


def test_restricted_mean_matches_r():
    # summary(survfit(Surv(time, event) ~ group), rmean = 10)$table[, c("rmean", "se(rmean)")]
    # a 6.56851851851852 0.732114405554004; b 5.94 1.122728818548807;
    # c 9.09259259259259 0.531921857675893; ~ 1: 7.108819169960475 0.522564192112594
    fit = kaplan_meier.fit_by_stratum(r_events(), ["a", "b", "c"])
    table = curve_summaries.restricted_mean_table(fit, 10).set_index("stratum")
    np.testing.assert_allclose(
        table["rmst"], [6.56851851851852, 5.94, 9.09259259259259, 7.108819169960475], atol=1e-12
    )
    r_se = [0.732114405554004, 1.122728818548807, 0.531921857675893, 0.522564192112594]
    np.testing.assert_allclose(table["se"], r_se, atol=1e-12)
    # difference c - a = 2.524074 with SE sqrt(0.732114^2 + 0.531922^2) = 0.904969
    assert table.loc["c", "difference"] == pytest.approx(9.09259259259259 - 6.56851851851852)
    half = table.loc["c", "difference_ci_upper"] - table.loc["c", "difference"]
    assert half == pytest.approx(
        1.959964 * np.hypot(0.732114405554004, 0.531921857675893), rel=1e-6
    )
    # a horizon between event times: rmean = 10.5 gives 7.28960572618375 (0.55587577407566)
    curve = kaplan_meier.kaplan_meier(np.array(R_TIME), np.array(R_EVENT))
    np.testing.assert_allclose(
        curve_summaries.restricted_mean(curve, 10.5),
        (7.28960572618375, 0.55587577407566),
        atol=1e-12,
    )
    # default horizon: the shortest follow-up among the strata (a 12, b 11, c 20)
    assert curve_summaries.restricted_mean_table(fit)["horizon"].iloc[0] == 11


def test_by_group_matches_r():
    # d: the R fixture with arm <- c(rep(c("x", "y"), 17), "x")
    # survdiff(Surv(time, event) ~ arm)$chisq = 0.0823764534985818;
    # quantile(survfit(... ~ arm, conf.type = "log-log"), .5): x 8 (4, NA), y 7 (5, 13)
    # survdiff(Surv(time, event) ~ arm + stratum)$chisq = 8.46280685743618 (crossed, 5 df)
    events = r_events().assign(arm=["x", "y"] * 17 + ["x"])
    table = curve_summaries.by_groups(events, ["arm"], ["a", "b", "c"], cross=True)
    alone = table[table["grouping"] == "arm"].set_index("group")
    np.testing.assert_allclose(alone.loc[["x", "y"], "median"], [8, 7])
    np.testing.assert_allclose(alone.loc[["x", "y"], "ci_upper"], [np.nan, 13])
    assert alone["logrank_statistic"].iloc[0] == pytest.approx(0.0823764534985818, abs=1e-9)
    crossed = table[table["grouping"] == "arm x severity"]
    assert crossed["logrank_statistic"].iloc[0] == pytest.approx(8.46280685743618, abs=1e-9)
    assert crossed["logrank_df"].iloc[0] == 5
    assert "x / a" in set(crossed["group"])
    assert curve_summaries.by_groups(events, [], ["a"], cross=False).empty


def test_sensitivity_counts_unconfirmed_events_and_the_median_with_them_censored():
    # five clients: events at 2, 3 (unconfirmed: their last assessment), 4, 6 (unconfirmed);
    # one censored at 5. Counted: S = 4/5, 3/5, 2/5 at 2, 3, 4, so the median is 4.
    # Censoring the unconfirmed: S = 4/5 at 2, then 4/5 * 2/3 = 8/15 at 4 and no event
    # after: S stays above 1/2, so the median is not reached.
    events = pd.DataFrame(
        {
            "definition": "csi",
            "eligible": True,
            "time": [2, 3, 4, 5, 6],
            "event": [1, 1, 1, 0, 1],
            "unconfirmed": [False, True, False, False, True],
        }
    )
    row = curve_summaries.sensitivity_table(events, [("csi", "csi")]).iloc[0]
    assert row["events"] == 4 and row["unconfirmed"] == 2
    assert row["median"] == 4
    assert np.isnan(row["median_unconfirmed_censored"])
