"""The proportional-hazards test of R's ``cox.zph`` (Kaplan-Meier transform, Efron ties).

For a fitted Cox model the covariates are expanded with ``x g(t)``, ``g`` the pooled
Kaplan-Meier transform of time (``1 - S(t-)``, centred over the events); the score test
that the expansion's coefficients are zero, at the fitted ``beta``, is computed per
covariate and for all together (global). Risk sets are per stratum when the model is
stratified. Matches R's survival 3.5 to the precision of the fitted coefficients.
"""

from __future__ import annotations

import numpy as np

from dosecurve.survival import kaplan_meier


def _transform(time: np.ndarray, event: np.ndarray) -> np.ndarray:
    km = kaplan_meier(time, event)
    before = np.searchsorted(km["time"].to_numpy(), time, side="left")
    g = 1 - np.concatenate([[1.0], km["surv"].to_numpy()])[before]
    return g - g[event == 1].mean()


def zph_test(
    time: np.ndarray,
    event: np.ndarray,
    x: np.ndarray,
    beta: np.ndarray,
    strata: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Chi-square statistics per covariate (1 df each) and the global one (p df)."""
    time, event, x = np.asarray(time, float), np.asarray(event, int), np.asarray(x, float)
    strata = np.zeros(len(time)) if strata is None else np.asarray(strata)
    p = x.shape[1]
    w = np.exp(x @ np.asarray(beta, float))
    g_all = _transform(time, event)
    u = np.zeros(p)
    blocks = np.zeros((3, p, p))  # sum of V, g V, g^2 V
    for s in np.unique(strata):
        mine = strata == s
        t_s, e_s, x_s, w_s, g_s = time[mine], event[mine], x[mine], w[mine], g_all[mine]
        for t in np.unique(t_s[e_s == 1]):
            risk, tied = t_s >= t, (t_s == t) & (e_s == 1)
            wr, xr, wt, xt = w_s[risk], x_s[risk], w_s[tied], x_s[tied]
            s0, s1, s2 = wr.sum(), wr @ xr, (xr * wr[:, None]).T @ xr
            t0, t1, t2 = wt.sum(), wt @ xt, (xt * wt[:, None]).T @ xt
            g = g_s[tied][0]
            d = len(wt)
            means = np.zeros(p)
            for f in np.arange(d) / d:  # Efron: remove a share of the tied events
                a0, a1, a2 = s0 - f * t0, s1 - f * t1, s2 - f * t2
                mean = a1 / a0
                v = a2 / a0 - np.outer(mean, mean)
                blocks += np.stack([v, g * v, g * g * v])
                means += mean
            u += g * (xt.sum(axis=0) - means)
    imat = np.block([[blocks[0], blocks[1]], [blocks[1], blocks[2]]])
    per_term = np.empty(p)
    for j in range(p):
        keep = [*range(p), p + j]
        score = np.concatenate([np.zeros(p), [u[j]]])
        per_term[j] = score @ np.linalg.solve(imat[np.ix_(keep, keep)], score)
    score = np.concatenate([np.zeros(p), u])
    return per_term, float(score @ np.linalg.solve(imat, score))
