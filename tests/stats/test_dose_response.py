"""Parametric dose-response models against R's survreg, and recovery of known values."""

from __future__ import annotations

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
    # lifelines and survreg stop at slightly different points of a flat likelihood: the
    # log-likelihoods agree to 1e-5, coefficients to 1e-3, predicted sessions to 0.1 %.
    models, predictions = fit_aft(DATA.rename(columns={}), [15, 25])
    row = models.set_index("model").loc[model]
    coef, scale, loglik, p50, p75 = R[model]
    assert row["log_likelihood"] == pytest.approx(loglik, abs=1e-5)
    assert [row["intercept"], row["intake_coef"]] == pytest.approx(coef, abs=1e-3)
    assert row["scale"] == pytest.approx(scale, rel=2e-3)
    assert row["aic"] == pytest.approx(-2 * loglik + 2 * 3, abs=1e-4)
    pred = predictions[predictions["model"] == model]
    np.testing.assert_allclose(pred["sessions_50"], p50, rtol=1e-3)
    np.testing.assert_allclose(pred["sessions_75"], p75, rtol=1e-3)
    assert (pred["sessions_75"] > pred["sessions_50"]).all()  # ordered


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
