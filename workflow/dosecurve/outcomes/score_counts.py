"""Scores counted: how many eligible clients of each intake stratum (improved or not) had
each score at each session. Means, standard deviations and percentiles per stratum and
session (the trajectories figure, the expected-recovery bands) are read from these counts,
so they are the same whether the counts come from the whole table or are summed over its
shards (integers add exactly; every sum over scores is then taken in one fixed order).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dosecurve.data.idcodes import codes_in

COLUMNS = ("stratum", "improved", "session", "score", "n")
BINCOUNT_LIMIT = 1 << 26  # keys counted by bincount up to this many (512 MB of counts)
KEYS = COLUMNS[:-1]


def score_counts(
    sessions: pd.DataFrame, events: pd.DataFrame, strata: Sequence[str]
) -> pd.DataFrame:
    """``stratum`` (position in ``strata``), ``improved`` (the event was seen), ``session``,
    ``score``, ``n``: the scored rows of the eligible clients of ``events``, counted, sorted
    by the four keys."""
    eligible = events.loc[events["eligible"].astype(bool)]
    code = codes_in(sessions["client"], pd.Index(eligible["client"].astype(str)))
    keep = (code >= 0) & sessions["score"].notna().to_numpy()
    position = {name: i for i, name in enumerate(strata)}
    stratum = eligible["stratum"].astype(str).map(position).fillna(-1).to_numpy(np.int64)
    improved = (eligible["event"].astype(float).to_numpy() == 1).astype(np.int64)
    rows = code[keep]
    session = sessions["session"].to_numpy(np.int64)[keep]
    # the distinct scores (an instrument's scores take a few hundred values) by hashing,
    # then ranked: no sort of the rows
    value_code, values = pd.factorize(sessions["score"].to_numpy(float)[keep])
    rank = np.empty(len(values), np.int64)
    rank[np.argsort(values, kind="stable")] = np.arange(len(values))
    values = np.sort(values)
    width = int(session.max()) + 1 if len(session) else 1
    key = ((stratum[rows] * 2 + improved[rows]) * width + session) * len(values) + rank[value_code]
    space = (int(stratum.max(initial=0)) + 1) * 2 * width * max(len(values), 1)
    if space <= BINCOUNT_LIMIT:  # counted in one linear pass, in key order
        n = np.bincount(key, minlength=space)
        key = np.flatnonzero(n)
        n = n[key]
    else:
        key, n = np.unique(key, return_counts=True)
    cell, value = np.divmod(key, max(len(values), 1))
    group, session_of = np.divmod(cell, width)
    return pd.DataFrame(
        {
            "stratum": group // 2,
            "improved": (group % 2).astype(bool),
            "session": session_of,
            "score": values[value] if len(values) else np.zeros(0),
            "n": n,
        }
    )


def add_counts(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Counts of the shards summed (a key in several shards counted once, with the sum of
    its counts), sorted by the keys as ``score_counts`` sorts them."""
    table = pd.concat(parts, ignore_index=True)
    summed = table.groupby(list(KEYS), sort=True, as_index=False)["n"].sum()
    return summed.astype({"stratum": np.int64, "session": np.int64, "n": np.int64})


def count_quantiles(
    group: np.ndarray, values: np.ndarray, counts: np.ndarray, probs: Sequence[float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct ``group`` (rows sorted by group, then value): its number of values and
    their ``probs`` quantiles (R ``quantile(type = 7)``), with each value repeated
    ``counts`` times.

    >>> g, n, q = count_quantiles(np.array([1, 2, 2]), np.array([5.0, 1.0, 3.0]),
    ...                           np.array([1, 2, 1]), [0.5])
    >>> g.tolist(), n.tolist(), q[:, 0].tolist()
    ([1, 2], [1, 3], [5.0, 1.0])
    """
    if not len(group):
        return group, np.zeros(0, np.int64), np.zeros((0, len(probs)))
    start = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    total = np.add.reduceat(counts, start)
    cum = np.cumsum(counts)
    before = np.r_[0, cum][start]  # values before each group's first
    out = np.empty((len(start), len(probs)))
    for j, p in enumerate(probs):
        h = (total - 1) * p
        low = np.floor(h).astype(np.int64)
        high = np.minimum(low + 1, total - 1)
        at_low = values[np.searchsorted(cum, before + low, side="right")]
        at_high = values[np.searchsorted(cum, before + high, side="right")]
        out[:, j] = at_low + (h - low) * (at_high - at_low)
    return group[start], total, out
