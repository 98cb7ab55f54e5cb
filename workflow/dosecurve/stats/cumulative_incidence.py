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

from dosecurve.stats.kaplan_meier import ALL, kaplan_meier, step_value


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
