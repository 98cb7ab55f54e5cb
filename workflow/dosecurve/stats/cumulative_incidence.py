"""Dropout as a competing event: the Aalen-Johansen cumulative incidence of improvement.

A client who drops out before improving cannot improve later in this therapy; treating
dropout as censoring (1 - Kaplan-Meier) then overstates improvement. With causes
1 = improved and 2 = dropout at the last assessment (0 = censored: planned ending
without improvement, still in treatment, or unknown), the cumulative incidence of cause
``k`` is ``F_k(t) = sum_{t_i <= t} S(t_i-) d_ki / n_i`` with ``S`` the Kaplan-Meier of
either event (R ``survfit`` with a factor status). Ties are kept as they are: no jitter.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dosecurve.stats.distributions import normal_quantile
from dosecurve.stats.kaplan_meier import (
    ALL,
    confidence_limits,
    find_quantile,
    kaplan_meier,
    step_value,
)


def causes(events: pd.DataFrame) -> np.ndarray:
    """1 = improved, 2 = dropped out before improving, 0 = censored."""
    dropout = events["end_reason"].astype(str).eq("dropout").to_numpy()
    improved = events["event"].astype(int).to_numpy() == 1
    return np.where(improved, 1, np.where(dropout, 2, 0))


def cumulative_incidence(time: np.ndarray, cause: np.ndarray) -> pd.DataFrame:
    """Aalen-Johansen cumulative incidence of improvement and of dropout at each time."""
    frame = pd.DataFrame({"time": np.asarray(time), "cause": np.asarray(cause)})
    counts = pd.crosstab(frame["time"], frame["cause"]).reindex(columns=[0, 1, 2], fill_value=0)
    total = counts.sum(axis=1).to_numpy()
    at_risk = len(frame) - np.concatenate([[0], np.cumsum(total)[:-1]])
    d1, d2 = counts[1].to_numpy(), counts[2].to_numpy()
    surv_any = np.cumprod(1 - (d1 + d2) / at_risk)
    before = np.concatenate([[1.0], surv_any[:-1]])
    return pd.DataFrame(
        {
            "time": counts.index.to_numpy(),
            "at_risk": at_risk,
            "improved": d1,
            "dropout": d2,
            "censored": counts[0].to_numpy(),
            "cif_improved": np.cumsum(before * d1 / at_risk),
            "cif_dropout": np.cumsum(before * d2 / at_risk),
            "surv_any": surv_any,
        }
    )


def competing_table(
    events: pd.DataFrame, strata: Sequence[str], sessions: Sequence[int]
) -> pd.DataFrame:
    """Per stratum and overall, at each session: the cumulative incidence of improvement
    and of dropout beside 1 - Kaplan-Meier (dropout censored)."""
    data = events.loc[events["eligible"].astype(bool)]
    groups = [(s, data[data["stratum"] == s]) for s in strata] + [(ALL, data)]
    rows = []
    for name, part in groups:
        if part.empty:
            continue
        time = part["time"].to_numpy(float)
        cif = cumulative_incidence(time, causes(part))
        km = kaplan_meier(time, part["event"].to_numpy())
        last = cif["time"].iloc[-1]
        for t in sessions:
            known = t <= last
            rows.append(
                {
                    "stratum": name,
                    "session": t,
                    "cif_improved": _incidence(cif, t, "cif_improved") if known else np.nan,
                    "cif_dropout": _incidence(cif, t, "cif_dropout") if known else np.nan,
                    "one_minus_km": 1 - step_value(km, t, "surv") if known else np.nan,
                }
            )
    table = pd.DataFrame(
        rows, columns=["stratum", "session", "cif_improved", "cif_dropout", "one_minus_km"]
    )
    numeric = ["cif_improved", "cif_dropout", "one_minus_km"]
    table[numeric] = table[numeric].astype(float)
    table["overstatement"] = (table["one_minus_km"] - table["cif_improved"]).round(12)
    return table


def _incidence(cif: pd.DataFrame, t: float, column: str) -> float:
    """A cumulative incidence at ``t`` (0 before the first time)."""
    value = step_value(cif, t, column)
    return 0.0 if np.isnan(value) else value


def aalen_johansen(
    time: np.ndarray,
    cause: np.ndarray,
    *,
    conf_level: float = 0.95,
    conf_type: str = "log",
) -> pd.DataFrame:
    """The Aalen-Johansen cumulative incidence of causes 1 and 2 (0 = censored) at each
    distinct time, with infinitesimal-jackknife standard errors and confidence limits, as R
    ``survfit(Surv(time, factor(cause)))`` (multi-state; ``conf.type`` log, log-log or plain).

    The influence of a client on each incidence depends only on when they left and how, so
    it is computed once per (time, cause) pair: the work grows with the number of distinct
    times squared, not with the number of clients.
    """
    frame = pd.DataFrame({"time": np.asarray(time, float), "cause": np.asarray(cause, int)})
    groups = frame.value_counts(["time", "cause"]).sort_index().reset_index(name="n")
    g_time = groups["time"].to_numpy()
    g_cause = groups["cause"].to_numpy()
    g_n = groups["n"].to_numpy(float)
    times = np.unique(g_time)
    total = np.zeros(len(times))
    counts = {k: np.zeros(len(times)) for k in (0, 1, 2)}
    index = np.searchsorted(times, g_time)
    for k in (0, 1, 2):
        np.add.at(counts[k], index[g_cause == k], g_n[g_cause == k])
    total = counts[0] + counts[1] + counts[2]
    at_risk = len(frame) - np.concatenate([[0.0], np.cumsum(total)[:-1]])
    surv = 1.0
    cif = np.zeros(3)
    d_surv = np.zeros(len(groups))  # influence of one client of each group, per unit weight
    d_cif = np.zeros((3, len(groups)))
    out = {k: np.zeros(len(times)) for k in ("cif_1", "cif_2", "var_1", "var_2")}
    for j, t in enumerate(times):
        risk = (g_time >= t).astype(float)
        hazards, d_hazards = {}, {}
        for k in (1, 2):
            hazards[k] = counts[k][j] / at_risk[j]
            event = ((g_time == t) & (g_cause == k)).astype(float)
            d_hazards[k] = (event - hazards[k] * risk) / at_risk[j]
        for k in (1, 2):
            d_cif[k] = d_cif[k] + d_surv * hazards[k] + surv * d_hazards[k]
            cif[k] += surv * hazards[k]
        d_surv = d_surv * (1 - hazards[1] - hazards[2]) - surv * (d_hazards[1] + d_hazards[2])
        surv *= 1 - hazards[1] - hazards[2]
        for k in (1, 2):
            out[f"cif_{k}"][j] = cif[k]
            out[f"var_{k}"][j] = float(np.sum(g_n * d_cif[k] ** 2))
    table = pd.DataFrame(
        {
            "time": times,
            "at_risk": at_risk.astype(int),
            "events_1": counts[1].astype(int),
            "events_2": counts[2].astype(int),
            "censored": counts[0].astype(int),
        }
    )
    z = float(normal_quantile(0.5 + conf_level / 2))
    for k in (1, 2):
        p, se = out[f"cif_{k}"], np.sqrt(out[f"var_{k}"])
        with np.errstate(divide="ignore", invalid="ignore"):
            # R transforms an incidence as it does a survival probability
            lower, upper = confidence_limits(p, np.where(p > 0, se / p, np.nan), z, conf_type)
        table[f"cif_{k}"] = p
        table[f"se_{k}"] = se
        table[f"lower_{k}"] = lower
        table[f"upper_{k}"] = upper
    return table


def ending_causes(events: pd.DataFrame) -> np.ndarray:
    """Therapy as delivered: 1 = improved, 2 = ended without improving (planned, dropout or
    an unknown reason), 0 = still in therapy (``ongoing``, the only censoring)."""
    improved = events["event"].astype(int).to_numpy() == 1
    ongoing = events["end_reason"].astype(str).eq("ongoing").to_numpy()
    return np.where(improved, 1, np.where(ongoing, 0, 2))


def incidence_at(table: pd.DataFrame, t: float, cause: int) -> tuple[float, float, float]:
    """The incidence of ``cause`` at ``t`` with its limits, from ``aalen_johansen``: 0 before
    the first time (no limits), NaN beyond the last.

    >>> table = aalen_johansen(np.array([1, 2, 3]), np.array([1, 2, 1]))
    >>> incidence_at(table, 2.5, 1)[0], incidence_at(table, 0, 1)[0]
    (0.3333333333333333, 0.0)
    """
    times = table["time"].to_numpy()
    if t > times[-1]:
        return (np.nan, np.nan, np.nan)
    i = int(np.searchsorted(times, t, side="right")) - 1
    if i < 0:
        return (0.0, np.nan, np.nan)
    row = table.iloc[i]
    return (float(row[f"cif_{cause}"]), float(row[f"lower_{cause}"]), float(row[f"upper_{cause}"]))


def incidence_median(table: pd.DataFrame, cause: int = 1) -> tuple[float, float, float]:
    """The time the incidence of ``cause`` reaches one half, with limits where its upper and
    lower confidence limits do, by R's rule for a Kaplan-Meier median (``find_quantile``:
    the midpoint where the curve is one half over an interval); NaN where not reached.

    >>> table = aalen_johansen(np.array([1, 2, 3, 4]), np.array([1, 1, 1, 2]))
    >>> incidence_median(table)[0]  # one half from 2 to 3
    2.5
    """
    x = np.concatenate([[0.0], table["time"].to_numpy(float)])

    def at(column: str) -> float:
        return find_quantile(x, np.concatenate([[0.0], table[column].to_numpy(float)]), 0.5)

    return (at(f"cif_{cause}"), at(f"upper_{cause}"), at(f"lower_{cause}"))
