"""Review points for routine outcome monitoring: for a client not yet improved by session
``k``, the chance of improving within the next ``m`` sessions, and the expected-recovery
bands that "not on track" flags are drawn from.

The conditional probability is ``1 - S(k + m) / S(k)`` from the Kaplan-Meier curve: the
Kaplan-Meier of the clients still at risk after session ``k`` (R ``survfit(Surv(time,
event) ~ 1, subset = time > k)`` read at ``k + m``). Its Greenwood variance sums over the
event times in ``(k, k + m]`` only, and its interval uses the curves' transform (log-log by
default). The ending-adjusted version (IPCW) is read off the weighted curves of
``dosecurve.stats.ending_sensitivity`` with their bootstrap intervals.

Expected-recovery bands (the "expected recovery curves" of Finch, Lambert & Schaalje 2001,
drawn from clients who went on to improve): per intake stratum and session, the 10th, 50th
and 90th percentiles of the scores of the clients who eventually improved. A client scoring
outside the band at a session is not on the path those clients took.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dosecurve.outcomes.score_counts import count_quantiles
from dosecurve.stats.distributions import normal_quantile
from dosecurve.stats.kaplan_meier import ALL, confidence_limits, risk_table

COLUMNS = [
    "method",
    "stratum",
    "from_session",
    "within",
    "probability",
    "ci_lower",
    "ci_upper",
    "at_risk",
    "note",
]
BAND_COLUMNS = ["stratum", "session", "n", "p10", "p50", "p90"]


@dataclass(frozen=True)
class Settings:
    """``analysis.review_points``: the sessions to review at and the horizons ahead."""

    at: tuple[int, ...] = (4, 8, 13, 26)
    within: tuple[int, ...] = (4, 8, 13)

    def __post_init__(self) -> None:
        for key in ("at", "within"):
            values = tuple(sorted({int(v) for v in getattr(self, key)}))
            if not values or values[0] < 1:
                raise ValueError(
                    f"analysis.review_points.{key}: a list of sessions of at least 1, "
                    f"got {list(getattr(self, key))}"
                )
            object.__setattr__(self, key, values)

    @property
    def pairs(self) -> list[tuple[int, int]]:
        return [(k, m) for k in self.at for m in self.within]


def conditional_improvement(
    time: np.ndarray,
    event: np.ndarray,
    k: int,
    m: int,
    *,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> tuple[float, float, float, int]:
    """``1 - S(k + m) / S(k)`` with its interval, and the clients at risk after ``k``.

    >>> p, lo, hi, n = conditional_improvement(
    ...     np.array([1, 2, 3, 3, 4, 5, 6, 8]), np.array([1, 1, 1, 0, 1, 0, 1, 0]), 2, 3
    ... )
    >>> round(p, 6), n  # at risk after 2: 6; events at 3 (1 of 6) and 4 (1 of 4)
    (0.375, 6)
    """
    return conditional_from_table(risk_table(time, event), k, m, conf_level, conf_type)


def conditional_from_table(
    table: pd.DataFrame, k: int, m: int, conf_level: float = 0.95, conf_type: str = "log-log"
) -> tuple[float, float, float, int]:
    """``conditional_improvement`` from a curve's risk table (``kaplan_meier.risk_table``:
    clients at risk and events at each distinct time), so that many review points of one
    curve cost one pass over its clients."""
    times = table["time"].to_numpy(float)
    later = times > k
    if not later.any():
        return np.nan, np.nan, np.nan, 0
    n_after = int(table["at_risk"].to_numpy()[later][0])
    window = later & (times <= k + m)
    n = table["at_risk"].to_numpy(float)[window]
    d = table["events"].to_numpy(float)[window]
    surv = float(np.prod(1 - d / n))
    with np.errstate(divide="ignore", invalid="ignore"):
        var = float(np.sum(np.where(n > d, d / (n * (n - d)), 0.0)))
    z = normal_quantile(0.5 + conf_level / 2)
    lower, upper = confidence_limits(np.array([surv]), np.array([np.sqrt(var)]), z, conf_type)
    return 1 - surv, float(1 - upper[0]), float(1 - lower[0]), n_after


def review_points(
    events: pd.DataFrame,
    strata: Sequence[str],
    settings: Settings,
    *,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> pd.DataFrame:
    """``tables/review_points.csv`` (method ``km``): per stratum and overall, per review
    session and horizon. Beyond the last follow-up time of a stratum: "beyond follow-up"."""
    data = events.loc[events["eligible"].astype(bool)]
    groups = [(s, data[data["stratum"] == s]) for s in strata if (data["stratum"] == s).any()]
    rows = []
    for name, part in [*groups, (ALL, data)]:
        if part.empty:
            continue
        time = part["time"].to_numpy(float)
        table = risk_table(time, part["event"].to_numpy(int) == 1)
        for k, m in settings.pairs:
            p, lo, hi, n = conditional_from_table(table, k, m, conf_level, conf_type)
            note = ""
            if n == 0:
                note = f"no client still at risk after session {k}"
            elif k + m > time.max():
                p, lo, hi = np.nan, np.nan, np.nan
                note = f"beyond follow-up (last time {int(time.max())})"
            rows.append(
                {
                    "method": "km",
                    "stratum": name,
                    "from_session": k,
                    "within": m,
                    "probability": p,
                    "ci_lower": lo,
                    "ci_upper": hi,
                    "at_risk": n,
                    "note": note,
                }
            )
    return pd.DataFrame(rows, columns=COLUMNS)


def expected_recovery(counts: pd.DataFrame, strata: Sequence[str]) -> pd.DataFrame:
    """``tables/expected_recovery.csv``: per intake stratum and session, the clients who
    eventually improved with a score there, and the 10th, 50th and 90th percentiles of
    their scores (R ``quantile(type = 7)``), from the eligible clients' scores counted
    (``dosecurve.outcomes.score_counts``)."""
    improved = counts.loc[counts["improved"].astype(bool) & (counts["stratum"] >= 0)]
    out = []
    for i, name in enumerate([*strata, ALL]):
        if name == ALL:
            mine = improved.groupby(["session", "score"], sort=True, as_index=False)["n"].sum()
        else:
            mine = improved.loc[improved["stratum"] == i]  # sorted by session, then score
        if not len(mine):
            continue
        keys, size, q = count_quantiles(
            mine["session"].to_numpy(np.int64),
            mine["score"].to_numpy(float),
            mine["n"].to_numpy(np.int64),
            (0.1, 0.5, 0.9),
        )
        out.append(
            pd.DataFrame(
                {
                    "stratum": name,
                    "session": keys,
                    "n": size,
                    "p10": q[:, 0],
                    "p50": q[:, 1],
                    "p90": q[:, 2],
                }
            )
        )
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=BAND_COLUMNS)
