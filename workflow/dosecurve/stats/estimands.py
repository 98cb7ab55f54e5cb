"""What a "sessions to improvement" number means: the estimands side by side, per stratum
and overall (workflow/docs/methods.md, section 8).

* ``if_continued``: Kaplan-Meier, every ending censored (assumes ending is unrelated to
  prognosis): the median and the proportion improved by each session asked for.
* ``during_therapy``: Aalen-Johansen, every ending without improvement competing, only
  clients still in therapy censored: the median (where the incidence reaches one half), the
  proportion improved and the proportion ended without improvement by each session.
* ``among_improved``: sessions to the event among clients who improved: the median with a
  distribution-free (order-statistic) interval.

One row per estimand, stratum and measure: ``estimand, stratum, measure, value, ci_lower,
ci_upper, n, note``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from dosecurve.stats.cumulative_incidence import (
    aalen_johansen,
    ending_causes,
    incidence_at,
    incidence_median,
)
from dosecurve.stats.kaplan_meier import ALL, fit_by_stratum, improved_by_session, median_table

COLUMNS = ["estimand", "stratum", "measure", "value", "ci_lower", "ci_upper", "n", "note"]


def median_interval(values: np.ndarray, conf_level: float = 0.95) -> tuple[float, float, float]:
    """The median with the distribution-free interval ``[x_(r), x_(n-r+1)]``, ``r`` the
    largest rank with ``P(Binomial(n, 1/2) <= r - 1) <= (1 - conf_level) / 2``; the limits are
    NaN when ``n`` is too small for any rank to give that coverage.

    >>> median_interval(np.arange(1.0, 11.0))  # r = 2: coverage 1 - 2 P(B <= 1) = 0.979
    (5.5, 2.0, 9.0)
    """
    x = np.sort(np.asarray(values, float))
    n = len(x)
    if n == 0:
        return (np.nan, np.nan, np.nan)
    # P(B <= k) rises with k: the rank is how many k have P(B <= k) <= alpha / 2
    rank = int(np.sum(special.bdtr(np.arange(n // 2 + 1), n, 0.5) <= (1 - conf_level) / 2))
    if rank == 0:
        return (float(np.median(x)), np.nan, np.nan)
    return (float(np.median(x)), float(x[rank - 1]), float(x[n - rank]))


def estimands_table(
    events: pd.DataFrame,
    strata: Sequence[str],
    sessions: Sequence[int],
    *,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> pd.DataFrame:
    """The estimands of the module docstring for the eligible clients of ``events``
    (``time``, ``event``, ``end_reason``, ``stratum``, ``eligible``), per present stratum and
    overall, at the given ``sessions``."""
    fit = fit_by_stratum(events, strata, conf_level=conf_level, conf_type=conf_type)
    rows = _if_continued(fit, sessions)
    data = events.loc[events["eligible"].astype(bool)]
    groups = [(s, data[data["stratum"] == s]) for s in strata if (data["stratum"] == s).any()]
    for name, part in [*groups, (ALL, data)]:
        if part.empty:
            continue
        rows += _during_therapy(name, part, sessions, conf_level, conf_type)
        rows += _among_improved(name, part, conf_level)
    return pd.DataFrame(rows, columns=COLUMNS)


def _row(estimand: str, stratum: str, measure: str, values: Sequence[float], n: int, note=""):
    value, lower, upper = values
    return dict(
        zip(COLUMNS, [estimand, stratum, measure, value, lower, upper, n, note], strict=True)
    )


def _if_continued(fit, sessions: Sequence[int]) -> list[dict]:
    rows = []
    medians = median_table(fit)
    improved = improved_by_session(fit, sessions)
    for _, m in medians.iterrows():
        values = (m["median"], m["ci_lower"], m["ci_upper"])
        rows.append(_row("if_continued", m["stratum"], "median", values, int(m["n"]), m["note"]))
        for _, r in improved[improved["stratum"] == m["stratum"]].iterrows():
            measure = f"improved_by_{int(r['session'])}"
            values = (r["improved"], r["ci_lower"], r["ci_upper"])
            rows.append(_row("if_continued", m["stratum"], measure, values, int(m["n"])))
    return rows


def _during_therapy(
    name: str, part: pd.DataFrame, sessions: Sequence[int], conf_level: float, conf_type: str
) -> list[dict]:
    table = aalen_johansen(
        part["time"].to_numpy(float),
        ending_causes(part),
        conf_level=conf_level,
        conf_type=conf_type,
    )
    n = len(part)
    median = incidence_median(table, 1)
    note = "" if not np.isnan(median[0]) else "not reached"
    rows = [_row("during_therapy", name, "median", median, n, note)]
    for t in sessions:
        rows.append(_row("during_therapy", name, f"improved_by_{t}", incidence_at(table, t, 1), n))
        rows.append(
            _row(
                "during_therapy",
                name,
                f"ended_without_improvement_by_{t}",
                incidence_at(table, t, 2),
                n,
            )
        )
    return rows


def _among_improved(name: str, part: pd.DataFrame, conf_level: float) -> list[dict]:
    times = part.loc[part["event"].astype(int) == 1, "time"].to_numpy(float)
    values = median_interval(times, conf_level)
    if not len(times):
        note = "no events"
    elif np.isnan(values[1]):
        note = "interval not estimable: too few clients improved"
    else:
        note = ""
    return [_row("among_improved", name, "median", values, len(times), note)]
