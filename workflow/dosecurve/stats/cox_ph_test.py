"""The proportional-hazards test of R's ``cox.zph`` (Kaplan-Meier transform, Efron ties).

For a fitted Cox model the covariates are expanded with ``x g(t)``, ``g`` the pooled
Kaplan-Meier transform of time (``1 - S(t-)``, centred over the events); the score test
that the expansion's coefficients are zero, at the fitted ``beta``, is computed per
covariate and for all together (global). Risk sets are per stratum when the model is
stratified. Matches R's survival 3.5 to the precision of the fitted coefficients.
"""

from __future__ import annotations

import numpy as np

from dosecurve.stats.kaplan_meier import kaplan_meier
from dosecurve.stats.robust_variance import CHUNK, risk_set_sums


def _transform(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    km = kaplan_meier(time, event)
    before = np.searchsorted(km["time"].to_numpy(), time, side="left")
    g = 1 - np.concatenate([[1.0], km["surv"].to_numpy()])[before]
    return g - g[event == 1].mean()


def _stratum_blocks(t_s, e_s, x_s, w_s, g_s) -> tuple[np.ndarray, np.ndarray]:
    """Score ``u`` and the information blocks (sum of V, g V, g^2 V over the Efron
    sub-events) of one stratum, from sums per event time (``risk_set_sums``): no n x p x p
    array is made, so memory grows with the clients times p, not p squared."""
    p = x_s.shape[1]
    died = e_s == 1
    times = np.unique(t_s[died])
    size = len(times)
    bins = np.searchsorted(times, t_s, side="right")
    j = bins[died] - 1
    d = np.bincount(j, minlength=size)

    def per_time(values: np.ndarray) -> np.ndarray:
        return np.bincount(j, weights=values[died], minlength=size)

    s0, t0 = risk_set_sums(bins, w_s, size), per_time(w_s)
    s1, t1 = np.empty((size, p)), np.empty((size, p))
    s2, t2 = np.empty((size, p, p)), np.empty((size, p, p))
    for a in range(p):
        wx = w_s * x_s[:, a]
        s1[:, a], t1[:, a] = risk_set_sums(bins, wx, size), per_time(wx)
        for b in range(a, p):
            wxx = wx * x_s[:, b]
            s2[:, a, b] = s2[:, b, a] = risk_set_sums(bins, wxx, size)
            t2[:, a, b] = t2[:, b, a] = per_time(wxx)
    x_sum = np.stack([per_time(x_s[:, c]) for c in range(p)], axis=1)
    g = np.zeros(size)
    g[j] = g_s[died]  # the transform is the same for every client with that time
    jj = np.repeat(np.arange(size), d)
    f = (np.arange(len(jj)) - np.repeat(np.cumsum(d) - d, d)) / d[jj]
    blocks = np.zeros((3, p, p))
    means = np.zeros((size, p))
    for start in range(0, len(jj), CHUNK):  # the Efron sub-events, a chunk at a time
        k, fk = jj[start : start + CHUNK], f[start : start + CHUNK]
        a0 = s0[k] - fk * t0[k]
        mean = (s1[k] - fk[:, None] * t1[k]) / a0[:, None]
        v = (s2[k] - fk[:, None, None] * t2[k]) / a0[:, None, None]
        v -= mean[:, :, None] * mean[:, None, :]
        gk = g[k][:, None, None]
        blocks += np.stack([v.sum(axis=0), (gk * v).sum(axis=0), (gk * gk * v).sum(axis=0)])
        means += np.stack(
            [np.bincount(k, weights=mean[:, c], minlength=size) for c in range(p)], axis=1
        )
    u = (g[:, None] * (x_sum - means)).sum(axis=0)
    return u, blocks


def zph_test(
    time: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    beta: np.ndarray,
    strata: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Chi-square statistics per covariate (1 df each) and the global one (p df).

    Computed from sums per event time (no loop over event times), so its cost grows with
    the number of clients, and no subsample is needed at scale."""
    time, event, x = np.asarray(time, float), np.asarray(event, int), np.asarray(x, float)
    p = x.shape[1]
    w = np.exp(x @ np.asarray(beta, float))
    g_all = _transform(time, event)
    u = np.zeros(p)
    blocks = np.zeros((3, p, p))  # sum of V, g V, g^2 V
    if strata is None and event.any():  # one stratum: no copies of the columns
        u, blocks = _stratum_blocks(time, event, x, w, g_all)
    for s in [] if strata is None else np.unique(np.asarray(strata)):
        mine = np.asarray(strata) == s
        if not event[mine].any():
            continue
        u_s, blocks_s = _stratum_blocks(time[mine], event[mine], x[mine], w[mine], g_all[mine])
        u += u_s
        blocks += blocks_s
    imat = np.block([[blocks[0], blocks[1]], [blocks[1], blocks[2]]])
    per_term = np.empty(p)
    for j in range(p):
        keep = [*range(p), p + j]
        score = np.concatenate([np.zeros(p), [u[j]]])
        per_term[j] = score @ np.linalg.solve(imat[np.ix_(keep, keep)], score)
    score = np.concatenate([np.zeros(p), u])
    return per_term, float(score @ np.linalg.solve(imat, score))
