"""How much therapists differ: their share of the variance in clients' rate of change and
in time to improvement, and each therapist's shrunken estimate.

- Rate of change: the linear growth model's therapist level (``dosecurve.stats.growth``);
  the share is ``var_therapist_time / (var_therapist_time + var_time)``, the part of the
  between-client variance in the per-session slope that lies between therapists. Its
  interval is a Wald interval on the logit of the share, by the delta method from the
  curvature of the profiled deviance in lme4's ``theta``.
- Time to improvement: the discrete-time model with a therapist random intercept
  (``dosecurve.stats.discrete_time_mixed``); the share is on the latent scale,
  ``s2 / (s2 + pi^2 / 6)``, with a Wald interval on ``log s``.

Per-therapist estimates are conditional modes (shrunken towards the mean: a therapist with
few clients is pulled in most) with conditional-variance intervals. Therapists are named by
their rank only, unless ``privacy.show_therapists`` is true; a therapist with fewer
eligible clients than ``privacy.min_cell`` is left out of the per-therapist table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dosecurve.stats.discrete_time import fit_discrete
from dosecurve.stats.discrete_time_mixed import LATENT_VARIANCE, FrailtyModel
from dosecurve.stats.distributions import normal_quantile
from dosecurve.stats.growth import MIN_THERAPISTS, Fitted, GrowthData

SHARE_COLUMNS = [
    "measure",
    "model",
    "var_therapist",
    "share",
    "ci_lower",
    "ci_upper",
    "therapists",
    "n_clients",
    "note",
]
ESTIMATE_COLUMNS = ["measure", "therapist", "estimate", "ci_lower", "ci_upper", "n_clients"]
RATE = "rate of change"  # score points per session (per unit of the data set's clock)
TIME = "time to improvement (hazard ratio)"


def _logit_interval(share: float, var_logit: float, z: float) -> tuple[float, float]:
    logit = np.log(share / (1 - share))
    half = z * np.sqrt(var_logit)
    return float(1 / (1 + np.exp(-(logit - half)))), float(1 / (1 + np.exp(-(logit + half))))


def _slope_share(theta: np.ndarray) -> float:
    client = theta[1] ** 2 + theta[2] ** 2
    therapist = theta[4] ** 2 + theta[5] ** 2
    return float(therapist / (therapist + client))


def rate_share(fitted: Fitted, z: float) -> dict:
    """The therapists' share of the slope variance, with its interval."""
    fit = fitted.fit
    row: dict[str, object] = {
        "measure": RATE,
        "model": "linear growth model",
        "n_clients": fit.n_clients,
    }
    if "therapist" not in fit.relative:
        return {**row, "note": f"not estimable: {fitted.no_therapist_level}"}
    share = _slope_share(fit.theta)
    note = "share of the between-client variance in the per-session slope"
    row |= {
        "var_therapist": fit.covariance("therapist")[1, 1],
        "share": share,
        "therapists": fit.n_therapists,
    }
    if share < 1e-6 or share > 1 - 1e-6:
        return {**row, "note": f"{note}; interval not estimable: the share is at 0 or 1"}
    try:
        cov = 2 * np.linalg.inv(fitted.model.hessian(fit.theta))
        np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        return {**row, "note": f"{note}; interval not estimable: a covariance at its boundary"}
    step, grad = 1e-6, np.zeros(len(fit.theta))
    logit = np.log(share / (1 - share))
    for i in range(len(fit.theta)):
        bumped = fit.theta.copy()
        bumped[i] += step
        s = _slope_share(bumped)
        grad[i] = (np.log(s / (1 - s)) - logit) / step
    lower, upper = _logit_interval(share, float(grad @ cov @ grad), z)
    return {
        **row,
        "ci_lower": lower,
        "ci_upper": upper,
        "note": f"{note}; Wald interval on the logit (delta method)",
    }


def _time_share(fit, z: float) -> dict:
    s2 = fit.variance
    share = s2 / (s2 + LATENT_VARIANCE)
    row = {
        "measure": TIME,
        "model": "discrete-time model (cloglog) with a therapist random intercept",
        "var_therapist": s2,
        "share": share,
        "therapists": fit.n_therapists,
        "n_clients": fit.n_clients,
        "note": "latent-scale share: var / (var + pi^2/6)",
    }
    sd_log = float(np.sqrt(fit.cov[3, 3])) if np.isfinite(fit.cov[3, 3]) else np.nan
    if s2 < 1e-6 or not np.isfinite(sd_log):
        return {**row, "note": row["note"] + "; interval not estimable: the variance is at 0"}
    limits = [np.exp(2 * (fit.params[3] + k * z * sd_log)) for k in (-1, 1)]
    return {
        **row,
        "ci_lower": limits[0] / (limits[0] + LATENT_VARIANCE),
        "ci_upper": limits[1] / (limits[1] + LATENT_VARIANCE),
        "note": row["note"] + "; Wald interval on log SD",
    }


def _labels(ids: np.ndarray, order: np.ndarray, show: bool) -> list[str]:
    if show:
        return [str(ids[i]) for i in order]
    return [f"therapist {rank}" for rank in range(1, len(order) + 1)]


def therapist_effects(
    data: GrowthData,
    linear: Fitted | None,
    events: pd.DataFrame,
    *,
    min_cell: int | None = None,
    show_therapists: bool = False,
    conf_level: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``tables/therapist_effects.csv`` (the shares) and ``tables/therapist_estimates.csv``
    (each therapist's shrunken rate of change and hazard ratio, ranked)."""
    z = normal_quantile(0.5 + conf_level / 2)
    eligible = events.loc[events["eligible"].astype(bool)]
    known = "therapist" in eligible and eligible["therapist"].notna().all()
    if not known or eligible["therapist"].nunique() < MIN_THERAPISTS:
        why = "therapists not known" if not known else f"fewer than {MIN_THERAPISTS} therapists"
        rows = [{"measure": m, "note": f"not estimable: {why}"} for m in (RATE, TIME)]
        return pd.DataFrame(rows, columns=SHARE_COLUMNS), pd.DataFrame(columns=ESTIMATE_COLUMNS)
    caseload = eligible["therapist"].astype(str).value_counts()
    shown = set(caseload.index[caseload >= (min_cell or 1)])
    shares, estimates = [], []
    if linear is None:
        shares.append({"measure": RATE, "note": "not estimable: no growth model"})
    else:
        shares.append(rate_share(linear, z))
        fit = linear.fit
        if "therapist" in fit.relative:
            ids = np.array(sorted(data.rows["therapist"].astype(str).unique()), dtype=object)
            rate = fit.beta[1] + fit.therapist_effects[:, 1]
            se = np.sqrt(fit.therapist_cond_var[:, 1, 1])
            estimates.append(_estimates(RATE, ids, rate, rate - z * se, rate + z * se, caseload))
    part = eligible.loc[eligible["client"].astype(str).isin(data.clients)]
    frailty = FrailtyModel(part)
    if part["event"].astype(int).sum() < 10:
        shares.append({"measure": TIME, "note": "not estimable: fewer than 10 improvements"})
    else:
        start = fit_discrete(part.drop(columns="therapist"))["coef"].to_numpy(float)
        fit_t = frailty.fit(np.r_[start, np.log(0.3)])
        row = _time_share(fit_t, z)
        if data.sampled:
            row["note"] += "; " + data.note
        shares.append(row)
        hr = np.exp(fit_t.modes)
        estimates.append(
            _estimates(
                TIME,
                np.asarray(frailty.labels, dtype=object),
                hr,
                np.exp(fit_t.modes - z * fit_t.mode_sd),
                np.exp(fit_t.modes + z * fit_t.mode_sd),
                caseload,
            )
        )
    table = pd.concat(estimates, ignore_index=True) if estimates else None
    if table is None or table.empty:
        return pd.DataFrame(shares, columns=SHARE_COLUMNS), pd.DataFrame(columns=ESTIMATE_COLUMNS)
    table = table.loc[table["therapist"].isin(shown)]
    out = []
    for _, part in table.groupby("measure", sort=False):
        part = part.sort_values("estimate", kind="stable").reset_index(drop=True)
        part["therapist"] = _labels(
            part["therapist"].to_numpy(), np.arange(len(part)), show_therapists
        )
        out.append(part)
    ranked = pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=ESTIMATE_COLUMNS)
    return pd.DataFrame(shares, columns=SHARE_COLUMNS), ranked[ESTIMATE_COLUMNS]


def _estimates(measure, ids, estimate, lower, upper, caseload) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure": measure,
            "therapist": ids,
            "estimate": estimate,
            "ci_lower": lower,
            "ci_upper": upper,
            "n_clients": caseload.reindex(ids).fillna(0).astype(int).to_numpy(),
        }
    )
