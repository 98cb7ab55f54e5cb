"""When assessments are not every session: the improvement happened somewhere in
``(time_lower, time_upper]``. Turnbull's nonparametric estimate, interval-censored
parametric fits, and the median read three ways.

Turnbull's estimate is the self-consistent (EM) nonparametric maximum likelihood
estimate on the elementary intervals between the bounds; R ``survfit(Surv(L, R, type =
"interval2"))`` gives the same survival at the bounds. With every session assessed each
interval is ``(t - 1, t]`` and the estimate equals the Kaplan-Meier at whole sessions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from lifelines import LogNormalFitter, WeibullFitter

from dosecurve.stats.kaplan_meier import kaplan_meier, km_quantile
from dosecurve.stats.parametric_fit import climb, error_quantile, interval_loglik


def unique_intervals(lower: np.ndarray, upper: np.ndarray) -> tuple[np.ndarray, ...]:
    """The distinct ``(lower, upper]`` intervals and how many clients have each: clients
    with the same interval are interchangeable in every interval-censored likelihood."""
    pairs = pd.DataFrame({"lower": np.asarray(lower, float), "upper": np.asarray(upper, float)})
    counts = pairs.value_counts(sort=False).sort_index()
    index = counts.index.to_frame()
    return index["lower"].to_numpy(), index["upper"].to_numpy(), counts.to_numpy(float)


def turnbull(lower: np.ndarray, upper: np.ndarray, *, tol: float = 1e-10) -> pd.DataFrame:
    """Survival at each bound: ``time, surv`` (``upper = inf`` for right-censored).

    The EM runs on the distinct intervals weighted by their counts, so its cost depends on
    the number of distinct (lower, upper) pairs, not on the number of clients."""
    lower, upper, weight = unique_intervals(lower, upper)
    bounds = np.unique(np.concatenate([lower, upper[np.isfinite(upper)]]))
    left = bounds
    right = np.concatenate([bounds[1:], [np.inf]])
    # an interval covers elementary interval (left_j, right_j] when it lies inside (L, R]
    covers = (left[None, :] >= lower[:, None]) & (right[None, :] <= upper[:, None])
    share_of = weight[:, None] / weight.sum()
    mass = np.full(len(bounds), 1 / len(bounds))
    for _ in range(100_000):
        share = covers * mass
        new = (share_of * share / share.sum(axis=1, keepdims=True)).sum(axis=0)
        if np.max(np.abs(new - mass)) < tol:
            mass = new
            break
        mass = new
    surv = np.clip(1 - np.cumsum(mass)[:-1], 0.0, 1.0)
    return pd.DataFrame({"time": right[:-1], "surv": np.where(surv < 1e-8, 0.0, surv)})


def _median_interval(curve: pd.DataFrame) -> tuple[float, float]:
    below = curve.index[curve["surv"] <= 0.5 + 1e-12]
    if not len(below):
        return np.nan, np.nan
    k = below[0]
    start = curve["time"].iloc[k - 1] if k > 0 else 0.0
    return float(start), float(curve["time"].iloc[k])


def median_sensitivity(events: pd.DataFrame) -> pd.DataFrame:
    """The median sessions to improvement read as right point, mid point, Turnbull
    interval, and from interval-censored Weibull and log-normal fits, with the median over
    clients of their mean gap between assessments (``assessment_gap``, the same on every
    row: above 1, the interval-censored readings lead the report)."""
    data = events.loc[events["eligible"].astype(bool)]
    event = data["event"].astype(int).to_numpy()
    time = data["time"].astype(float).to_numpy()
    lower = data["time_lower"].astype(float).to_numpy()
    upper = np.where(event == 1, time, np.inf)
    rows = []
    if not len(data):
        return pd.DataFrame(columns=["method", "median", "from", "to", "note", "assessment_gap"])
    right = km_quantile(kaplan_meier(time, event), 0.5)[0]
    rows.append({"method": "right point (first assessment meeting it)", "median": right})
    mid = np.where(event == 1, (lower + time) / 2, time)
    rows.append(
        {
            "method": "mid point of the interval",
            "median": km_quantile(kaplan_meier(mid, event), 0.5)[0],
        }
    )
    start, end = _median_interval(turnbull(lower, upper))
    rows.append(
        {"method": "Turnbull (interval-censored)", "median": np.nan, "from": start, "to": end}
    )
    for name, fitter in (("Weibull", WeibullFitter), ("log-normal", LogNormalFitter)):
        rows.append(
            {
                "method": f"{name}, interval-censored",
                "median": _parametric(fitter, lower, upper),
            }
        )
    out = pd.DataFrame(rows, columns=["method", "median", "from", "to"])
    out["note"] = np.where(out["median"].isna() & out["from"].isna(), "not reached", "")
    gaps = data["assessment_gap"] if "assessment_gap" in data else pd.Series(dtype=float)
    out["assessment_gap"] = float(gaps.median()) if gaps.notna().any() else np.nan
    return out


def _parametric(cls, lower: np.ndarray, upper: np.ndarray) -> float:
    """Median of an interval-censored fit, on the distinct intervals with count weights
    (the same likelihood as one row per client), taken to the maximum of the likelihood
    from lifelines' solution (``dosecurve.stats.parametric_fit``; as R ``survreg``)."""
    lower, upper, weight = unique_intervals(lower, upper)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lifelines needs lower > 0: its start only
            fit = cls().fit_interval_censoring(np.maximum(lower, 1e-6), upper, weights=weight)
    except Exception:  # a fit that fails is reported as missing, with the others intact
        return np.nan
    if cls is WeibullFitter:
        dist, start = "Weibull", [np.log(fit.lambda_), -np.log(fit.rho_)]
    else:
        dist, start = "log-normal", [fit.mu_, np.log(fit.sigma_)]

    def loglik(theta: np.ndarray) -> float:
        return interval_loglik(dist, theta[0], theta[1], lower, upper, weight)

    mu, log_sigma = climb(loglik, np.asarray(start, float))
    return float(np.exp(mu + np.exp(log_sigma) * error_quantile(dist, 0.5)))
