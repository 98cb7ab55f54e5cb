"""Growth models, the good-enough-level test and recovery by treatment length: against R
(lme4 1.1-31, R 4.2.2), worked values, and the simulator's known patterns."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import simulated_run

from dosecurve.measures.instruments import resolve_instrument
from dosecurve.report.change import gel_verdict
from dosecurve.simulation.spec import PRESETS
from dosecurve.stats import growth
from dosecurve.stats.mixed_model import Model

FIXTURES = Path(__file__).parent / "fixtures"
CORE = resolve_instrument("core-om")

# R (lme4 1.1-31):
# library(lme4); options(digits = 15)
# d <- read.csv("tests/stats/fixtures/growth_scores.csv")   # 120 simulated clients
# ctl <- lmerControl(optimizer = "bobyqa", optCtrl = list(maxfun = 1e5))
# f1 <- lmer(score ~ session + (1 + session | client), d, REML = FALSE, control = ctl)
# f2 <- lmer(score ~ log1p(session) + (1 + log1p(session) | client), d, REML = FALSE,
#            control = ctl)
# fixef(f); sqrt(diag(vcov(f))); logLik(f); AIC(f); as.data.frame(VarCorr(f))
LMER = {
    "linear": {
        "beta": (19.094149297685600, -0.228054840621308),
        "se": (0.4832409425261879, 0.0157202067688456),
        "loglik": -3019.20744179375,
        "aic": 6050.4148835875,
        "var": (27.4318781615027945, 0.0119979577806932, 0.0843191485412371, 2.2088987132152074),
    },
    "log": {
        "beta": (19.76189441614430, -1.16856380333954),
        "se": (0.4887597685503804, 0.0846531330294838),
        "loglik": -3070.51897824055,
        "aic": 6153.0379564811,
        "var": (
            27.43674984431669728,
            0.41942114959242494,
            -0.00399721645480384,
            2.37096069434088363,
        ),
    },
}


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "growth_scores.csv")


def _data(scores: pd.DataFrame, **settings) -> growth.GrowthData:
    events = scores.groupby("client", as_index=False)["sessions_attended"].first()
    events["eligible"] = True
    return growth.growth_data(
        scores[["client", "session", "score"]], events, growth.Settings(**settings)
    )


def test_growth_models_match_lmer(scores):
    table, fits = growth.growth_models(_data(scores))
    for model, r in LMER.items():
        rows = table.loc[table["model"] == model].set_index("term")
        est = rows.loc[["intercept", "time"], "estimate"].to_numpy(float)
        assert est == pytest.approx(r["beta"], rel=1e-6)
        assert rows.loc[["intercept", "time"], "std_error"].to_numpy(float) == pytest.approx(
            r["se"], rel=1e-5
        )
        assert rows["log_likelihood"].iloc[0] == pytest.approx(r["loglik"], abs=1e-6)
        assert rows["aic"].iloc[0] == pytest.approx(r["aic"], abs=1e-5)
        terms = ["var_intercept", "var_time", "cov_intercept_time", "var_residual"]
        assert rows.loc[terms, "estimate"].to_numpy(float) == pytest.approx(r["var"], rel=1e-4)
        # invariants: AIC counts 2 fixed effects, 3 covariance parameters and the residual
        assert rows["aic"].iloc[0] == pytest.approx(-2 * rows["log_likelihood"].iloc[0] + 12)
        low, high = rows.loc["time", ["ci_lower", "ci_upper"]].astype(float)
        assert low < rows.loc["time", "estimate"] < high
        assert fits[model].fit.converged
    assert "therapist" in table["note"].iloc[0]  # no therapist column: said


# R: d <- read.csv("tests/stats/fixtures/therapist_scores.csv")  # 30 therapists x 8 clients
# f <- lmer(score ~ session + (1 + session | therapist) + (1 + session | client), d,
#           REML = FALSE, control = ctl)
# r <- ranef(f, condVar = TRUE)$therapist; r[c("T00", "T01"), ]; attr(r, "postVar")[, , 1:2]
THERAPIST_LMER = {
    "beta": (20.277144830787844, -0.726803556218386),
    "se": (0.4416460502601721, 0.0575686149453736),
    "loglik": -3551.76529587663,
    "client": (16.5697685929054366, 0.0584348827216932, -0.0764018249814123),
    "therapist": (3.5314434078539398, 0.0650152709090854, 0.1349062717737197),
    "residual": 4.2057030643125524,
    "ranef": {
        "T00": (0.451588308669139, -0.0194783821369029),
        "T01": (-0.771123505806620, -0.1501875304890556),
    },
    "postvar_T00": (1.30541059183589114, -0.00856576900972244, 0.02264695564553782),
}


def test_therapist_level_matches_lmer():
    d = pd.read_csv(FIXTURES / "therapist_scores.csv")
    client = pd.factorize(d["client"], sort=True)[0]
    therapist = pd.factorize(d.groupby(client)["therapist"].first(), sort=True)[0]
    t = d["session"].to_numpy(float)
    x = np.column_stack([np.ones(len(t)), t])
    fit = Model(x, d["score"].to_numpy(float), t, client, therapist).fit(("intercept", "time"))
    r = THERAPIST_LMER
    assert fit.beta == pytest.approx(r["beta"], rel=1e-6)
    assert np.sqrt(np.diag(fit.cov_beta)) == pytest.approx(r["se"], rel=1e-5)
    assert fit.loglik == pytest.approx(r["loglik"], abs=1e-6)
    for level in ("client", "therapist"):
        cov = fit.covariance(level)
        assert (cov[0, 0], cov[1, 1], cov[0, 1]) == pytest.approx(r[level], rel=1e-4)
    assert fit.sigma2 == pytest.approx(r["residual"], rel=1e-5)
    for i, name in enumerate(("T00", "T01")):
        assert fit.therapist_effects[i] == pytest.approx(r["ranef"][name], rel=1e-4)
    v = fit.therapist_cond_var[0]
    assert (v[0, 0], v[0, 1], v[1, 1]) == pytest.approx(r["postvar_T00"], rel=1e-4)
    assert fit.aic == pytest.approx(-2 * fit.loglik + 2 * 9)


# R: d$band <- cut(d$sessions_attended, c(0, 8, 16, 26, 52, Inf))
# d <- droplevels(d[d$band != "(26,52]", ])   # 2 clients: fewer than 5, left out
# f <- lmer(score ~ session * band + (1 + session | client), d, REML = FALSE, control = ctl)
# i <- 5:6; b <- fixef(f)[i]; V <- as.matrix(vcov(f))[i, i]; t(b) %*% solve(V) %*% b
# cc <- c(0, 0, 0, 0, 0, 0.5); -cc %*% fixef(f); sqrt(cc %*% vcov(f) %*% cc)   # the trend
GEL_LMER = {
    "rates": (
        -0.23213642192987688,
        -0.23213642192987688 + 0.00650434174098607,
        -0.23213642192987688 - 0.00328432668255795,
    ),
    "intercepts": (
        17.99333081203177898,
        17.99333081203177898 + 1.87386614680084773,
        17.99333081203177898 + 0.88608851774966946,
    ),
    "wald": 0.0766116338485708,
    "trend": 0.00164216334127898,
    "trend_se": 0.0266971407570318,
}


def test_gel_test_matches_lmer(scores):
    table = growth.gel_test(_data(scores), CORE, (8, 16, 26, 52))
    bands = table.loc[~table["band"].isin(["interaction", "trend"])]
    assert list(bands["band"]) == ["1-8", "9-16", "17-26"]
    assert bands["rate"].to_numpy(float) == pytest.approx(GEL_LMER["rates"], rel=1e-5)
    assert bands["intercept"].to_numpy(float) == pytest.approx(GEL_LMER["intercepts"], rel=1e-6)
    rows = table.set_index("band")
    assert rows.loc["interaction", "statistic"] == pytest.approx(GEL_LMER["wald"], rel=1e-4)
    assert rows.loc["interaction", "df"] == 2
    assert "27-52" in rows.loc["interaction", "note"]  # the band left out is named
    trend = rows.loc["trend"]
    assert trend["rate"] == pytest.approx(GEL_LMER["trend"], rel=1e-3)
    assert (trend["ci_upper"] - trend["ci_lower"]) / (2 * 1.959963984540054) == pytest.approx(
        GEL_LMER["trend_se"], rel=1e-4
    )
    assert (bands["ci_lower"] < bands["rate"]).all() and (bands["rate"] < bands["ci_upper"]).all()


def test_recovery_by_length_worked():
    events = pd.DataFrame(
        {
            "eligible": [True] * 7 + [False],
            "sessions_attended": [3, 5, 8, 9, 20, 20, 60, 2],
            "met_at_end": [True, True, False, True, False, False, True, True],
        }
    )
    table = growth.recovery_by_length(events, (8, 16)).set_index("band")
    # 1-8: 2 of 3 (the ineligible client is not counted); 9-16: 1 of 1; 17+: 1 of 3
    assert table["n_clients"].tolist() == [3, 1, 3]
    assert table["n_improved"].tolist() == [2, 1, 1]
    assert table.loc["1-8", "percent"] == pytest.approx(200 / 3)
    # R: binom.test(2, 3)$conf.int: 0.0942993 0.9915962
    assert table.loc["1-8", ["ci_lower", "ci_upper"]].astype(float).tolist() == pytest.approx(
        [9.42993, 99.15962], abs=1e-4
    )


def test_settings_refuse_bands_out_of_order():
    with pytest.raises(ValueError, match="length_bands"):
        growth.Settings(length_bands=(16, 8))
    assert growth.Settings(length_bands=[4, 12]).length_bands == (4, 12)


def test_sample_above_max_clients_is_said(scores):
    data = _data(scores, max_clients=60, seed=3)
    assert data.rows["client"].nunique() == 60
    table, _ = growth.growth_models(data)
    assert "random sample of 60 of 120 clients (seed 3" in table["note"].iloc[0]
    again = _data(scores, max_clients=60, seed=3)
    assert again.rows.equals(data.rows)  # seeded


def _gel_on(spec) -> pd.DataFrame:
    _, _, sessions, events = simulated_run(spec)
    data = growth.growth_data(sessions, events, growth.Settings())
    return growth.gel_test(data, CORE, (8, 16, 26, 52))


BRIEF = replace(
    PRESETS["nordmo2021"],
    n_clients=1500,
    n_therapists=60,
    seed=5,
    sessions_median=14,
    sessions_sigma=0.6,
    long_share=0.0,
    floor_mean=0.0,
    floor_sd=0.5,
    rate_sd=0.4,
    length_severity=0.0,  # length and rate not both tied to intake severity (a confound)
    rate_severity=0.0,
)


def test_gel_test_finds_the_good_enough_pattern():
    """Clients who change slowly stay longer (length_rate > 0): shorter treatments change
    faster per session, and the verdict says so; with length independent of the rate (a
    dose effect) it does not."""
    gel = _gel_on(replace(BRIEF, length_rate=1.0)).set_index("band")
    assert gel.loc["trend", "rate"] < 0 and gel.loc["trend", "p_value"] < 0.001
    verdict = gel_verdict(gel.reset_index())
    assert verdict.startswith("Shorter treatments showed faster change per session")
    dose = _gel_on(replace(BRIEF, length_rate=0.0)).set_index("band")
    assert dose.loc["trend", "p_value"] > 0.05
    assert not gel_verdict(dose.reset_index()).startswith(("Shorter", "Longer"))
    assert abs(dose.loc["trend", "rate"]) < abs(gel.loc["trend", "rate"]) / 5
