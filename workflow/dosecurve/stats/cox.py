"""Cox proportional hazards of improvement on intake severity (lifelines).

Models per data set: the intake score (per point, continuous); the severity strata as a
factor against the mildest stratum present; a cause-specific model of dropout; and,
when configured, the intake score with covariates and interactions. Ties are handled by
Efron's method, as R ``coxph``; coefficients and model-based SEs match R. With a
therapist column, SEs are also cluster-robust by therapist, computed as R's
``coxph(cluster = )`` from vectorised score residuals (``dosecurve.stats.robust_variance``; the
Wald p-value and CI then use the robust SE, as R's). The proportional-hazards check is
R's ``cox.zph`` score test (Kaplan-Meier transform), per covariate and global
(``dosecurve.stats.cox_ph_test``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.exceptions import ConvergenceError

from dosecurve.data.idcodes import cluster_codes
from dosecurve.stats.cox_ph_test import zph_test
from dosecurve.stats.distributions import chi2_sf, normal_quantile, normal_sf
from dosecurve.stats.robust_variance import robust_variance

PH_ALPHA = 0.05
PRECISE = {
    "precision": 1e-12,
    "r_precision": 1e-16,
    "max_steps": 500,
}  # Newton-Raphson to well below the 1e-6 checked against R


INTAKE = "intake score (per point)"
STRATA = "severity strata"
DROPOUT = "intake score, dropout (cause-specific)"
ADJUSTED = "intake score and covariates"


def _terms(data: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """Numeric covariates as they are; categorical ones as indicators against their first
    level (sorted)."""
    out = pd.DataFrame(index=data.index)
    for name in covariates:
        values = data[name]
        numeric = pd.to_numeric(values, errors="coerce")
        if numeric.notna().all():
            out[name] = numeric.astype(float)
            continue
        levels = sorted(values.astype(str).unique())
        for level in levels[1:]:
            out[f"{name}: {level} vs {levels[0]}"] = (values.astype(str) == level).astype(float)
    return out


def _design(
    events: pd.DataFrame,
    strata: Sequence[str],
    model: str,
    covariates: Sequence[str] = (),
    interactions: Sequence[Sequence[str]] = (),
) -> pd.DataFrame:
    data = events.loc[events["eligible"].astype(bool).to_numpy()]
    frame = data[["time"]].astype(float)
    if model == DROPOUT:  # dropout before improving is the event; improvement censors
        frame["event"] = (data["event"].astype(int) == 0) & data["end_reason"].eq("dropout")
        frame["event"] = frame["event"].astype(float)
    else:
        frame["event"] = data["event"].astype(float)
    if model in (INTAKE, DROPOUT, ADJUSTED):
        frame["intake_score"] = data["baseline"].astype(float)
    if model == STRATA:
        present = [s for s in strata if (data["stratum"] == s).any()]
        for level in present[1:]:
            frame[f"stratum: {level} vs {present[0]}"] = (data["stratum"] == level).astype(float)
    if model == ADJUSTED:
        terms = _terms(data, covariates)
        frame = frame.join(terms)
        for a, b in interactions:
            for left in [c for c in terms if c == a or c.startswith(f"{a}: ")]:
                for right in [c for c in terms if c == b or c.startswith(f"{b}: ")]:
                    frame[f"{left} x {right}"] = terms[left] * terms[right]
    if "therapist" in data:
        frame["therapist"] = cluster_codes(data["therapist"])
    if "dataset" in data:  # a pooled analysis: the data set as stratum (and cluster)
        frame["dataset"] = data["dataset"].astype(str).to_numpy()
    return frame


def fit_cox(
    events: pd.DataFrame,
    strata: Sequence[str],
    *,
    covariates: Sequence[str] = (),
    interactions: Sequence[Sequence[str]] = (),
    conf_level: float = 0.95,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Hazard ratios (of improvement; of dropout in the cause-specific model) and the
    proportional-hazards checks, as two tables.

    A model that cannot be fitted (too few events, one stratum) is a row with a reason
    in ``note``, never a crash.
    """
    models = [INTAKE, STRATA]
    if "end_reason" in events and events["end_reason"].eq("dropout").any():
        models.append(DROPOUT)
    if covariates:
        models.append(ADJUSTED)
    rows, checks = [], []
    for model in models:  # one at a time: a model's frame and fit are freed before the next
        more_rows, more_checks = _model(events, strata, model, covariates, interactions, conf_level)
        rows += more_rows
        checks += more_checks
    return pd.DataFrame(rows, columns=COX_COLUMNS), pd.DataFrame(checks, columns=PH_COLUMNS)


def _model(
    events: pd.DataFrame,
    strata: Sequence[str],
    model: str,
    covariates: Sequence[str],
    interactions: Sequence[Sequence[str]],
    conf_level: float,
) -> tuple[list[dict], list[dict]]:
    """One model's rows of the two tables."""
    frame = _design(events, strata, model, covariates, interactions)
    terms = [c for c in frame.columns if c not in ("time", "event", *GROUPING)]
    problem = _problem(frame, terms)
    if problem:
        return [{"model": model, "term": "", "note": f"not estimable: {problem}"}], []
    try:
        naive, robust, check, cluster = _fit(frame, terms)
    except (np.linalg.LinAlgError, ConvergenceError, ValueError, ZeroDivisionError) as err:
        reason = " ".join(str(err).split())[:160] or type(err).__name__
        note = f"not estimable: the model could not be fitted ({reason})"
        return [{"model": model, "term": "", "note": note}], []
    rows = [_row(model, term, naive, robust, cluster, conf_level) for term in terms]
    return rows, _ph_rows(model, check)


COX_COLUMNS = [
    "model",
    "term",
    "coef",
    "se",
    "robust_se",
    "hazard_ratio",
    "ci_lower",
    "ci_upper",
    "p_value",
    "n",
    "events",
    "note",
]
PH_COLUMNS = ["model", "term", "statistic", "df", "p_value", "verdict"]


def _problem(frame: pd.DataFrame, terms: list[str]) -> str:
    if frame["event"].sum() < 2:
        return "fewer than two events"
    if not terms:
        return "fewer than two severity strata"
    if any(frame[t].nunique() < 2 for t in terms):
        return "a term does not vary"
    return ""


GROUPING = ("therapist", "dataset")
EVENT_COLUMNS = ("eligible", "time", "event", "end_reason", "baseline", "stratum", *GROUPING)


def event_columns(covariates: Sequence[str] = ()) -> list[str]:
    """The columns of the events the models read (ten million clients' other columns are
    gigabytes a fit does not need)."""
    return [*EVENT_COLUMNS, *covariates]


MAX_CI_RATIO = 1e10  # a wider interval (upper / lower limit) says nothing: not estimable


def _fit(frame: pd.DataFrame, terms: list[str]):
    """Model-based fit, and a cluster-robust one: by therapist when therapists are known
    (nested in data set in a pool), else by data set. A pooled analysis is stratified by
    data set (each its own baseline hazard)."""
    strata = ["dataset"] if "dataset" in frame and frame["dataset"].nunique() > 1 else None
    cluster = next((c for c in GROUPING if c in frame and frame[c].nunique() > 1), None)
    columns = ["time", "event", *terms, *(strata or [])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence notes are reported through the fit
        # sessions are few distinct times with many ties: lifelines' batch mode is the
        # fast one there (its own heuristic picks a per-row loop above ~300,000 clients)
        naive = CoxPHFitter(strata=strata).fit(
            frame[columns], "time", "event", fit_options=PRECISE, batch_mode=True
        )
    strata_values = frame["dataset"].to_numpy() if strata else None
    args = (
        frame["time"].to_numpy(),
        frame["event"].to_numpy(),
        frame[terms].to_numpy(),
        naive.params_[terms].to_numpy(),
    )
    robust = None
    if cluster:  # R's coxph(cluster = ): computed here, vectorised (see cox_robust)
        variance = naive.variance_matrix_.loc[terms, terms].to_numpy()
        robust = pd.Series(
            np.sqrt(
                np.diag(robust_variance(*args, variance, frame[cluster].to_numpy(), strata_values))
            ),
            index=terms,
        )
    stats, overall = zph_test(*args, strata_values)
    check = (dict(zip(terms, stats, strict=True)), overall)
    return naive, robust, check, cluster


def _row(
    model: str,
    term: str,
    naive: CoxPHFitter,
    robust: pd.Series | None,
    cluster: str | None,
    conf_level: float,
) -> dict:
    coef = float(naive.params_[term])
    se = float(naive.standard_errors_[term])
    use = float(robust[term]) if robust is not None else se
    z = float(normal_quantile(0.5 + conf_level / 2))
    return {
        "model": model,
        "term": term,
        "coef": coef,
        "se": se,
        "robust_se": use if robust is not None else np.nan,
        "hazard_ratio": np.exp(coef),
        "ci_lower": np.exp(coef - z * use),
        "ci_upper": np.exp(coef + z * use),
        "p_value": float(2 * normal_sf(abs(coef / use))),
        "n": int(naive._n_examples),
        "events": int(naive.event_observed.sum()),
        "note": (
            "not estimable: the confidence interval spans more than ten orders of magnitude "
            "(too few events, or a term that separates the clients who improved from the rest)"
            if not np.isfinite([coef, use]).all() or 2 * z * use > np.log(MAX_CI_RATIO)
            else f"robust SE by {cluster}"
            if robust is not None
            else ""
        ),
    }


def _ph_rows(model: str, check) -> list[dict]:
    per_term, overall = check
    rows = [_ph(model, term, stat, 1, float(chi2_sf(stat, 1))) for term, stat in per_term.items()]
    k = len(per_term)
    rows.append(_ph(model, "GLOBAL", overall, k, float(chi2_sf(overall, k))))
    return rows


def _ph(model: str, term: str, stat: float, df: int, p: float) -> dict:
    verdict = (
        "hazards look proportional"
        if p >= PH_ALPHA
        else "proportional hazards doubtful: the effect changes over sessions"
    )
    return {
        "model": model,
        "term": term,
        "statistic": stat,
        "df": df,
        "p_value": p,
        "verdict": verdict,
    }
