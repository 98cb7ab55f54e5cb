"""Client shards: a large data set's rows split by a stable hash of the client id, so that
the steps reading session rows run shard by shard (in parallel, each on a fraction of the
memory), and what they find is gathered exactly.

Every row of a client lands in the same shard, so everything computed per client is the
same in a shard as in the whole file. The shard of a client is the SipHash (pandas'
``hash_array``, fixed key) of its id as validation reads it (trimmed, NFC, whole-number
floats without '.0'), modulo the number of shards: the same on every machine and run.
Rows keep their file order within a shard, and their data row number (``__row``, 1 = the
first row under the header), so that an error in a shard names the row of the file.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Sequence
from dataclasses import fields
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dosecurve.data.sessions import SessionsSummary, check_intake, id_text

ROW_COLUMN = "__row"
# shards: auto makes one shard per this many session rows (about 1.1 million clients of
# the benchmark's simulation, whose whole-table steps peak at 6 GB: README, speed)
ROWS_PER_SHARD = 50_000_000
if TYPE_CHECKING:
    from dosecurve.config import DatasetSettings

BATCH_ROWS = 1 << 21  # rows read from the file at a time while splitting


def auto_shards(rows: int) -> int:
    """The number of shards ``shards: auto`` makes of ``rows`` session rows.

    >>> auto_shards(45_000_000), auto_shards(454_000_000)
    (1, 10)
    """
    return max(1, math.ceil(rows / ROWS_PER_SHARD))


def parquet_rows(path: str) -> int:
    """A Parquet file's rows, from its footer (nothing else is read)."""
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def shard_of(ids: pd.Series, shards: int) -> np.ndarray:
    """Each row's shard (0 .. shards - 1) from its client id; a missing id goes to shard
    0, whose validation stops naming the row."""
    if shards == 1:
        return np.zeros(len(ids), dtype=np.int64)
    text, _ = id_text(ids)
    categories = np.asarray(text.cat.categories, dtype=object)
    per_id = (pd.util.hash_array(categories) % np.uint64(shards)).astype(np.int64)
    codes = text.cat.codes.to_numpy()
    return np.where(codes >= 0, per_id[np.maximum(codes, 0)], 0)


def check_ids_whole(ids: pd.Series, source: str, column: str) -> None:
    """Stop when ids read as numbers are not all whole: validation writes such ids with
    their decimals only when the whole column has some, so a shard could read '7' where the
    file reads '7.0'."""
    if pd.api.types.is_float_dtype(ids) and not (ids.dropna() % 1 == 0).all():
        raise ValueError(
            f"{source}: column '{column}' (client) holds numbers with decimals; ids are read "
            "shard by shard (shards > 1) only when they are text or whole numbers. Store the "
            "ids as text, or set shards: 1 for this data set"
        )


def split_frame(raw: pd.DataFrame, column: str, shards: int, source: str) -> list[pd.DataFrame]:
    """A table read whole, as ``shards`` tables of whole clients (rows in file order, each
    with its data row in ``__row``)."""
    check_ids_whole(raw[column], source, column)
    shard = shard_of(raw[column], shards)
    rows = raw.assign(**{ROW_COLUMN: np.arange(1, len(raw) + 1, dtype=np.int64)})
    return [rows[shard == i].reset_index(drop=True) for i in range(shards)]


def split_parquet(
    path: str, column: str, shards: int, write: Callable[[int, object], None], source: str
) -> int:
    """Stream a Parquet file a batch of rows at a time into ``shards`` parts: ``write(i,
    table)`` is given each batch's rows of shard i (Arrow tables, in file order, with
    ``__row``). Memory is that of one batch. Returns the rows read."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    file = pq.ParquetFile(path, pre_buffer=False)
    if column not in file.schema_arrow.names:
        return -1  # the shard's validation names the missing column
    done = 0
    for batch in file.iter_batches(batch_size=BATCH_ROWS):
        ids = _ids(batch.column(column))
        check_ids_whole(ids, source, column)
        shard = shard_of(ids, shards)
        order = np.argsort(shard, kind="stable")
        table = pa.Table.from_batches([batch]).append_column(
            ROW_COLUMN, pa.array(np.arange(done + 1, done + 1 + len(batch), dtype=np.int64))
        )
        table = table.take(pa.array(order))
        bounds = np.searchsorted(shard[order], np.arange(shards + 1))
        for i in range(shards):
            write(i, table.slice(int(bounds[i]), int(bounds[i + 1] - bounds[i])))
        done += len(batch)
    return done


def _ids(values) -> pd.Series:
    """A batch's ids: text as a categorical of its distinct ids (encoded by Arrow, so that
    only those become Python text), anything else as pandas reads it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return values.to_pandas()
    encoded = pc.dictionary_encode(values)
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    categories = pd.Index(encoded.dictionary.to_pandas(), dtype=object)
    return pd.Series(pd.Categorical.from_codes(codes, categories, validate=False))


def gather_summaries(
    summaries: Sequence[SessionsSummary], *, check: bool, source: str
) -> SessionsSummary:
    """The whole file's validation summary from its shards' (every count adds up: a client
    is in one shard); with ``check``, the intake check validation leaves to the whole file."""
    total: dict[str, Any] = {}
    for f in fields(SessionsSummary):
        values = [getattr(s, f.name) for s in summaries]
        total[f.name] = None if all(v is None for v in values) else sum(v or 0 for v in values)
    summary = SessionsSummary(**total)
    if check:
        check_intake(
            {
                "clients_without_intake_score": summary.clients_without_intake_score,
                "clients_scored": summary.clients_scored,
            },
            source,
        )
    return summary


def summary_frame(summary: SessionsSummary) -> pd.DataFrame:
    """A shard's summary as a one-row table (kept beside the shard, unsuppressed)."""
    return pd.DataFrame([{f.name: getattr(summary, f.name) for f in fields(SessionsSummary)}])


def summary_of(frame: pd.DataFrame) -> SessionsSummary:
    """``summary_frame`` read back."""
    row = frame.iloc[0]
    names = [f.name for f in fields(SessionsSummary)]
    values: dict[str, Any] = {k: None if pd.isna(row[k]) else int(row[k]) for k in names}
    return SessionsSummary(**values)


def gather_clients(parts: Sequence[pd.DataFrame], definitions: Sequence[str] = ()) -> pd.DataFrame:
    """Client-level tables of the shards (events: one row per client, or per client and
    definition) as one, in the order the whole file gives: ``definitions`` in their order,
    clients within each in the text order of their ids."""
    from dosecurve.data.idcodes import text_order

    table = pd.concat(parts, ignore_index=True)
    keys = [text_order(table["client"])]
    if "definition" in table:
        order = {d: i for i, d in enumerate(definitions)}
        keys.append(table["definition"].map(order).to_numpy())
    return table.iloc[np.lexsort(keys)].reset_index(drop=True)


def shard_count(settings: DatasetSettings) -> int:
    """The number of shards a data set is read in: its ``shards``, or with ``auto`` one per
    ``ROWS_PER_SHARD`` rows of a Parquet file (read from the footer; other files and
    simulated data sets: 1). Raise ``ValueError`` naming the key where shards cannot be
    read exactly."""
    from dosecurve.data.readers import file_format

    s = settings
    if s.kind == "pooled":
        if s.shards not in (None, 1):
            raise ValueError(
                "shards: a pooled data set stacks its members' session tables; set shards on "
                "its members instead"
            )
        return 1
    n = s.shards
    if n is None:
        n = 1
        if s.kind == "file" and s.path is not None and os.path.exists(s.path):
            if file_format(s.path, s.reader.get("fmt")) == "parquet":
                n = auto_shards(parquet_rows(s.path))
    if n > 1 and s.layout.layout == "wide":
        raise ValueError(
            f"shards: {n}: a wide file (one row per client) is read whole; set shards: 1, or "
            "give the file in long form"
        )
    if n > 1 and s.layout.session_from == "date" and s.layout.date_format is None:
        raise ValueError(
            f"shards: {n}: dates are read shard by shard, and each shard would guess on its own "
            "whether 03/01/2024 is day or month first; set date_format (for example %Y-%m-%d)"
        )
    return n


def gather_sessions(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The shards' validated session tables as the whole file's: rows sorted by client (in
    the text order of the ids) and session, id columns categoricals of sorted values."""
    from pandas.api.types import union_categoricals

    from dosecurve.data.idcodes import text_order
    from dosecurve.data.sessions import SORTED_IDS, sorted_categories

    columns = {}
    for column in parts[0].columns:
        values = [p[column] for p in parts]
        if column in SORTED_IDS and isinstance(values[0].dtype, pd.CategoricalDtype):
            merged = union_categoricals([v.array for v in values], ignore_order=True)
            columns[column] = sorted_categories(pd.Series(merged))
        else:
            columns[column] = pd.concat(values, ignore_index=True)
    table = pd.DataFrame(columns)
    client, session = text_order(table["client"]), table["session"].to_numpy()
    order = np.lexsort((session, client))
    return table.iloc[order].reset_index(drop=True)


def as_arrow(parts: Sequence[pd.DataFrame]):
    """Shards of a table read whole as Arrow tables of one schema (text columns holding
    other values too, as a CSV column with a stray word does, as text: validation names
    them)."""
    import pyarrow as pa

    whole = pd.concat(parts, keys=range(len(parts)), names=["__shard", None])
    mixed = {c: "string" for c in whole.columns if whole[c].dtype == object}
    table = pa.Table.from_pandas(whole.astype(mixed).reset_index(level=0), preserve_index=False)
    shard = table.column("__shard").to_numpy()
    table = table.drop_columns("__shard")
    bounds = np.searchsorted(shard, np.arange(len(parts) + 1))
    return [table.slice(int(a), int(b - a)) for a, b in pairwise(bounds)]


def validate_dataset(raw: pd.DataFrame, settings: DatasetSettings, *, whole_file: bool = True):
    """``validate_sessions`` with a data set's settings: the whole file (the sessions step)
    or one shard of it (``whole_file=False``)."""
    from dosecurve.data.sessions import validate_sessions

    s = settings
    return validate_sessions(
        raw,
        columns=dict(s.columns),
        source=s.path or "simulated appointments",
        instrument=s.instrument,
        second_instrument=s.second_instrument,
        end_reasons=s.end_reasons,
        layout=s.layout,
        max_sessions=s.max_sessions,
        whole_file=whole_file,
    )


def split_file(path: str, settings: DatasetSettings, shards: int, write) -> int:
    """Split a data set's file into ``shards`` parts of whole clients (``write(i, table)``
    is given each part's Arrow rows): a Parquet file streamed a batch at a time, any other
    format read whole with every check of the reader. Returns the rows read."""
    from dosecurve.data.readers import file_format, read_table

    source, client = settings.path or path, settings.columns["client"]
    if file_format(path, settings.reader.get("fmt")) == "parquet":
        return split_parquet(path, client, shards, write, source)
    frame = read_table(path, **settings.reader)
    for i, table in enumerate(as_arrow(split_frame(frame, client, shards, source))):
        write(i, table)
    return len(frame)
