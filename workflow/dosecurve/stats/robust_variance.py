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


def _columns(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Sum the rows of ``values`` (n x p) into ``size`` bins given by ``index``."""
    return np.stack(
        [np.bincount(index, weights=values[:, c], minlength=size) for c in range(values.shape[1])],
        axis=1,
    )


def _stratum_scores(time: np.ndarray, event: np.ndarray, x: np.ndarray, w: np.ndarray):
    died = event == 1
    times = np.unique(time[died])
    n_times, p = len(times), x.shape[1]
    if n_times == 0:
        return np.zeros_like(x)
    order = np.argsort(time, kind="stable")
    ts = time[order]
    rev_w = np.cumsum(w[order][::-1])[::-1]
    rev_wx = np.cumsum((w[:, None] * x)[order][::-1], axis=0)[::-1]
    first = np.searchsorted(ts, times, side="left")
    s0, s1 = rev_w[first], rev_wx[first]
    j_event = np.searchsorted(times, time[died])
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
    m = np.searchsorted(times, time, side="left")  # event times strictly before t_i
    here = np.minimum(m, n_times - 1)
    at_time = (m < n_times) & (times[here] == time)
    own_a = np.where(died, a_tied[here], np.where(at_time, a[here], 0.0))
    own_b = np.where(died[:, None], b_tied[here], np.where(at_time[:, None], b[here], 0.0))
    big_a = cum_a[m] + own_a
    big_b = cum_b[m] + own_b
    resid = -w[:, None] * (x * big_a[:, None] - big_b)
    resid[died] += x[died] - xbar_avg[here[died]]
    return resid


def score_residuals(
    time: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    beta: np.ndarray,
    strata: np.ndarray | None = None,
) -> np.ndarray:
    """R's ``residuals(coxph(...), type = "score")`` (Efron ties), n x p."""
    time, event = np.asarray(time, float), np.asarray(event, int)
    x = np.asarray(x, float)
    x = x - x.mean(axis=0)  # as R: residuals do not depend on centring, precision does
    w = np.exp(x @ np.asarray(beta, float))
    out = np.zeros_like(x)
    groups = np.zeros(len(time), int) if strata is None else pd.factorize(strata)[0]
    for g in np.unique(groups):
        mine = groups == g
        out[mine] = _stratum_scores(time[mine], event[mine], x[mine], w[mine])
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
    """R's cluster-robust variance ``D'D`` (``coxph(..., cluster = )``)."""
    dfbeta = score_residuals(time, event, x, beta, strata) @ np.asarray(variance, float)
    codes = pd.factorize(cluster)[0]
    summed = _columns(codes, dfbeta, codes.max() + 1)
    return summed.T @ summed
