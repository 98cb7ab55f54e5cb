"""A session table as arrays sorted by client and session, and per-client reductions
over it as index arithmetic on neighbouring rows: linear passes, no hash table over
tens of millions of rows. The validated session table is sorted already, so sorting
costs one check; any other order is sorted once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import pairwise

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class ClientRows:
    """``columns`` sorted by client and session; ``client`` is each row's client index
    (0 .. n - 1, in order of first appearance) and ``ids`` the client ids."""

    columns: dict[str, np.ndarray | pd.Categorical]
    client: np.ndarray
    ids: np.ndarray
    starts: np.ndarray  # row numbers of each client's first row

    @property
    def n(self) -> int:
        """The number of clients."""
        return len(self.ids)

    def blocks(self, rows: int) -> Iterator[ClientRows]:
        """The table in consecutive blocks of whole clients, about ``rows`` rows each.

        Every per-client reduction gives the same result block by block, and a block's
        arrays stay in the processor's cache: on tens of millions of rows, whole-table
        passes are limited by memory traffic and cost more per row than on a few million.
        """
        total = len(self.client)
        cuts = np.unique(np.searchsorted(self.starts, np.arange(rows, total, rows)))
        bounds = [0, *cuts[(cuts > 0) & (cuts < self.n)].tolist(), self.n]
        for c0, c1 in pairwise(bounds):
            r0 = int(self.starts[c0]) if c0 < self.n else total
            r1 = int(self.starts[c1]) if c1 < self.n else total
            yield ClientRows(
                {name: values[r0:r1] for name, values in self.columns.items()},
                self.client[r0:r1] - c0,
                self.ids[c0:c1],
                self.starts[c0:c1] - r0,
            )

    def ends(self, rows: np.ndarray | None = None, last: bool = False) -> np.ndarray:
        """Row numbers of each client's first (or last) row among ``rows`` (row numbers,
        ascending; all rows when None), one per client that has any."""
        if rows is None or len(rows) == len(self.client):  # every row
            if last and len(self.starts):
                return np.r_[self.starts[1:] - 1, len(self.client) - 1]
            return self.starts
        client = self.client[rows]
        change = client[1:] != client[:-1]
        return rows[(np.r_[change, True] if last else np.r_[True, change])[: len(rows)]]

    def at(self, picked: np.ndarray, values: np.ndarray) -> np.ndarray:
        """``values`` at the ``picked`` rows (one per client) spread to all clients as
        floats, NaN for a client not picked."""
        out = np.full(self.n, np.nan)
        out[self.client[picked]] = np.asarray(values[picked], dtype=float)
        return out

    def first_value(self, name: str) -> np.ndarray:
        """Each client's first non-missing value of column ``name`` (missing if none)."""
        values = self.columns[name]
        picked = self.ends(np.flatnonzero(~pd.isna(values)))
        first = pd.Series(pd.Series(values).take(picked).to_numpy(), index=self.client[picked])
        return first.reindex(np.arange(self.n)).to_numpy()

    def last_known(self, name: str, unknown: str) -> np.ndarray:
        """Each client's last value of text column ``name`` other than ``unknown`` or
        missing (``unknown`` if none)."""
        values = pd.Categorical(self.columns[name])
        known = np.asarray(values != unknown) & ~pd.isna(values)
        picked = self.ends(np.flatnonzero(known), last=True)
        out = np.full(self.n, unknown, dtype=object)
        out[self.client[picked]] = np.asarray(values.take(picked), dtype=object)
        return out


def sort_sessions(sessions: pd.DataFrame) -> ClientRows:
    """Sort a session table (``client``, ``session`` and any other columns) by client and
    session, as integer codes: a linear check when it is sorted already."""
    client = sessions["client"]
    categorical = isinstance(client.dtype, pd.CategoricalDtype)
    codes = client.cat.codes.to_numpy() if categorical else np.empty(0, dtype=np.int64)
    usable = len(codes) > 0 and codes.min() >= 0
    starts = np.r_[True, codes[1:] != codes[:-1]] if usable else None
    session = sessions["session"].to_numpy()
    if starts is not None and np.count_nonzero(starts) == np.count_nonzero(np.bincount(codes)):
        first = codes[starts]  # each client's rows are together: number them in order
        appearance = np.zeros(len(client.cat.categories), dtype=np.int32)
        appearance[first] = np.arange(len(first))
        index, ids = appearance[codes], client.cat.categories[first]
        in_order = bool(((session[1:] > session[:-1]) | starts[1:]).all())
    else:
        index, ids = pd.factorize(client)
        in_order = False
    if in_order:
        order = None
    else:  # one integer key: client in order of appearance, then session
        key = index.astype(np.int64) * (int(session.max()) + 1 if len(session) else 1) + session
        order = None if bool((key[1:] > key[:-1]).all()) else np.argsort(key, kind="stable")
    columns = {}
    for name in sessions.columns:
        values = sessions[name].array
        if not isinstance(values, pd.Categorical):
            values = np.asarray(values)
        columns[name] = values if order is None else values.take(order)
    rows_client = index if order is None else index[order]
    if not in_order:  # where each client's rows begin, in the sorted table
        starts = np.r_[True, rows_client[1:] != rows_client[:-1]][: len(rows_client)]
    assert starts is not None  # in order only when computed above
    return ClientRows(columns, rows_client, np.asarray(ids, dtype=object), np.flatnonzero(starts))
