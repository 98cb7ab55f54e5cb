"""Confidence intervals that allow for therapists: clients of one therapist are more alike
than clients of different therapists, so Greenwood's intervals, which treat every client as
independent, are too narrow when therapists differ.

The cluster bootstrap resamples therapists with replacement (all their clients with them)
and recomputes the Kaplan-Meier curve of each stratum; the percentile interval of each
quantity is set beside Greenwood's, and the design effect is the squared ratio of the
widths (bootstrap over Greenwood: about the variance inflation from clustering). The curves
are rebuilt from per-therapist counts at each time, so a replicate costs a matrix product,
not a refit over clients.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dosecurve.stats.kaplan_meier import ALL, fit_by_stratum, km_quantile, read_curve

COLUMNS = [
    "stratum",
    "measure",
    "session",
    "estimate",
    "greenwood_lower",
    "greenwood_upper",
    "bootstrap_lower",
    "bootstrap_upper",
    "design_effect",
    "therapists",
    "note",
]


def _counts(part: pd.DataFrame, clusters: np.ndarray) -> tuple[Any, ...]:
    """Per cluster (rows) and distinct time (columns): events and clients leaving, as
    sparse matrices (a therapist's clients leave at a few of the times: dense ones of a
    quarter of a million therapists by a thousand times took gigabytes), and each cluster's
    clients; with the distinct times."""
    from scipy.sparse import csr_matrix

    times = np.unique(part["time"].to_numpy(float))
    t_index = np.searchsorted(times, part["time"].to_numpy(float))
    c_index = np.searchsorted(clusters, part["therapist"].astype(str).to_numpy())
    shape = (len(clusters), len(times))
    events = csr_matrix((part["event"].to_numpy(float), (c_index, t_index)), shape=shape)
    leaving = csr_matrix((np.ones(len(part)), (c_index, t_index)), shape=shape)
    return times, events, leaving, np.bincount(c_index, minlength=len(clusters)).astype(float)


def _curves(weights: np.ndarray, events: Any, leaving: Any, size: np.ndarray) -> np.ndarray:
    """The Kaplan-Meier survival at each distinct time (columns) for the clusters weighted by
    each row of ``weights``. Every sum is of whole numbers (counts times how often a cluster
    was drawn), so it is exact in any order."""
    d = np.asarray((events.T @ weights.T).T)
    out = np.asarray((leaving.T @ weights.T).T)
    n0 = weights @ size
    left = np.cumsum(out, axis=1)
    at_risk = n0[:, None] - np.concatenate([np.zeros((len(weights), 1)), left[:, :-1]], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.cumprod(np.where(at_risk > 0, 1 - d / at_risk, 1.0), axis=1)


def _read(times: np.ndarray, surv: np.ndarray, sessions: Sequence[int]) -> np.ndarray:
    """1 - S at each session, then the median (``kaplan_meier.read_curve``) as an array."""
    return np.array(list(read_curve(times, surv, sessions).values()), float)


def cluster_bootstrap(
    events: pd.DataFrame,
    strata: Sequence[str],
    sessions: Sequence[int],
    *,
    replicates: int = 200,
    seed: int = 1,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> pd.DataFrame:
    """The % improved at ``sessions`` and the median per stratum and overall, with
    Greenwood's and the therapist cluster-bootstrap intervals and the design effect."""
    data = events.loc[events["eligible"].astype(bool)]
    if "therapist" not in data or data["therapist"].isna().any() or data.empty:
        why = "no therapist column" if "therapist" not in data else "therapists not all known"
        if data.empty:
            why = "no eligible clients"
        return pd.DataFrame([{"stratum": ALL, "note": f"not estimable: {why}"}], columns=COLUMNS)
    clusters = np.unique(data["therapist"].astype(str).to_numpy())
    if len(clusters) < 5:
        return pd.DataFrame(
            [
                {
                    "stratum": ALL,
                    "therapists": len(clusters),
                    "note": "not estimable: fewer than 5 therapists",
                }
            ],
            columns=COLUMNS,
        )
    fit = fit_by_stratum(events, strata, conf_level=conf_level, conf_type=conf_type)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, len(clusters), (replicates, len(clusters)))
    weights = np.stack([np.bincount(d, minlength=len(clusters)) for d in draws]).astype(float)
    alpha = 1 - conf_level
    rows = []
    groups = [(s, data[data["stratum"] == s]) for s in strata] + [(ALL, data)]
    for name, part in groups:
        if part.empty or name not in fit.curves:
            continue
        times, ev, leave, size = _counts(part, clusters)
        curve = fit.curves[name]
        point = _read(times, _curves(np.ones((1, len(clusters))), ev, leave, size)[0], sessions)
        boot = np.array([_read(times, c, sessions) for c in _curves(weights, ev, leave, size)])
        labels = [("improved", k) for k in sessions] + [("median", np.nan)]
        greenwood = [_greenwood(curve, k) for k in sessions] + [km_quantile(curve, 0.5)[1:]]
        for j, ((measure, k), (g_low, g_high)) in enumerate(zip(labels, greenwood, strict=True)):
            values = boot[:, j][np.isfinite(boot[:, j])]
            enough = len(values) >= 0.9 * replicates and len(values) >= 10
            b_low, b_high = (
                np.quantile(values, [alpha / 2, 1 - alpha / 2], method="inverted_cdf")
                if enough
                else (np.nan, np.nan)
            )
            width = g_high - g_low
            effect = ((b_high - b_low) / width) ** 2 if np.isfinite(width) and width > 0 else np.nan
            note = (
                ""
                if enough
                else "not estimable: the quantity is not reached in too many replicates"
            )
            if not np.isfinite(point[j]):
                note = "not reached" if measure == "median" else "beyond follow-up"
            rows.append(
                {
                    "stratum": name,
                    "measure": measure,
                    "session": k if measure == "improved" else point[j],
                    "estimate": point[j] if measure == "improved" else 0.5,
                    "greenwood_lower": g_low,
                    "greenwood_upper": g_high,
                    "bootstrap_lower": b_low,
                    "bootstrap_upper": b_high,
                    "design_effect": effect,
                    "therapists": int(part["therapist"].nunique()),
                    "note": note,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def _greenwood(curve: pd.DataFrame, k: int) -> tuple[float, float]:
    """Greenwood limits of 1 - S(k) (as ``improved_by_session``)."""
    time = curve["time"].to_numpy(float)
    if not len(time) or k > time[-1]:
        return (np.nan, np.nan)
    i = np.searchsorted(time, k, side="right")
    if i == 0:
        return (np.nan, np.nan)
    return (1 - float(curve["upper"].iloc[i - 1]), 1 - float(curve["lower"].iloc[i - 1]))
