"""Kaplan-Meier curves of time to improvement, their quantiles and the log-rank test.

The Kaplan-Meier estimate is computed from the risk table (clients at risk, improved
and censored at each distinct session), so its cost depends on the number of distinct
sessions, not of clients. Standard errors are Greenwood's, on the cumulative-hazard
scale as R's ``survfit`` reports them; confidence intervals use the log-log transform
(R ``survfit(conf.type = "log-log")``). Quantiles and their confidence limits follow
R's ``quantile.survfit`` exactly, including its midpoint rule when the curve is flat
at the quantile.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dosecurve.stats.distributions import normal_quantile

ALL = "all"
_TOL = float(np.sqrt(np.finfo(float).eps))  # R: sqrt(.Machine$double.eps)
CURVE_COLUMNS = ["time", "at_risk", "events", "censored", "surv", "std_err", "lower", "upper"]


def risk_table(time: np.ndarray, event: np.ndarray) -> pd.DataFrame:
    """Clients at risk, with the event and censored at each distinct time."""
    frame = pd.DataFrame({"time": np.asarray(time), "event": np.asarray(event, dtype=bool)})
    grouped = frame.groupby("time", sort=True)["event"]
    events = grouped.sum().astype("int64")
    total = grouped.size().astype("int64")
    removed_before = total.cumsum().shift(fill_value=0)
    return pd.DataFrame(
        {
            "time": events.index.to_numpy(),
            "at_risk": (len(frame) - removed_before).to_numpy(),
            "events": events.to_numpy(),
            "censored": (total - events).to_numpy(),
        }
    )


CONF_TYPES = ("log-log", "log", "plain")


def kaplan_meier(
    time: np.ndarray, event: np.ndarray, *, conf_level: float = 0.95, conf_type: str = "log-log"
) -> pd.DataFrame:
    """Kaplan-Meier survival with Greenwood SE and confidence limits as R's ``survfit``.

    Returns one row per distinct time: ``time, at_risk, events, censored, surv,
    std_err, lower, upper``. ``std_err`` is the SE of the cumulative hazard (as in R).
    ``conf_type``: ``log-log`` (the default here; limits missing where S is 1 or 0),
    ``log`` (R's default; upper limit capped at 1) or ``plain`` (S +- z SE S, within 0-1).
    """
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type '{conf_type}' unknown; use one of {', '.join(CONF_TYPES)}")
    table = risk_table(time, event)
    n = table["at_risk"].to_numpy(dtype=float)
    d = table["events"].to_numpy(dtype=float)
    surv = np.cumprod(1.0 - d / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        std_err = np.sqrt(np.cumsum(np.where(d > 0, d / (n * (n - d)), 0.0)))
        z = normal_quantile(0.5 + conf_level / 2.0)
        table["surv"] = surv
        table["std_err"] = std_err
        table["lower"], table["upper"] = confidence_limits(surv, std_err, z, conf_type)
    return table


def confidence_limits(surv: np.ndarray, se: np.ndarray, z: float, conf_type: str) -> tuple:
    """Limits of a probability as R's ``survfit`` makes them, from ``se``, the standard error
    on the log scale (of the cumulative hazard for a survival curve): NaN where the
    transform is undefined (0, and 1 on the log-log scale)."""
    positive = np.where(surv > 0, surv, np.nan)
    if conf_type == "log":
        return np.exp(np.log(positive) - z * se), np.minimum(np.exp(np.log(positive) + z * se), 1)
    if conf_type == "plain":
        half = np.where(surv > 0, z * se * surv, np.nan)
        return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
    inner = np.where(surv < 1, positive, np.nan)
    loglog, shift = np.log(-np.log(inner)), z * se / np.log(inner)
    return np.exp(-np.exp(loglog - shift)), np.exp(-np.exp(loglog + shift))


def find_quantile(x: np.ndarray, y: np.ndarray, p: float) -> float:
    """R survival's ``findq``: the time at which the increasing ``y`` reaches ``p`` (the
    midpoint where ``y`` equals ``p`` over an interval)."""
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return np.nan
    xmax = x[-1]
    keep = ~pd.Series(y).duplicated().to_numpy()
    x, y = x[keep], y[keep]
    valid = ~np.isnan(y)
    positions = np.flatnonzero(valid)

    def first_at_or_above(nodes: np.ndarray) -> float:
        k = int(np.searchsorted(nodes, p, side="left"))
        if k == len(nodes) or (k == 0 and nodes[0] > p):
            return np.nan
        return float(x[positions[k]])

    lo = first_at_or_above(y[valid] + _TOL)
    hi = first_at_or_above(y[valid] - _TOL)
    quant = (lo + hi) / 2.0
    if not np.isnan(y[-1]) and abs(p - y[-1]) < _TOL:
        quant = (lo + xmax) / 2.0
    return quant


def km_quantile(curve: pd.DataFrame, p: float) -> tuple[float, float, float]:
    """Time by which a proportion ``p`` has improved, with its confidence limits.

    Matches R ``quantile(survfit(...), probs = p)``; ``nan`` means not reached.
    """
    x = np.concatenate([[0.0], curve["time"].to_numpy(dtype=float)])

    def at(column: str) -> float:
        return find_quantile(
            x, np.concatenate([[0.0], 1.0 - curve[column].to_numpy(dtype=float)]), p
        )

    return at("surv"), at("lower"), at("upper")


def at_risk_at(curve: pd.DataFrame, t: float) -> int:
    """Clients still at risk at session ``t`` (time >= t), as in R's ``summary``."""
    later = curve.loc[curve["time"] >= t, "at_risk"]
    return int(later.iloc[0]) if len(later) else 0


MIN_AT_RISK_SHARE = 0.10  # where a curve stops being read: fewer than 10 % still at risk


def horizon(curve: pd.DataFrame, share: float = MIN_AT_RISK_SHARE) -> float:
    """The last time of ``curve`` (tidy Kaplan-Meier rows of one stratum) at which at least
    ``share`` of its clients were still at risk; ``nan`` for an empty curve. Beyond it the
    estimate rests on few clients, and the figures and the answer say so.

    >>> horizon(pd.DataFrame({"time": [1, 2, 5, 9], "at_risk": [20, 10, 2, 1]}))
    5.0
    """
    if curve.empty:
        return float("nan")
    at_risk = pd.to_numeric(curve["at_risk"], errors="coerce").to_numpy(dtype=float)
    time = curve["time"].to_numpy(dtype=float)
    enough = at_risk >= share * at_risk[0]
    return float(time[enough].max()) if enough.any() else float(time[0])


def step_value(curve: pd.DataFrame, t: float, column: str) -> float:
    """Value of a right-continuous step column at ``t`` (1 before the first time)."""
    k = int(np.searchsorted(curve["time"].to_numpy(), t, side="right"))
    if k == 0:
        return 1.0 if column == "surv" else np.nan
    return float(curve[column].iloc[k - 1])


@dataclass(frozen=True)
class StrataCurves:
    """Kaplan-Meier curves per stratum, in severity order, with the pooled curve last."""

    curves: dict[str, pd.DataFrame]

    def tidy(self) -> pd.DataFrame:
        """All curves in one table with a ``stratum`` column (no rows when none)."""
        if not self.curves:
            return pd.DataFrame(columns=["stratum", *CURVE_COLUMNS])
        return pd.concat(
            [c.assign(stratum=name) for name, c in self.curves.items()], ignore_index=True
        )[["stratum", *CURVE_COLUMNS]]


def fit_by_stratum(
    events: pd.DataFrame,
    strata: Sequence[str],
    *,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> StrataCurves:
    """Kaplan-Meier per stratum (in the given order, absent strata skipped) and overall."""
    data = events.loc[events["eligible"].astype(bool)]
    curves: dict[str, pd.DataFrame] = {}
    for name in strata:
        part = data.loc[data["stratum"] == name]
        if len(part):
            curves[name] = kaplan_meier(
                part["time"].to_numpy(),
                part["event"].to_numpy(),
                conf_level=conf_level,
                conf_type=conf_type,
            )
    if len(data):
        curves[ALL] = kaplan_meier(
            data["time"].to_numpy(),
            data["event"].to_numpy(),
            conf_level=conf_level,
            conf_type=conf_type,
        )
    return StrataCurves(curves)


def median_table(fit: StrataCurves) -> pd.DataFrame:
    """Median sessions to improvement with its CI per stratum; empty = not reached.

    ``note`` says why a median is empty: not reached, no events, or (the ``all`` row
    with ``n = 0``) no eligible clients.
    """
    if not fit.curves:
        return pd.DataFrame(
            [
                {
                    "stratum": ALL,
                    "n": 0,
                    "events": 0,
                    "median": np.nan,
                    "ci_lower": np.nan,
                    "ci_upper": np.nan,
                    "note": "not estimable: no eligible clients (see flow.csv)",
                }
            ]
        )
    rows = []
    for name, curve in fit.curves.items():
        median, lower, upper = km_quantile(curve, 0.5)
        events = int(curve["events"].sum())
        note = "" if not np.isnan(median) else ("not reached" if events else "no events")
        improved_at = np.repeat(curve["time"].to_numpy(float), curve["events"].to_numpy(int))
        rows.append(
            {
                "stratum": name,
                "n": int(curve["at_risk"].iloc[0]),
                "events": events,
                "median": median,
                "ci_lower": lower,
                "ci_upper": upper,
                "median_among_improved": np.median(improved_at) if events else np.nan,
                "note": note,
            }
        )
    return pd.DataFrame(rows)


def improved_by_session(fit: StrataCurves, sessions: Sequence[int]) -> pd.DataFrame:
    """Cumulative proportion improved (1 - S) at given sessions, with CI and at risk.

    Values are empty beyond a stratum's last follow-up, where the curve is not estimated.
    """
    rows = []
    for name, curve in fit.curves.items():
        last = curve["time"].iloc[-1]
        for t in sessions:
            known = t <= last
            rows.append(
                {
                    "stratum": name,
                    "session": int(t),
                    "improved": 1.0 - step_value(curve, t, "surv") if known else np.nan,
                    "ci_lower": 1.0 - step_value(curve, t, "upper") if known else np.nan,
                    "ci_upper": 1.0 - step_value(curve, t, "lower") if known else np.nan,
                    "at_risk": at_risk_at(curve, t),
                }
            )
    columns = ["stratum", "session", "improved", "ci_lower", "ci_upper", "at_risk"]
    return pd.DataFrame(rows, columns=columns)


def read_curve(times: np.ndarray, surv: np.ndarray, sessions: Sequence[int]) -> dict[str, float]:
    """From a survival step function given as arrays (distinct ``times``, ``surv`` after
    each): ``improved_<k>`` = 1 - S(k) at each session (NaN beyond the last time) and the
    ``median`` (R's rule, as ``km_quantile``). For curves rebuilt many times (bootstraps).

    >>> read_curve(np.array([2.0, 4.0]), np.array([0.6, 0.3]), [1, 3, 5])
    {'improved_1': 0.0, 'improved_3': 0.4, 'improved_5': nan, 'median': 4.0}
    """
    out: dict[str, float] = {}
    for k in sessions:
        if not len(times) or k > times[-1]:
            out[f"improved_{k}"] = np.nan
            continue
        i = int(np.searchsorted(times, k, side="right"))
        out[f"improved_{k}"] = float(1 - (surv[i - 1] if i else 1.0))
    x = np.r_[0.0, np.asarray(times, float)]
    out["median"] = find_quantile(x, np.r_[0.0, 1 - surv], 0.5) if len(times) else np.nan
    return out
