"""Estimates robust to why clients stop: the weighted Kaplan-Meier, its ending model, the
bounds and the tipping point, checked by hand, against statsmodels and the Kaplan-Meier, and
against the simulator's truth when clients stop for reasons tied to their progress."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from conftest import r_events, simulated_run

from dosecurve.measures.instruments import PRESETS as INSTRUMENTS
from dosecurve.measures.severity import PRESET_BANDS
from dosecurve.simulation.simulate import PRESETS
from dosecurve.stats import ending_sensitivity as es
from dosecurve.stats.kaplan_meier import fit_by_stratum, improved_by_session, kaplan_meier
from dosecurve.stats.logrank import logrank_tests

CORE = INSTRUMENTS["core-om"]


def test_logistic_fit_equals_statsmodels():
    rng = np.random.default_rng(4)
    x = np.column_stack([np.ones(500), rng.normal(size=(500, 3))])
    y = (rng.random(500) < 1 / (1 + np.exp(-(x @ [-1.0, 0.8, -0.5, 0.2])))).astype(float)
    want = sm.GLM(y, x, family=sm.families.Binomial()).fit().params
    np.testing.assert_allclose(es.logistic_fit(x, y), want, atol=1e-8)


def tiny():
    """Three clients, assessed at sessions 0 (baseline), 1, 2, 3 ... by hand."""
    sessions = pd.DataFrame(
        {
            "client": ["a"] * 4 + ["b"] * 3 + ["c"] * 5,
            "session": [0, 1, 2, 3, 0, 1, 2, 0, 1, 2, 3, 4],
            "score": [20, 18, 16, 8, 20, 19, 18, 22, 21, 20, 19, 18.0],
        }
    )
    events = pd.DataFrame(
        {
            "client": ["a", "b", "c"],
            "eligible": True,
            "time": [3, 2, 4],
            "event": [1, 0, 0],
            "baseline": [20.0, 20.0, 22.0],
            "stratum": ["s", "s", "s"],
            "end_reason": ["planned", "dropout", "ongoing"],
        }
    )
    return sessions, events


def test_assessment_rows_are_the_times_a_client_could_still_end():
    sessions, events = tiny()
    rows = es.assessment_rows(sessions, events, CORE)
    # a: at risk of ending after 1 and 2 (improved at 3); b: after 1, ended after 2;
    # c: after 1, 2, 3 and ended (still in therapy: censored) after 4
    assert rows["client"].tolist() == [0, 0, 1, 1, 2, 2, 2, 2]
    assert rows["session"].tolist() == [1, 2, 1, 2, 1, 2, 3, 4]
    assert rows["ended"].tolist() == [False, False, False, True, False, False, False, True]
    assert rows["change"].tolist() == [2, 4, 1, 2, 1, 2, 3, 4]  # baseline - score
    # ids stored as categories (as sessions.parquet reads back), with one unused: the same
    categorical = sessions.assign(
        client=pd.Categorical(sessions["client"], categories=["z", "c", "b", "a"])
    )
    again = es.assessment_rows(categorical, events, CORE)
    pd.testing.assert_frame_equal(again.reset_index(drop=True), rows.reset_index(drop=True))


def test_weighted_curve_by_hand_and_with_unit_weights_equals_kaplan_meier():
    sessions, events = tiny()
    rows = es.assessment_rows(sessions, events, CORE)
    plain = es.weighted_curve(events, rows, np.ones(len(rows)))
    km = kaplan_meier(events["time"].to_numpy(float), events["event"].to_numpy())
    np.testing.assert_allclose(plain["surv"], km["surv"], atol=1e-15)
    # weights after each row: a (1.0, 2.0); b (1.0, 5.0); c (1.5, 1.5, 1.5, 1.5)
    after = np.array([1.0, 2.0, 1.0, 5.0, 1.5, 1.5, 1.5, 1.5])
    curve = es.weighted_curve(events, rows, after).set_index("time")
    # at 3: a (weight after session 2 = 2.0) and c (1.5) at risk; a improves: 1 - 2 / 3.5
    assert curve.loc[3, "at_risk"] == pytest.approx(3.5)
    assert curve.loc[3, "events"] == pytest.approx(2.0)
    assert curve.loc[3, "surv"] == pytest.approx(1 - 2.0 / 3.5)
    # at 2: a (1.0 after 1), b (1.0), c (1.5)
    assert curve.loc[2, "at_risk"] == pytest.approx(3.5)


def simulate(n, seed=3, **changes):
    spec = replace(
        PRESETS["nordmo2021"],
        n_clients=n,
        seed=seed,
        length_severity=0.0,
        long_share=0.0,
        **changes,
    )
    _, truth, sessions, events = simulated_run(spec)
    return sessions, events, truth


STRATA = [b.name for b in PRESET_BANDS["core-om"]]


def test_plain_rows_equal_the_kaplan_meier_tables_and_bounds_enclose_them():
    sessions, events, _ = simulate(400)
    settings = es.Settings(bootstrap=0, imputations=2)
    table, tipping, _ = es.ending_sensitivity(
        sessions, events, STRATA, [8, 26], CORE, settings=settings
    )
    fit = fit_by_stratum(events, STRATA)
    want = improved_by_session(fit, [8, 26]).set_index(["stratum", "session"])["improved"]
    improved = table[table["measure"] == "improved"].set_index(["method", "stratum", "session"])
    for (stratum, session), value in want.items():
        assert improved.loc[("km", stratum, session), "improved"] == pytest.approx(value, abs=1e-12)
        best = improved.loc[("best_case", stratum, session), "improved"]
        worst = improved.loc[("worst_case", stratum, session), "improved"]
        assert worst - 1e-12 <= value <= best + 1e-12
    assert set(tipping["delta"]) == set(es.DELTAS)


def test_trend_equals_the_log_rank_trend_test():
    events = r_events()
    stat, p, _ = es._trend(events, ["a", "b", "c"])
    tests, _ = logrank_tests(events, ["a", "b", "c"])
    row = tests.loc[tests["test"].str.startswith("trend")].iloc[0]
    assert stat == pytest.approx(row["statistic"], abs=1e-12)
    assert p == pytest.approx(row["p_value"], abs=1e-12)


def test_imputation_none_improve_at_zero_and_all_can_improve_with_a_large_ratio():
    events = r_events().assign(end_reason="dropout")
    ended = (events["event"] == 0).to_numpy()
    group = es._stratum_codes(events, ["a", "b", "c"])
    time, event = events["time"].to_numpy(float), events["event"].to_numpy(int)
    fits = {i: kaplan_meier(time[group == i], event[group == i]) for i in range(3)}
    rng = np.random.default_rng(0)
    none_time, none_event = es._impute(time, event, group, ended, fits, 0.0, rng)
    assert none_event[ended].sum() == 0
    assert (none_time[ended] >= time[ended]).all()
    many_time, many_event = es._impute(time, event, group, ended, fits, 50.0, rng)
    improved = many_event[ended] == 1
    assert improved.mean() > 0.5
    assert (many_time[ended][improved] > time[ended][improved]).all()
    assert (time == events["time"].to_numpy(float)).all()  # the input is left as it was


@pytest.mark.parametrize(
    ("mechanism", "plain_bias", "landmarks", "min_inside"),
    [
        # clients stop as their score nears and passes the cutoff (the good-enough level)
        ({"good_enough_rate": 0.15, "good_enough_slope": 0.5}, "low", (13, 26, 52), 3),
        # a steep good-enough level (ending above 90 % once the score is 2 points past the
        # cutoff): the few who stay stand for many who stop, and the weighted curve falls a
        # little short early on
        ({"good_enough_rate": 0.15, "good_enough_slope": 1.5}, "low", (13, 26, 52), 2),
        # non-responders leave at session 8: the plain curve is too high until the slow
        # improvers who stayed catch up (by session 52 it is unbiased again)
        ({"nonresponse_session": 8, "nonresponse_dropout": 0.7}, "high", (13, 26), 2),
    ],
)
def test_ipcw_corrects_the_plain_curve_towards_the_truth(
    mechanism, plain_bias, landmarks, min_inside
):
    """Large simulated data (seeded) with a known truth: the plain curve is biased in the
    known direction (too low when clients stop as they feel good enough, too high when
    non-responders leave), and the weighted curve lies closer to the truth at every landmark
    and holds it within its bootstrap CI at most of them."""
    sessions, events, truth = simulate(2500, **mechanism)
    settings = es.Settings(bootstrap=40, imputations=1)
    table, _, _ = es.ending_sensitivity(
        sessions, events, STRATA, [13, 26, 52], CORE, settings=settings
    )
    eligible = events[events["eligible"]].merge(truth, on="client")
    continued = eligible["continued_csi_session"]
    rows = table[(table["stratum"] == "all") & (table["measure"] == "improved")]
    rows = rows.set_index(["method", "session"])
    inside, seen = 0, []
    for k in landmarks:
        true = float((continued <= k).mean())
        km = rows.loc[("km", k), "improved"]
        ipcw = rows.loc[("ipcw", k)]
        assert (km < true) if plain_bias == "low" else (km > true), (k, km, true)
        assert abs(ipcw["improved"] - true) < abs(km - true), (k, ipcw["improved"], km, true)
        inside += ipcw["ci_lower"] <= true <= ipcw["ci_upper"]
        seen.append((k, true, km, *ipcw[["improved", "ci_lower", "ci_upper"]]))
    assert inside >= min_inside, seen


def test_an_ending_model_on_session_alone_gives_the_plain_curve():
    # with nothing but session in the model the stabilised weights are all 1
    sessions, events, _ = simulate(300, good_enough_rate=0.15)
    settings = es.Settings(bootstrap=0, imputations=1, covariates=())
    table, _, _ = es.ending_sensitivity(sessions, events, STRATA, [13, 26], CORE, settings=settings)
    rows = table[table["measure"] == "improved"].set_index(["method", "stratum", "session"])
    for (method, stratum, session), row in rows.iterrows():
        if method == "ipcw" and np.isfinite(row["improved"]):
            km = rows.loc[("km", stratum, session), "improved"]
            assert row["improved"] == pytest.approx(km, abs=1e-12)
    assert table.loc[table["method"] == "ipcw", "note"].str.contains("nothing else").all()
    with pytest.raises(ValueError, match="unknown"):
        es.Settings(covariates=("mood",))
