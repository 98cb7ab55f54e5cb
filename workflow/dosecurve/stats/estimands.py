"""What a "sessions to improvement" number means: the estimands side by side, per stratum
and overall (workflow/docs/methods.md, section 8).

* ``if_continued``: Kaplan-Meier, every ending censored (assumes ending is unrelated to
  prognosis): the median and the proportion improved by each session asked for.
* ``during_therapy``: Aalen-Johansen, every ending without improvement competing, only
  clients still in therapy censored: the median (where the incidence reaches one half), the
  proportion improved and the proportion ended without improvement by each session.
* ``among_improved``: sessions to the event among clients who improved: the median with a
  distribution-free (order-statistic) interval.
* ``at_termination``: the definition read from the first to the last assessment, as
  Nordmo et al. (2021) and Barkham et al. (2006) read their data: the proportion improved
  (exact Clopper-Pearson interval, R ``binom.test``) and the median sessions attended by
  those improved (order-statistic interval).

One row per estimand, stratum and measure: ``estimand, stratum, measure, value, ci_lower,
ci_upper, n, note``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special, stats

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


def proportion_interval(
    successes: int, n: int, conf_level: float = 0.95
) -> tuple[float, float, float]:
    """The proportion with its exact (Clopper-Pearson) interval, as R
    ``binom.test(successes, n, conf.level = conf_level)$conf.int``; NaN when ``n`` is 0.

    >>> [round(v, 6) for v in proportion_interval(7, 20)]  # R: 0.153909 0.592189
    [0.35, 0.153909, 0.592189]
    """
    if n == 0:
        return (np.nan, np.nan, np.nan)
    alpha = 1 - conf_level
    lower = stats.beta.ppf(alpha / 2, successes, n - successes + 1) if successes else 0.0
    upper = stats.beta.ppf(1 - alpha / 2, successes + 1, n - successes) if successes < n else 1.0
    return (successes / n, float(lower), float(upper))


def estimands_table(
    events: pd.DataFrame,
    strata: Sequence[str],
    sessions: Sequence[int],
    *,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> pd.DataFrame:
    """The estimands of the module docstring for the eligible clients of ``events``
    (``time``, ``event``, ``end_reason``, ``stratum``, ``eligible`` and, for
    ``at_termination``, ``met_at_end`` and ``sessions_attended``), per present stratum and
    overall, at the given ``sessions``."""
    fit = fit_by_stratum(events, strata, conf_level=conf_level, conf_type=conf_type)
    rows = _if_continued(fit, sessions)
    data = events.loc[events["eligible"].astype(bool)]
    groups = [(s, data[data["stratum"] == s]) for s in strata if (data["stratum"] == s).any()]
    present = [(name, part) for name, part in [*groups, (ALL, data)] if not part.empty]
    for name, part in present:
        rows += _during_therapy(name, part, sessions, conf_level, conf_type)
    for name, part in present:
        rows += _among_improved(name, part, conf_level)
    if "met_at_end" in data:
        for name, part in present:
            rows += _at_termination(name, part, conf_level)
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


def _at_termination(name: str, part: pd.DataFrame, conf_level: float) -> list[dict]:
    met = part["met_at_end"].fillna(False).astype(bool).to_numpy()
    n, k = len(part), int(met.sum())
    attended = part.loc[met, "sessions_attended"].to_numpy(float)
    values = median_interval(attended, conf_level)
    note = "no client improved" if not k else ""
    if k and np.isnan(values[1]):
        note = "interval not estimable: too few clients improved"
    return [
        _row("at_termination", name, "improved", proportion_interval(k, n, conf_level), n),
        _row("at_termination", name, "median", values, k, note),
    ]
