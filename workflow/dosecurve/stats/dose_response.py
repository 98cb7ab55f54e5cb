"""Smooth dose-response curves: parametric accelerated-failure-time models of sessions to
improvement on the intake score (lifelines, as R ``survreg``).

``log T = b0 + b1 intake + scale W`` with ``W`` extreme-value (Weibull), logistic
(log-logistic) or normal (log-normal). The AIC table says which fits best; the
prediction table gives, for intake scores across the observed range, the sessions by
which 50 % and 75 % are expected to have improved.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from lifelines import LogLogisticAFTFitter, LogNormalAFTFitter, LogNormalFitter, WeibullAFTFitter
from lifelines.exceptions import ConvergenceError

from dosecurve.stats.distributions import normal_cdf, normal_quantile
from dosecurve.stats.parametric_fit import AftFit, fit_aft_model

MODELS = {
    "Weibull": (WeibullAFTFitter, "lambda_", "rho_"),
    "log-logistic": (LogLogisticAFTFitter, "alpha_", "beta_"),
    "log-normal": (LogNormalAFTFitter, "mu_", "sigma_"),
}


def _data(events: pd.DataFrame) -> pd.DataFrame:
    """Eligible clients collapsed to distinct ``(time, event, intake)`` rows with their count
    ``w``: the same likelihood as one row per client (clients with equal values contribute
    equal terms), at a cost set by the number of distinct rows, not of clients."""
    data = events.loc[events["eligible"].astype(bool)]
    rows = pd.DataFrame(
        {
            "time": data["time"].astype(float).to_numpy(),
            "event": data["event"].astype(int).to_numpy(),
            "intake": data["baseline"].astype(float).to_numpy(),
        }
    )
    return (
        rows.value_counts(sort=False)
        .rename("w")
        .reset_index()
        .sort_values(["time", "event", "intake"], ignore_index=True)
    )


def fit_models(events: pd.DataFrame) -> dict[str, AftFit | None]:
    """The three AFT models fitted to the eligible clients (count-weighted distinct rows),
    each at the maximum of its likelihood; a model whose fit did not converge is ``None``.
    Fit once, for the table and curves."""
    data = _data(events)
    fitted: dict[str, AftFit | None] = dict.fromkeys(MODELS)
    if (data["event"] * data["w"]).sum() < 3 or data["intake"].nunique() < 2:
        return fitted  # not estimable: fit_aft says why
    for name, (cls, _, _) in MODELS.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fitted[name] = _to_maximum(
                    name, cls().fit(data, "time", "event", weights_col="w"), data
                )
        except ConvergenceError:
            fitted[name] = None
    return fitted


def _to_maximum(name: str, fitter, data: pd.DataFrame) -> AftFit:
    """The model at the maximum of the likelihood (``dosecurve.stats.parametric_fit``):
    lifelines' BFGS can stop a little short on a flat likelihood; Nelder-Mead climbs the
    rest of the way from its solution."""
    _, location, shape = MODELS[name]
    params = fitter.params_
    sign = 1.0 if name == "log-normal" else -1.0  # R's log scale from lifelines' shape
    start = np.array(
        [
            params.loc[(location, "Intercept")],
            params.loc[(location, "intake")],
            sign * params.loc[(shape, "Intercept")],
        ],
        float,
    )
    return fit_aft_model(
        name,
        data["time"].to_numpy(float),
        data["event"].to_numpy(int),
        data["intake"].to_numpy(float),
        data["w"].to_numpy(float),
        start,
    )


def fit_aft(
    events: pd.DataFrame,
    intake_grid: Sequence[float] | None = None,
    fitted: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit the three models (or take them from ``fit_models``); return
    ``(models, predictions)``.

    ``models``: ``model, intercept, intake_coef, intake_se, scale, log_likelihood, aic,
    note``; ``predictions``: ``model, intake, sessions_50, sessions_75``. Too few events
    give a labelled "not estimable" row.
    """
    data = _data(events)
    if (data["event"] * data["w"]).sum() < 3 or data["intake"].nunique() < 2:
        note = "not estimable: fewer than three events or no spread in intake scores"
        empty = pd.DataFrame(columns=PREDICTION_COLUMNS)
        return pd.DataFrame(
            [{"model": m, "note": note} for m in MODELS], columns=AFT_COLUMNS
        ), empty
    if intake_grid is None:
        low, high = data["intake"].min(), data["intake"].max()
        grid = pd.DataFrame({"intake": np.unique(np.round(np.linspace(low, high, 7), 1))})
    else:
        grid = pd.DataFrame({"intake": list(intake_grid)})
    rows: list[dict[str, Any]] = []
    predictions = []
    fitted = fit_models(events) if fitted is None else fitted
    for name in MODELS:
        fit = fitted[name]
        if fit is None:
            rows.append({"model": name, "note": "not estimable: the fit did not converge"})
            continue
        p50 = fit.quantile(grid["intake"].to_numpy(float), 0.5)
        p75 = fit.quantile(grid["intake"].to_numpy(float), 0.25)
        rows.append(
            {
                "model": name,
                "intercept": fit.intercept,
                "intake_coef": fit.slope,
                "intake_se": fit.slope_se,
                "scale": fit.scale,
                "log_likelihood": fit.log_likelihood,
                "aic": fit.aic,
                "note": "",
            }
        )
        predictions.append(
            pd.DataFrame(
                {
                    "model": name,
                    "intake": grid["intake"],
                    "sessions_50": np.asarray(p50, float),
                    "sessions_75": np.asarray(p75, float),
                }
            )
        )
    models = pd.DataFrame(rows, columns=AFT_COLUMNS)
    models["best"] = models["aic"] == models["aic"].min()
    if not predictions:
        return models, pd.DataFrame(columns=PREDICTION_COLUMNS)
    table = pd.concat(predictions, ignore_index=True)
    # beyond the longest follow-up a predicted time is an extrapolation of the model
    last = float(data["time"].max())
    table["last_follow_up"] = last
    table["extrapolated_50"] = table["sessions_50"] > last
    table["extrapolated_75"] = table["sessions_75"] > last
    return models, table[PREDICTION_COLUMNS]


PREDICTION_COLUMNS = [
    "model",
    "intake",
    "sessions_50",
    "sessions_75",
    "last_follow_up",
    "extrapolated_50",
    "extrapolated_75",
]


AFT_COLUMNS = [
    "model",
    "intercept",
    "intake_coef",
    "intake_se",
    "scale",
    "log_likelihood",
    "aic",
    "note",
]


# Howard et al. (1986): about 50 % improved by 8 sessions and 75 % by 26; the probit line
# through those two points, in log10 sessions.
HOWARD = {"dose_50": 8.0, "dose_75": 26.0}


def howard_probit(
    events: pd.DataFrame, sessions: Sequence[int] = (1, 8, 13, 26, 52)
) -> pd.DataFrame:
    """The probit of the cumulative proportion improved on log10 sessions, fitted by
    maximum likelihood to the censored data (a log-normal time to improvement), beside
    Howard et al.'s (1986) line.

    ``probit(p) = a + b log10(sessions)``; rows give ``a``, ``b``, the sessions for 50 %
    and 75 % improved, and the % improved at ``sessions``, for the data and for Howard.
    """
    data = _data(events)
    z75 = float(normal_quantile(0.75))
    howard_b = z75 / (np.log10(HOWARD["dose_75"]) - np.log10(HOWARD["dose_50"]))
    lines = {"Howard et al. 1986": (-howard_b * np.log10(HOWARD["dose_50"]), howard_b)}
    note = ""  # said on Howard's row when this data set's line cannot be fitted
    if (data["event"] * data["w"]).sum() >= 3:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = LogNormalFitter().fit(data["time"], data["event"], weights=data["w"])
        mu10, sigma10 = fit.mu_ / np.log(10), fit.sigma_ / np.log(10)
        lines = {"this data set": (-mu10 / sigma10, 1 / sigma10), **lines}
    else:
        note = "not estimable for this data set: fewer than three events"
    rows = []
    for source, (a, b) in lines.items():
        row = {
            "source": source,
            "a": a,
            "b": b,
            "dose_50": 10 ** (-a / b),
            "dose_75": 10 ** ((z75 - a) / b),
            "note": note,
        }
        row |= {f"improved_{s}": float(normal_cdf(a + b * np.log10(s))) for s in sessions}
        rows.append(row)
    return pd.DataFrame(rows)


def fitted_curves(
    events: pd.DataFrame,
    strata: Sequence[str],
    sessions: Sequence[int],
    fitted: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Each parametric model's cumulative proportion improved at ``sessions`` for a client
    with the stratum's median intake score, beside the stratum's Kaplan-Meier estimate
    (models from ``fit_models`` when given, else fitted here)."""
    from dosecurve.stats.kaplan_meier import fit_by_stratum, step_value

    data = _data(events)
    eligible = events.loc[events["eligible"].astype(bool)]
    km = fit_by_stratum(events, strata).curves
    present = [s for s in strata if s in km]
    if (data["event"] * data["w"]).sum() < 3 or not present:
        return pd.DataFrame(columns=CURVE_COLUMNS)
    medians = eligible.groupby("stratum", observed=True)["baseline"].median()
    grid = pd.DataFrame({"intake": [float(medians[s]) for s in present]})
    rows = []
    fitted = fit_models(events) if fitted is None else fitted
    for name, fit in fitted.items():
        if fit is None:
            continue
        surv = pd.DataFrame(
            fit.survival(grid["intake"].to_numpy(float), np.asarray(sessions, float)),
            index=list(sessions),
        )
        for j, stratum in enumerate(present):
            last = km[stratum]["time"].iloc[-1]
            for t in sessions:
                observed = 1 - step_value(km[stratum], t, "surv") if t <= last else np.nan
                rows.append(
                    {
                        "model": name,
                        "stratum": stratum,
                        "intake": grid["intake"][j],
                        "session": t,
                        "fitted": 1 - float(surv.loc[t].iloc[j]),
                        "km": observed,
                    }
                )
    return pd.DataFrame(rows, columns=CURVE_COLUMNS)


CURVE_COLUMNS = ["model", "stratum", "intake", "session", "fitted", "km"]
SMOOTH_COLUMNS = ["model", "stratum", "intake", "session", "fitted"]


def smooth_curves(
    events: pd.DataFrame, strata: Sequence[str], fitted: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Each parametric model's cumulative proportion improved at every session from 1 to
    the stratum's last follow-up (never beyond: no extrapolation is drawn), for a client
    with the stratum's median intake score: the smooth curves of the dose-response
    figure."""
    eligible = events.loc[events["eligible"].astype(bool)]
    present = [s for s in strata if (eligible["stratum"] == s).any()]
    if (eligible["event"].astype(int)).sum() < 3 or not present:
        return pd.DataFrame(columns=SMOOTH_COLUMNS)
    fitted = fit_models(events) if fitted is None else fitted
    by = eligible.groupby("stratum", observed=True)
    medians, last = by["baseline"].median(), by["time"].max()
    parts = []
    for name, fit in fitted.items():
        if fit is None:
            continue
        for stratum in present:
            sessions = np.arange(1.0, float(last[stratum]) + 1.0)
            if not len(sessions):
                continue
            surv = fit.survival(np.array([float(medians[stratum])]), sessions)
            parts.append(
                pd.DataFrame(
                    {
                        "model": name,
                        "stratum": stratum,
                        "intake": float(medians[stratum]),
                        "session": sessions.astype(int),
                        "fitted": 1.0 - np.asarray(surv, float)[:, 0],
                    }
                )
            )
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SMOOTH_COLUMNS)


def dose_response_tables(
    events: pd.DataFrame, strata: Sequence[str], sessions: Sequence[int]
) -> dict[str, pd.DataFrame]:
    """The dose-response step's tables by output key: the models (fitted once for all of
    them), the predicted sessions, Howard's probit, the curves at ``sessions`` beside
    Kaplan-Meier, and the smooth curves at every session of follow-up."""
    fitted = fit_models(events)
    models, predictions = fit_aft(events, fitted=fitted)
    return {
        "models": models,
        "predictions": predictions,
        "howard": howard_probit(events),
        "curves": fitted_curves(events, strata, sessions, fitted),
        "smooth": smooth_curves(events, strata, fitted),
    }
