"""Parametric dose-response models against R's survreg, and recovery of known values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_cox import DATA

from dosecurve.stats.dose_response import fit_aft, fitted_curves, howard_probit

# d <- read.csv(<DATA written as CSV>); f <- survreg(Surv(time, event) ~ baseline, data = d,
# dist = dist); c(coef(f), f$scale, f$loglik[2], AIC(f));
# predict(f, newdata = data.frame(baseline = c(15, 25)), type = "quantile", p = c(.5, .75))
R = {
    "Weibull": (
        [2.54209635467569, 0.0169056057977832],
        1.00716461817375,
        -165.15993831506,
        [11.3196663270213, 13.4045962772249],
        [22.7520422676832, 26.9426617596158],
    ),
    "log-logistic": (
        [2.21509557334176, 0.00917449269377997],
        0.727075144694442,
        -165.219934784249,
        [10.5140553179921, 11.5243004745161],
        [23.3707830002916, 25.6163694668014],
    ),
    "log-normal": (
        [2.12731353263973, 0.01195967955311],
        1.23246123339491,
        -164.224219885004,
        [10.0413214681533, 11.3169943582922],
        [23.0575022884001, 25.9867811364994],
    ),
}


@pytest.mark.parametrize("model", list(R))
def test_aft_models_match_r_survreg(model):
    # every model reaches survreg's maximum: log-likelihoods to 1e-6, coefficients to 1e-5,
    # predicted sessions to 1e-5 relative (0.001 %)
    models, predictions = fit_aft(DATA.rename(columns={}), [15, 25])
    row = models.set_index("model").loc[model]
    coef, scale, loglik, p50, p75 = R[model]
    assert row["log_likelihood"] == pytest.approx(loglik, abs=1e-6)
    assert [row["intercept"], row["intake_coef"]] == pytest.approx(coef, abs=1e-5)
    assert row["scale"] == pytest.approx(scale, rel=1e-5)
    assert row["aic"] == pytest.approx(-2 * loglik + 2 * 3, abs=1e-4)
    pred = predictions[predictions["model"] == model]
    np.testing.assert_allclose(pred["sessions_50"], p50, rtol=1e-5)
    np.testing.assert_allclose(pred["sessions_75"], p75, rtol=1e-5)
    assert (pred["sessions_75"] > pred["sessions_50"]).all()  # ordered


FIXTURES = Path(__file__).parent / "fixtures"
# The audit's case: a 2,000-client Hirschfeld run, where lifelines' log-logistic fit stopped
# 1.2e-3 below survreg's log-likelihood (predictions 0.1 % off). R 4.2.2, survival 3.5.3:
# d <- read.csv("tests/stats/fixtures/hirschfeld_2000_events.csv")
# f <- survreg(Surv(time, event) ~ baseline, data = d, dist = dist)
# c(coef(f), f$scale, f$loglik[2], sqrt(diag(vcov(f)))[2]);
# predict(f, newdata = data.frame(baseline = c(15, 25)), type = "quantile", p = c(.5, .75))
HIRSCHFELD = {
    "Weibull": (
        [2.24017263622479, 0.116629338975447],
        0.745025266120777,
        -1874.72854929751,
        0.00849995482409456,
        [41.1223321259305, 132.005649962676],
        [68.9211775538328, 221.24194735176],
    ),
    "log-logistic": (
        [1.63167446100701, 0.129421997089911],
        0.609421139442469,
        -1851.66804775967,
        0.00875390800912542,
        [35.6234602768436, 129.959698162256],
        [69.5831172814843, 253.849593745635],
    ),
    "log-normal": (
        [1.61430593820819, 0.134453949623392],
        1.14019975879324,
        -1843.57736187559,
        0.00871351074616496,
        [37.7548967516816, 144.843620161072],
        [81.4645725449984, 312.532270446913],
    ),
}


@pytest.mark.parametrize("model", list(HIRSCHFELD))
def test_flat_likelihoods_reach_the_maximum_of_survreg(model):
    events = pd.read_csv(FIXTURES / "hirschfeld_2000_events.csv").assign(eligible=True)
    models, predictions = fit_aft(events, [15, 25])
    row = models.set_index("model").loc[model]
    coef, scale, loglik, se, p50, p75 = HIRSCHFELD[model]
    assert row["log_likelihood"] == pytest.approx(loglik, abs=1e-6)
    assert [row["intercept"], row["intake_coef"]] == pytest.approx(coef, abs=1e-5)
    assert row["scale"] == pytest.approx(scale, rel=1e-5)
    assert row["intake_se"] == pytest.approx(se, rel=1e-4)  # numerical Hessian
    pred = predictions[predictions["model"] == model]
    np.testing.assert_allclose(pred["sessions_50"], p50, rtol=1e-4)
    np.testing.assert_allclose(pred["sessions_75"], p75, rtol=1e-4)


def test_weibull_recovers_known_parameters():
    rng = np.random.default_rng(7)
    n = 4000
    intake = rng.uniform(10, 35, n)
    # log T = 1 + 0.1 intake + 0.5 W, W standard extreme value (minimum)
    w = np.log(rng.exponential(1.0, n))
    time = np.exp(1 + 0.1 * intake + 0.5 * w)
    censor = rng.uniform(0, np.quantile(time, 0.9) * 2, n)
    events = pd.DataFrame(
        {
            "time": np.minimum(time, censor),
            "event": (time <= censor).astype(int),
            "baseline": intake,
            "eligible": True,
        }
    )
    models, _ = fit_aft(events)
    row = models.set_index("model").loc["Weibull"]
    assert row["intercept"] == pytest.approx(1, abs=0.08)
    assert row["intake_coef"] == pytest.approx(0.1, abs=0.005)
    assert row["scale"] == pytest.approx(0.5, abs=0.03)
    assert bool(models.set_index("model").loc["Weibull", "best"])


def test_too_few_events_is_labelled():
    models, predictions = fit_aft(DATA.assign(event=0))
    assert set(models["note"]) == {
        "not estimable: fewer than three events or no spread in intake scores"
    }
    assert predictions.empty


def test_howard_probit():
    # survreg(Surv(time, event) ~ 1, data = d, dist = "lognormal"): 2.40623593997033 (scale
    # 1.23520669752011), so 50 % by exp(2.40624) = 11.0919 sessions
    table = howard_probit(DATA).set_index("source")
    ours = table.loc["this data set"]
    assert ours["dose_50"] == pytest.approx(np.exp(2.40623593997033), rel=1e-4)
    assert ours["b"] == pytest.approx(np.log(10) / 1.23520669752011, rel=1e-3)
    assert ours["dose_75"] == pytest.approx(
        np.exp(2.40623593997033 + 0.6744897501960817 * 1.23520669752011), rel=1e-3
    )
    # Howard's line through (8, 50 %) and (26, 75 %): 12 % at 1, 61 % at 13, 86 % at 52
    howard = table.loc["Howard et al. 1986"]
    assert (howard["dose_50"], howard["dose_75"]) == pytest.approx((8, 26))
    assert [round(100 * howard[f"improved_{s}"]) for s in (1, 13, 52)] == [12, 61, 86]
    improved = [ours[f"improved_{s}"] for s in (1, 8, 13, 26, 52)]
    assert improved == sorted(improved)  # monotone in sessions


def test_fitted_curves_follow_the_model():
    # Weibull from survreg above: 1 - S(t | x) = 1 - exp(-(t / exp(b0 + b1 x))^(1 / scale))
    table = fitted_curves(DATA, ["mild", "moderate", "severe"], [4, 8, 26])
    row = table[(table["model"] == "Weibull") & (table["stratum"] == "mild")]
    x = DATA.loc[DATA["stratum"] == "mild", "baseline"].median()
    (b0, b1), scale = R["Weibull"][0], R["Weibull"][1]
    expected = 1 - np.exp(-((np.array([4, 8, 26]) / np.exp(b0 + b1 * x)) ** (1 / scale)))
    np.testing.assert_allclose(row["fitted"], expected, rtol=1e-3)
    assert (np.diff(row["fitted"]) > 0).all()
    assert row["km"].between(0, 1).all()
