"""Cox score residuals (Efron ties) and the cluster-robust variance, as R's ``coxph``.

R's robust variance with ``cluster = g`` is ``D'D``, where ``D`` holds the dfbeta residuals
(score residuals times the model-based variance) summed within each cluster. The score
residual of client ``i`` with Efron's handling of ``d`` tied events at time ``t_j`` is

    delta_i (x_i - mean_k xbar_jk) - sum_j w_i c_ij sum_k (x_i - xbar_jk) / S0_jk

with ``S0_jk = S0_j - (k/d) T0_j`` and ``xbar_jk`` the risk-set mean with a ``k/d`` share of
the tied events removed (``k = 0..d-1``), ``c_ij = 1`` for a client at risk at ``t_j`` who
did not have the event there and ``1 - k/d`` for one who did. Everything is computed
from cumulative sums over the event times, so the cost grows with the number of clients,
not with clients times event times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CHUNK = 1 << 20  # rows per pass of the per-client step: memory stays flat with the clients


def _columns(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Sum the rows of ``values`` (n x p) into ``size`` bins given by ``index``."""
    return np.stack(
        [np.bincount(index, weights=values[:, c], minlength=size) for c in range(values.shape[1])],
        axis=1,
    )


def risk_set_sums(bins: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Per event time ``j``, the sum of ``values`` over the clients at risk there (time at
    least ``times[j]``), given ``bins = searchsorted(times, time, side="right")``: summed
    per event time, then over the later ones, so no n x p copy is sorted.

    >>> risk_set_sums(np.array([0, 1, 2, 2]), np.array([1.0, 2.0, 3.0, 4.0]), 2).tolist()
    [9.0, 7.0]
    """
    per_time = np.bincount(bins, weights=values, minlength=size + 1)[1:]
    return np.cumsum(per_time[::-1])[::-1]


def _stratum_scores(time: np.ndarray, event: np.ndarray, x: np.ndarray, w: np.ndarray):
    """The stratum's score residuals, ``chunk`` rows at a time: yields ``(rows, residuals)``."""
    died = event == 1
    times = np.unique(time[died])
    n_times, p = len(times), x.shape[1]
    if n_times == 0:
        yield slice(0, len(time)), np.zeros_like(x)
        return
    bins = np.searchsorted(times, time, side="right")
    s0 = risk_set_sums(bins, w, n_times)
    s1 = np.stack([risk_set_sums(bins, w * x[:, c], n_times) for c in range(p)], axis=1)
    j_event = bins[died] - 1
    d = np.bincount(j_event, minlength=n_times)
    t0 = np.bincount(j_event, weights=w[died], minlength=n_times)
    t1 = _columns(j_event, w[died][:, None] * x[died], n_times)
    # one row per tied event: k = 0..d-1 of its time
    jj = np.repeat(np.arange(n_times), d)
    f = (np.arange(len(jj)) - np.repeat(np.cumsum(d) - d, d)) / d[jj]
    s0k = s0[jj] - f * t0[jj]
    xbar = (s1[jj] - f[:, None] * t1[jj]) / s0k[:, None]
    a = np.bincount(jj, weights=1 / s0k, minlength=n_times)
    b = _columns(jj, xbar / s0k[:, None], n_times)
    a_tied = np.bincount(jj, weights=(1 - f) / s0k, minlength=n_times)
    b_tied = _columns(jj, (1 - f)[:, None] * xbar / s0k[:, None], n_times)
    xbar_avg = _columns(jj, xbar, n_times) / d[:, None]
    cum_a = np.concatenate([[0.0], np.cumsum(a)])
    cum_b = np.vstack([np.zeros((1, p)), np.cumsum(b, axis=0)])
    for start in range(0, len(time), CHUNK):
        rows = slice(start, start + CHUNK)
        t, dead, xr, wr = time[rows], died[rows], x[rows], w[rows]
        m = np.searchsorted(times, t, side="left")  # event times strictly before t_i
        here = np.minimum(m, n_times - 1)
        at_time = (m < n_times) & (times[here] == t)
        own_a = np.where(dead, a_tied[here], np.where(at_time, a[here], 0.0))
        own_b = np.where(dead[:, None], b_tied[here], np.where(at_time[:, None], b[here], 0.0))
        resid = -wr[:, None] * (xr * (cum_a[m] + own_a)[:, None] - (cum_b[m] + own_b))
        resid[dead] += xr[dead] - xbar_avg[here[dead]]
        yield rows, resid


def _residual_chunks(time, event, x, beta, strata):
    """Score residuals (Efron ties) of every client, a chunk of rows at a time per stratum:
    yields ``(rows, residuals)`` with ``rows`` the positions in the input."""
    time, event = np.asarray(time, float), np.asarray(event, int)
    x = np.asarray(x, float)
    x = x - x.mean(axis=0)  # as R: residuals do not depend on centring, precision does
    w = np.exp(x @ np.asarray(beta, float))
    groups = None if strata is None else pd.factorize(np.asarray(strata))[0]
    if groups is None or groups.max() == 0:  # one stratum: no copies of the columns
        for rows, resid in _stratum_scores(time, event, x, w):
            yield rows, resid
        return
    for g in range(groups.max() + 1):
        mine = np.flatnonzero(groups == g)
        for rows, resid in _stratum_scores(time[mine], event[mine], x[mine], w[mine]):
            yield mine[rows], resid


def score_residuals(
    time: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    beta: np.ndarray,
    strata: np.ndarray | None = None,
) -> np.ndarray:
    """R's ``residuals(coxph(...), type = "score")`` (Efron ties), n x p."""
    out = np.zeros(np.shape(x), dtype=float)
    for rows, resid in _residual_chunks(time, event, x, beta, strata):
        out[rows] = resid
    return out


def robust_variance(
    time: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    beta: np.ndarray,
    variance: np.ndarray,
    cluster: np.ndarray,
    strata: np.ndarray | None = None,
) -> np.ndarray:
    """R's cluster-robust variance ``D'D`` (``coxph(..., cluster = )``): the dfbeta residuals
    are summed per cluster a chunk of clients at a time, never held for all clients."""
    variance = np.asarray(variance, float)
    codes = pd.factorize(np.asarray(cluster))[0]
    summed = np.zeros((codes.max() + 1, variance.shape[0]))
    for rows, resid in _residual_chunks(time, event, x, beta, strata):
        summed += _columns(codes[rows], resid @ variance, len(summed))
    return summed.T @ summed
