"""A discrete-time hazard model on person-session data (complementary log-log link).

Sessions are discrete and heavily tied, and this model respects that: each eligible
client contributes one row per session attended up to the event or censoring, with
``y = 1`` at the session of improvement. The hazard of improving at session ``t`` is
``cloglog h(t) = a + g log(t) + b intake``, so ``exp(b)`` is a hazard ratio per intake
point, comparable with the Cox model. Coefficients and model-based SEs are R's ``glm``.

The person-session rows are never built: the model is fitted to their counts (clients at
risk and improving at each session, per distinct intake score), a binomial likelihood
equal to the Bernoulli one of the rows, so the cost depends on sessions times distinct
scores, not on clients. With a therapist column, SEs are cluster-robust by therapist as R's
``sandwich::vcovCL`` (its default for a glm: HC0 with G / (G - 1)): each client's score
over their sessions has a closed form from cumulative sums over sessions, summed by
therapist.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm

from dosecurve.data.idcodes import cluster_codes, cluster_labels
from dosecurve.stats.distributions import normal_quantile, normal_sf

COLUMNS = [
    "term",
    "coef",
    "se",
    "hazard_ratio",
    "ci_lower",
    "ci_upper",
    "p_value",
    "n_clients",
    "n_rows",
    "note",
]


def person_sessions(events: pd.DataFrame) -> pd.DataFrame:
    """One row per eligible client per session attended up to the event or censoring."""
    data = events.loc[events["eligible"].astype(bool)]
    data = data[data["time"].astype(int) >= 1]
    length = data["time"].astype(int).to_numpy()
    idx = np.repeat(np.arange(len(data)), length)
    start = np.repeat(np.cumsum(length) - length, length)
    session = np.arange(length.sum()) - start + 1
    last = session == length[idx]
    out = pd.DataFrame(
        {
            "client": data["client"].to_numpy()[idx],
            "session": session,
            "y": (last & (data["event"].astype(int).to_numpy()[idx] == 1)).astype(int),
            "intake": data["baseline"].astype(float).to_numpy()[idx],
        }
    )
    if "therapist" in data:
        out["therapist"] = cluster_labels(data["therapist"], data.get("client"))[idx]
    return out


def risk_counts(events: pd.DataFrame) -> pd.DataFrame:
    """Person-session counts per distinct intake score and session: ``intake, session,
    trials, events`` (clients at risk at that session, and improving there)."""
    data = events.loc[events["eligible"].astype(bool)]
    data = data[data["time"].astype(int) >= 1]
    intake, k = np.unique(data["baseline"].astype(float).to_numpy(), return_inverse=True)
    time = data["time"].astype(int).to_numpy()
    width = int(time.max()) + 1 if len(time) else 1
    cell = k * width + time
    ended = np.bincount(cell, minlength=len(intake) * width).reshape(len(intake), width)
    improved = np.bincount(
        cell, weights=data["event"].astype(int).to_numpy(), minlength=len(intake) * width
    ).reshape(len(intake), width)
    at_risk = np.cumsum(ended[:, ::-1], axis=1)[:, ::-1]
    rows, session = np.nonzero(at_risk[:, 1:])
    return pd.DataFrame(
        {
            "intake": intake[rows],
            "session": session + 1,
            "trials": at_risk[rows, session + 1],
            "events": improved[rows, session + 1],
        }
    )


def client_scores(data: pd.DataFrame, params: np.ndarray) -> np.ndarray:
    """Each client's score (sum over their person-sessions of the Bernoulli score) at
    ``params`` = (a, g, b): ``-sum_s e^eta_s x_s + event * e^eta_T / mu_T x_T`` with
    ``x_s = (1, log s, intake)`` and ``e^eta_s = e^(a + b intake) s^g``."""
    a, g, b = params
    time = data["time"].astype(int).to_numpy()
    intake = data["baseline"].astype(float).to_numpy()
    s = np.arange(1, time.max() + 1, dtype=float)
    p0 = np.concatenate([[0.0], np.cumsum(s**g)])
    p1 = np.concatenate([[0.0], np.cumsum(np.log(s) * s**g)])
    base = np.exp(a + b * intake)
    eta_t = np.exp(a + b * intake) * time**g
    last = data["event"].astype(int).to_numpy() * eta_t / -np.expm1(-eta_t)
    return np.column_stack(
        [
            -base * p0[time] + last,
            -base * p1[time] + last * np.log(time),
            intake * (-base * p0[time] + last),
        ]
    )


def fit_discrete(events: pd.DataFrame, *, conf_level: float = 0.95) -> pd.DataFrame:
    """Fit the complementary log-log model; one row per term (intercept, log session,
    intake score). Too few events give a labelled "not estimable" row."""
    counts = risk_counts(events)
    if counts["events"].sum() < 3 or counts["intake"].nunique() < 2:
        return pd.DataFrame(
            [{"term": "", "note": "not estimable: fewer than three events"}], columns=COLUMNS
        )
    design = sm.add_constant(
        pd.DataFrame({"log_session": np.log(counts["session"]), "intake_score": counts["intake"]})
    )
    endog = np.column_stack([counts["events"], counts["trials"] - counts["events"]])
    model = sm.GLM(endog, design, family=sm.families.Binomial(sm.families.links.CLogLog()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = model.fit()
    data = events.loc[events["eligible"].astype(bool)]
    data = data[data["time"].astype(int) >= 1]
    # integer cluster codes (idcodes.cluster_codes), not ten million text labels
    codes = cluster_codes(data["therapist"]) if "therapist" in data else None
    clustered = codes is not None and len(np.unique(codes)) > 1
    cov = fit.cov_params().to_numpy()
    n_rows = int(counts["trials"].sum())
    if clustered:
        scores = client_scores(data, fit.params.to_numpy())
        codes = pd.factorize(codes)[0]  # clusters present, numbered from 0
        summed = np.stack([np.bincount(codes, weights=scores[:, j]) for j in range(3)], axis=1)
        groups = len(summed)
        # sandwich::vcovCL's default for a glm: HC0 with the cluster adjustment G / (G - 1)
        cov = groups / (groups - 1) * cov @ (summed.T @ summed) @ cov
    se = np.sqrt(np.diag(cov))
    coef = fit.params.to_numpy()
    z = normal_quantile(0.5 + conf_level / 2)
    table = pd.DataFrame(
        {
            "term": fit.params.index,
            "coef": coef,
            "se": se,
            "hazard_ratio": np.exp(coef),
            "ci_lower": np.exp(coef - z * se),
            "ci_upper": np.exp(coef + z * se),
            "p_value": 2 * normal_sf(np.abs(coef / se)),
            "n_clients": len(data),
            "n_rows": n_rows,
            "note": "cluster-robust SE by therapist" if clustered else "",
        }
    )
    return table[COLUMNS]
