"""Tests and a model for competing risks (workflow/docs/methods.md, section 8): improvement
against every ending without it.

* **Gray's (1988) test** that the cumulative incidence of one cause is the same in every
  stratum: a weighted sum over the distinct times of each group's observed events of that
  cause minus those expected from the pooled subdistribution hazard, with Gray's variance
  (Annals of Statistics 16:1141-1154, section 2); as R ``cmprsk::cuminc(time, status,
  group, rho)$Tests``.
* **Fine and Gray's (1999) model** of the subdistribution hazard on covariates (here the
  intake score): a Cox-type partial likelihood in which a client who ended without
  improvement stays in the risk set, weighted by the censoring distribution's
  ``G(t-) / G(T_i-)``; Breslow ties; the sandwich variance with the term for estimating
  ``G`` (Journal of the American Statistical Association 94:496-509, section 4); as R
  ``cmprsk::crr(time, status, covariates)``.

Causes are coded 1 (the cause of interest), 2 (the competing cause) and 0 (censored).
Everything is computed from sorted arrays and cumulative sums: a million clients take well
under a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dosecurve.stats.cumulative_incidence import ending_causes
from dosecurve.stats.distributions import chi2_sf, normal_quantile, normal_sf

COLUMNS = [
    "test",
    "outcome",
    "term",
    "statistic",
    "df",
    "p_value",
    "estimate",
    "std_error",
    "hazard_ratio",
    "ci_lower",
    "ci_upper",
    "n",
    "events",
    "note",
]
OUTCOMES = {1: "improved", 2: "ended_without_improvement"}


@dataclass(frozen=True)
class GrayTest:
    """Scores of the first ``k - 1`` groups, their covariance, and the chi-square test."""

    scores: np.ndarray
    variance: np.ndarray
    statistic: float
    df: int
    p_value: float


def gray_test(
    time: np.ndarray, cause: np.ndarray, group: np.ndarray, *, rho: float = 0.0, of: int = 1
) -> GrayTest:
    """Gray's test across the levels of ``group`` (in sorted order) for cause ``of``; the
    other non-zero cause competes. NaN statistic with fewer than two groups."""
    time = np.asarray(time, float)
    cause = np.asarray(cause, int)
    cause = np.where(cause == of, 1, np.where(cause == 0, 0, 2))
    levels, g = np.unique(np.asarray(group), return_inverse=True)
    k = len(levels)
    if k < 2:
        return GrayTest(np.zeros(0), np.zeros((0, 0)), np.nan, 0, np.nan)
    times, t_index = np.unique(time, return_inverse=True)
    shape = (len(times), k)
    d1, d2, leave = (np.zeros(shape) for _ in range(3))
    np.add.at(d1, (t_index, g), cause == 1)
    np.add.at(d2, (t_index, g), cause == 2)
    np.add.at(leave, (t_index, g), 1)
    at_risk = leave[::-1].cumsum(axis=0)[::-1]  # in each group just before each time

    score = np.zeros(k)
    var = np.zeros((k, k))  # terms summed over times
    v2 = np.zeros((k, k))  # cross terms with the final C (rows: groups, columns: groups)
    v3 = np.zeros(k)
    c = np.zeros((k, k))
    surv_left = np.ones(k)  # each group's Kaplan-Meier of any event, just before the time
    inc_left = np.zeros(k)  # each group's incidence of the cause, just before the time
    pooled_left = 0.0  # the pooled (weighted) incidence just before the time
    for j in np.flatnonzero((d1 + d2).sum(axis=1) > 0):
        n, e1, e2 = at_risk[j], d1[j], d2[j]
        present = n > 0
        safe_n = np.where(present, n, 1.0)
        surv = np.where(present, surv_left * (1 - (e1 + e2) / safe_n), surv_left)
        inc = np.where(present, inc_left + surv_left * e1 / safe_n, inc_left)
        h = np.where(
            present, n / np.where(present, surv_left, 1.0), 0.0
        )  # the group's size "at the start"
        h_sum = h.sum()
        r = h * (1 - inc_left)
        total1 = e1.sum()
        pooled = pooled_left + total1 / h_sum
        weight = (1 - pooled_left) ** rho
        a = weight * (np.diag(h) - np.outer(h, h) / h_sum)
        c += a * total1 / (h_sum * (1 - pooled_left))
        score += np.where(present, weight * (e1 - total1 * r / r.sum()), 0.0)
        if total1 > 0:
            t4 = np.where(surv > 0, 1 - (1 - pooled) / np.where(surv > 0, surv, 1.0), 1.0)
            t5 = 1 - (total1 - 1) / (h_sum * surv_left - 1) if total1 > 1 else np.ones(k)
            t3 = np.where(present, t5 * surv_left * total1 / (h_sum * safe_n), 0.0)
            b = a - c * t4  # b[i, m] = a[i, m] - t4[m] c[i, m]
            v3 += t4**2 * t3
            v2 += b * t4 * t3
            var += (b * t3) @ b.T
        competing = present & (surv > 0) & (e2 > 0)
        if competing.any():
            t4 = np.where(competing, (1 - pooled) / np.where(surv > 0, surv, 1.0), 0.0)
            t5 = np.where(e2 > 1, 1 - (e2 - 1) / np.where(n > 1, n - 1, 1.0), 1.0)
            t3 = np.where(competing, t5 * surv_left**2 * e2 / safe_n**2, 0.0)
            v3 += t4**2 * t3
            v2 -= c * t4**2 * t3
            var += (c * t4**2 * t3) @ c.T
        surv_left, inc_left, pooled_left = surv, inc, pooled
    var += (c * v3) @ c.T + c @ v2.T + v2 @ c.T
    s, v = score[:-1], var[:-1, :-1]
    try:
        statistic = float(s @ np.linalg.solve(v, s))
    except np.linalg.LinAlgError:
        statistic = np.nan
    return GrayTest(s, v, statistic, k - 1, chi2_sf(statistic, k - 1))


@dataclass(frozen=True)
class FineGray:
    """Coefficients (per unit of each covariate), their sandwich covariance, the pseudo
    log-likelihood at the estimate, and whether Newton-Raphson converged."""

    coef: np.ndarray
    variance: np.ndarray
    log_likelihood: float
    converged: bool


def _censoring_left(time: np.ndarray, censored: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The Kaplan-Meier of censoring (censoring as the event), just before each of ``at``."""
    times, counts = np.unique(time, return_counts=True)
    c = np.bincount(np.searchsorted(times, time[censored]), minlength=len(times))
    n = counts[::-1].cumsum()[::-1]
    surv = np.cumprod(1 - c / n)
    before = np.searchsorted(times, at, side="left")  # times strictly before ``at``
    return np.r_[1.0, surv][before]


def fine_gray(
    time: np.ndarray,
    cause: np.ndarray,
    covariates: np.ndarray,
    *,
    of: int = 1,
    max_iter: int = 50,
    tol: float = 1e-10,
) -> FineGray:
    """Fine and Gray's model of cause ``of`` (the other non-zero cause competes) on the
    columns of ``covariates`` (clients by covariates)."""
    time = np.asarray(time, float)
    cause = np.asarray(cause, int)
    z = np.asarray(covariates, float).reshape(len(time), -1)
    z = z - z.mean(axis=0)  # centring changes no coefficient and keeps exp() finite
    event, compete, censored = cause == of, (cause != of) & (cause != 0), cause == 0
    g_own = _censoring_left(time, censored, time)  # G(T_i-)
    fail = np.unique(time[event])
    g_fail = _censoring_left(time, censored, fail)  # G(t-) at each failure time
    n_fail = np.bincount(np.searchsorted(fail, time[event]), minlength=len(fail)).astype(float)
    order = np.argsort(time, kind="stable")
    sorted_time = time[order]
    at_or_after = np.searchsorted(sorted_time, fail, side="left")  # first with T >= t
    p = z.shape[1]

    def sums(beta: np.ndarray):
        e = np.exp(z @ beta)
        moments = [e, e[:, None] * z, e[:, None, None] * z[:, :, None] * z[:, None, :]]
        out = []
        for m in moments:
            ms = m[order]
            tail = np.concatenate([ms[::-1].cumsum(axis=0)[::-1], np.zeros((1, *ms.shape[1:]))])
            kept = np.where(compete[order].reshape(-1, *[1] * (ms.ndim - 1)), ms, 0)
            kept = kept / g_own[order].reshape(-1, *[1] * (ms.ndim - 1))
            head = np.concatenate([np.zeros((1, *ms.shape[1:])), kept.cumsum(axis=0)])
            weight = g_fail.reshape(-1, *[1] * (ms.ndim - 1))
            out.append(tail[at_or_after] + weight * head[at_or_after])
        return e, out

    beta = np.zeros(p)
    converged = False
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for _ in range(max_iter):
            e, (s0, s1, s2) = sums(beta)
            zbar = s1 / s0[:, None]
            score = z[event].sum(axis=0) - (n_fail[:, None] * zbar).sum(axis=0)
            info = _information(n_fail, s0, s2, zbar)
            try:
                step = np.linalg.solve(info, score)
            except np.linalg.LinAlgError:
                break
            if not np.all(np.isfinite(step)):
                break
            beta = beta + step
            if np.max(np.abs(step)) < tol:
                converged = True
                break
        if not converged:  # no finite maximum (separation, too few events)
            nan = np.full(p, np.nan)
            return FineGray(nan, np.full((p, p), np.nan), np.nan, False)
        e, (s0, s1, s2) = sums(beta)
    zbar = s1 / s0[:, None]
    info = _information(n_fail, s0, s2, zbar)
    loglik = float((z[event] @ beta).sum() - (n_fail * np.log(s0)).sum())
    residual = _score_residuals(
        time, event, compete, censored, z, e, fail, n_fail, s0, zbar, g_fail, g_own
    )
    inverse = np.linalg.inv(info)
    return FineGray(beta, inverse @ (residual.T @ residual) @ inverse, loglik, converged)


def _information(n_fail, s0, s2, zbar) -> np.ndarray:
    """The observed information (Breslow): sum over failure times of the weighted
    covariance of the covariates in the risk set."""
    spread = s2 / s0[:, None, None] - zbar[:, :, None] * zbar[:, None, :]
    return (n_fail[:, None, None] * spread).sum(axis=0)


def _score_residuals(time, event, compete, censored, z, e, fail, n_fail, s0, zbar, g_fail, g_own):
    """Each client's contribution to the score (eta) plus the term for estimating the
    censoring distribution (psi), Fine and Gray (1999), section 4."""
    dlam = n_fail / s0  # Breslow increments of the subdistribution hazard
    through = np.searchsorted(fail, time, side="right")  # failures at or before T_i
    cum0 = np.r_[0.0, dlam.cumsum()]
    cum1 = np.vstack([np.zeros(zbar.shape[1]), (zbar * dlam[:, None]).cumsum(axis=0)])
    gl0 = np.r_[0.0, (g_fail * dlam).cumsum()]
    gl1 = np.vstack([np.zeros(zbar.shape[1]), (zbar * (g_fail * dlam)[:, None]).cumsum(axis=0)])
    zbar_own = zbar[np.clip(np.searchsorted(fail, time), 0, len(fail) - 1)]
    eta = np.where(event[:, None], z - zbar_own, 0.0)
    eta -= e[:, None] * (z * cum0[through][:, None] - cum1[through])
    after = (z * (gl0[-1] - gl0[through])[:, None] - (gl1[-1] - gl1[through])) / g_own[:, None]
    eta -= np.where(compete[:, None], e[:, None] * after, 0.0)

    # psi: q(u) over the censoring times u, from clients ended by the competing cause before u
    cens_times, cens_counts = np.unique(time[censored], return_counts=True)
    sorted_time = np.sort(time)
    at_risk = len(time) - np.searchsorted(sorted_time, cens_times, side="left")
    first_fail = np.searchsorted(fail, cens_times, side="left")  # failures at or after u
    r0 = gl0[-1] - gl0[first_fail]
    r1 = gl1[-1] - gl1[first_fail]
    comp_order = np.argsort(time[compete], kind="stable")
    comp_time = time[compete][comp_order]
    weight = (e[compete] / g_own[compete])[comp_order]
    b0 = np.r_[0.0, weight.cumsum()]
    b1 = np.vstack(
        [np.zeros(z.shape[1]), (weight[:, None] * z[compete][comp_order]).cumsum(axis=0)]
    )
    before = np.searchsorted(comp_time, cens_times, side="left")  # competing T_j < u
    q = b1[before] * r0[:, None] - b0[before][:, None] * r1
    jump = q / at_risk[:, None]
    compensator = np.vstack(
        [np.zeros(z.shape[1]), (q * (cens_counts / at_risk**2)[:, None]).cumsum(axis=0)]
    )
    own = np.searchsorted(cens_times, time, side="right")  # censoring times at or before T_i
    psi = -compensator[own]
    where = np.flatnonzero(censored)
    psi[where] += jump[np.searchsorted(cens_times, time[where])]
    return eta + psi


def competing_risks_tests(
    events: pd.DataFrame, strata: Sequence[str], *, conf_level: float = 0.95
) -> pd.DataFrame:
    """Gray's test across the present strata and Fine and Gray's model on the intake score,
    for improvement and for ending without it (every ending without improvement competes;
    only clients still in therapy are censored), on the eligible clients of ``events``."""
    data = events.loc[events["eligible"].astype(bool)]
    time = data["time"].to_numpy(float)
    cause = ending_causes(data) if len(data) else np.zeros(0, int)
    stratum = data["stratum"].astype(str).to_numpy()
    present = [s for s in strata if (stratum == s).any()]
    z = normal_quantile(0.5 + conf_level / 2)
    rows = []
    for of, outcome in OUTCOMES.items():
        n_events = int((cause == of).sum())
        base = dict(outcome=outcome, n=len(data), events=n_events)
        if len(present) < 2 or n_events == 0:
            why = "fewer than two strata with clients" if len(present) < 2 else "no events"
            rows.append(dict(base, test="gray", term="stratum", note=f"not estimable: {why}"))
        else:
            codes = np.searchsorted(np.array(sorted(present)), stratum)
            with np.errstate(divide="ignore", invalid="ignore"):
                gray = gray_test(time, cause, codes, of=of)
            ok = bool(np.isfinite(gray.statistic) and gray.statistic >= 0)
            rows.append(
                dict(
                    base,
                    test="gray",
                    term="stratum",
                    statistic=gray.statistic if ok else np.nan,
                    df=gray.df if ok else np.nan,
                    p_value=gray.p_value if ok else np.nan,
                    note="" if ok else "not estimable: no variance (too few events)",
                )
            )
        has_score = "baseline" in data
        baseline = data["baseline"].to_numpy(float) if has_score else np.zeros(len(data))
        if n_events == 0 or not has_score or not len(baseline) or np.ptp(baseline) == 0:
            why = (
                "no events"
                if n_events == 0
                else "no intake score"
                if not has_score
                else "the intake score does not vary"
            )
            rows.append(
                dict(base, test="fine_gray", term="intake score", note=f"not estimable: {why}")
            )
            continue
        fit = fine_gray(time, cause, baseline[:, None], of=of)
        if not fit.converged:
            why = "no finite estimate (too few events, or they separate by intake score)"
            rows.append(
                dict(base, test="fine_gray", term="intake score", note=f"not estimable: {why}")
            )
            continue
        coef, se = float(fit.coef[0]), float(np.sqrt(max(fit.variance[0, 0], 0.0)))
        if not (np.isfinite(coef) and np.isfinite(se) and se > 0):
            why = "no standard error (too few events to vary)"
            rows.append(
                dict(base, test="fine_gray", term="intake score", note=f"not estimable: {why}")
            )
            continue
        rows.append(
            dict(
                base,
                test="fine_gray",
                term="intake score",
                statistic=(coef / se) ** 2,
                df=1,
                p_value=2 * normal_sf(abs(coef / se)),
                estimate=coef,
                std_error=se,
                hazard_ratio=np.exp(coef),
                ci_lower=np.exp(coef - z * se),
                ci_upper=np.exp(coef + z * se),
                note="",
            )
        )
    return pd.DataFrame(rows).reindex(columns=COLUMNS)
