"""The log-rank family of tests, computed from counts at each distinct session.

For groups ``k`` with ``n_kt`` at risk and ``d_kt`` improving at time ``t`` (``n_t``,
``d_t`` pooled) and a weight ``w_t``:

* ``U_k = sum_t w_t (d_kt - d_t n_kt / n_t)`` (observed minus expected);
* ``V_kl = sum_t w_t^2 d_t (n_t - d_t) / (n_t - 1) n_kt / n_t (delta_kl - n_lt / n_t)``;
* overall: ``U' V^- U`` on ``K - 1`` df (R ``survdiff``); trend across ordered groups
  with scores ``s``: ``(s'U)^2 / (s'Vs)`` on 1 df; Fleming-Harrington G(rho, gamma):
  ``w_t = S(t-)^rho (1 - S(t-))^gamma`` with ``S`` the pooled Kaplan-Meier
  (``survdiff(rho = )`` is gamma 0); pairwise tests on each pair's own clients with
  Holm-adjusted p-values.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from dosecurve.stats.distributions import chi2_sf


def _counts(time: np.ndarray, event: np.ndarray, group: np.ndarray, levels: Sequence[str]):
    """Per distinct event time: at risk and events per group (arrays times x groups)."""
    frame = pd.DataFrame({"time": time, "event": event.astype(int), "group": group})
    times = np.sort(frame.loc[frame["event"] == 1, "time"].unique())
    at_risk = np.empty((len(times), len(levels)))
    events = np.zeros((len(times), len(levels)))
    for j, level in enumerate(levels):
        part = frame[frame["group"] == level]
        t_sorted = np.sort(part["time"].to_numpy())
        at_risk[:, j] = len(t_sorted) - np.searchsorted(t_sorted, times, side="left")
        d = part[part["event"] == 1].groupby("time").size()
        events[:, j] = d.reindex(times, fill_value=0).to_numpy()
    return times, at_risk, events


def _weights(at_risk: np.ndarray, events: np.ndarray, rho: float, gamma: float) -> np.ndarray:
    n, d = at_risk.sum(axis=1), events.sum(axis=1)
    surv_after = np.cumprod(1 - d / n)
    surv_before = np.concatenate([[1.0], surv_after[:-1]])
    return surv_before**rho * (1 - surv_before) ** gamma


def score_and_variance(
    time: np.ndarray,
    event: np.ndarray,
    group: np.ndarray,
    levels: Sequence[str],
    *,
    rho: float = 0.0,
    gamma: float = 0.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Observed, expected, ``U`` (weighted O - E) and its covariance ``V``."""
    _, at_risk, events = _counts(np.asarray(time), np.asarray(event), np.asarray(group), levels)
    n = at_risk.sum(axis=1)
    d = events.sum(axis=1)
    w = _weights(at_risk, events, rho, gamma)
    share = at_risk / n[:, None]
    expected = d[:, None] * share
    u = (w[:, None] * (events - expected)).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(n > 1, w**2 * d * (n - d) / (n - 1), 0.0)
    v = np.einsum("t,tk,kl->kl", factor, share, np.eye(len(levels))) - np.einsum(
        "t,tk,tl->kl", factor, share, share
    )
    return events.sum(axis=0), expected.sum(axis=0), u, v


def _chisq(u: np.ndarray, v: np.ndarray) -> tuple[float, int]:
    df = int(np.linalg.matrix_rank(v))
    stat = float(u @ np.linalg.pinv(v) @ u) if df else np.nan
    return stat, df


def holm(values: Sequence[float]) -> np.ndarray:
    """Holm's step-down adjustment of p-values (as R ``p.adjust(method = "holm")``)."""
    p = np.asarray(values, float)
    order = np.argsort(p)
    m = len(p)
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out


def logrank_tests(
    events: pd.DataFrame, strata: Sequence[str], *, rho: float | None = None, gamma: float = 0.0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Overall log-rank, trend across the ordered strata, an optional Fleming-Harrington
    test, and pairwise log-rank tests with Holm-adjusted p-values.

    Returns ``(tests, pairwise)``; a test that cannot be made says why in ``note``.
    """
    data = events.loc[events["eligible"].astype(bool)]
    levels = [s for s in strata if (data["stratum"] == s).any()]
    args = (data["time"].to_numpy(float), data["event"].to_numpy(int), data["stratum"].to_numpy())
    rows = []
    problem = _not_estimable(len(levels), int(data["event"].sum()))
    specs = [("log-rank", 0.0, 0.0)]
    if rho is not None:
        specs.append((f"Fleming-Harrington G({rho:g}, {gamma:g})", rho, gamma))
    for name, r, g in specs:
        if problem:
            rows.append(_row(name, len(levels), np.nan, np.nan, problem))
            continue
        _, _, u, v = score_and_variance(*args, levels, rho=r, gamma=g)
        stat, df = _chisq(u, v)
        rows.append(_row(name, len(levels), stat, df, ""))
    rows.append(_trend(args, levels, problem))
    return pd.DataFrame(rows), _pairwise(args, levels)


def _not_estimable(k: int, n_events: int) -> str:
    if k < 2:
        return "not estimable: fewer than two strata"
    return "" if n_events else "not estimable: no events"


def _row(test: str, k: int, stat: float, df: float, note: str) -> dict[str, object]:
    p = float(chi2_sf(stat, df)) if not note and df else np.nan
    return {"test": test, "strata": k, "statistic": stat, "df": df, "p_value": p, "note": note}


def _trend(
    args: tuple[np.ndarray, np.ndarray, np.ndarray], levels: Sequence[str], problem: str
) -> dict[str, object]:
    name = "trend across ordered strata (scores 1, 2, ...)"
    if problem or len(levels) < 3:
        why = problem or "not estimable: fewer than three strata"
        return _row(name, len(levels), np.nan, np.nan, why)
    _, _, u, v = score_and_variance(*args, levels)
    scores = np.arange(1, len(levels) + 1, dtype=float)
    stat = float((scores @ u) ** 2 / (scores @ v @ scores))
    return _row(name, len(levels), stat, 1, "")


def _pairwise(args, levels: Sequence[str]) -> pd.DataFrame:
    time, event, group = args
    rows = []
    for a, b in combinations(levels, 2):
        keep = np.isin(group, [a, b])
        if event[keep].sum() == 0:
            rows.append({"stratum_a": a, "stratum_b": b, "statistic": np.nan, "p_value": np.nan})
            continue
        _, _, u, v = score_and_variance(time[keep], event[keep], group[keep], [a, b])
        stat, _ = _chisq(u, v)
        rows.append(
            {"stratum_a": a, "stratum_b": b, "statistic": stat, "p_value": float(chi2_sf(stat, 1))}
        )
    out = pd.DataFrame(rows, columns=["stratum_a", "stratum_b", "statistic", "p_value"])
    ok = out["p_value"].notna()
    out["p_holm"] = np.nan
    if ok.any():
        out.loc[ok, "p_holm"] = holm(out.loc[ok, "p_value"].to_numpy())
    return out
