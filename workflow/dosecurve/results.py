"""The workflow's result files, read and written here and nowhere else.

* Client-level intermediates (sessions, events) are Parquet with narrow types, one row group,
  ids dictionary-encoded; they are read back as stored, ids as categoricals.
* Tables are CSV, read back with their text columns as text and only empty cells missing (a
  stratum named "1" stays "1", a note reading "NA" stays "NA").
* Every file is written to a temporary name beside its own and moved into place, so an
  interrupted run never leaves half a file under the final name.
* A step's log is one file: what the step reports is appended to it, and so is any error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

# Text columns of the session table read back as categoricals: one code per row instead
# of one text object, which halves the memory of a 40-million-row table.
SESSION_IDS = ("client", "therapist", "end_reason")


def narrow_integers(table: pd.DataFrame) -> pd.DataFrame:
    """64-bit integer columns as 32-bit where every value fits (nullable stays nullable).

    >>> narrow_integers(pd.DataFrame({"s": [1, 2]}))["s"].dtype
    dtype('int32')
    """
    narrow = {
        c: "Int32" if str(table[c].dtype) == "Int64" else "int32"
        for c in table.columns
        if str(table[c].dtype) in ("int64", "Int64")
        and (table[c].isna().all() or np.abs(table[c]).max() < 2**31)
    }
    return table.astype(narrow)


def row_group_size(table: pd.DataFrame) -> int:
    """Rows per Parquet row group: the whole table in one. Each row group stores its own
    copy of a categorical column's dictionary (a million client ids), so the default of a
    group per million rows made writing and reading grow with clients x rows; the steps
    read the whole table anyway.

    >>> row_group_size(pd.DataFrame({"s": []}))
    1
    """
    return max(len(table), 1)


# Columns of the result tables that hold names, never numbers.
TEXT_COLUMNS = (
    "client",
    "stratum",
    "stratum_a",
    "stratum_b",
    "group",
    "grouping",
    "dataset",
    "therapist",
    "definition",
    "model",
    "term",
    "test",
    "method",
    "category",
    "status",
    "source",
    "note",
)


def read_table(path: str) -> pd.DataFrame:
    """A result table (CSV) with its text columns as text and only empty cells missing."""
    # one read: pandas ignores the types of columns a table does not have
    text = dict.fromkeys(TEXT_COLUMNS, str)
    table = pd.read_csv(path, dtype=text, keep_default_na=False, na_values=[""])
    # a text column with no value at all (no notes) stays as pandas reads it: all missing
    present = [c for c in TEXT_COLUMNS if c in table.columns]
    empty = [c for c in present if len(table) and table[c].isna().all()]
    return table.astype(dict.fromkeys(empty, float)) if empty else table


def read_frame(
    path: str, categorical: Sequence[str] = (), columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """A client-level intermediate (Parquet) as stored (only ``columns`` when given);
    ``categorical`` columns stored as plain text are read as categoricals too."""
    from dosecurve.data.readers import read_parquet

    return read_parquet(path, categorical, columns)


def read_sessions(path: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The validated session table (only ``columns`` when given), ids as categoricals."""
    return read_frame(path, SESSION_IDS, columns)


def read_events(
    path: str,
    clients: bool = False,
    columns: Sequence[str] | None = None,
    categorical: Sequence[str] = (),
) -> pd.DataFrame:
    """Events (``events.parquet``), without the client ids unless ``clients``: a step that
    counts or models clients never needs their names, and ten million unique ids are half of
    what reading the table costs (1.6 GB instead of 3.2 GB, 3 s instead of 10 s). Only
    ``columns`` when given (those the file has); ``categorical`` text columns as categoricals."""
    import pyarrow.parquet as pq

    names = pq.read_schema(path).names
    wanted = [c for c in names if (clients or c != "client") and (columns is None or c in columns)]
    return read_frame(path, categorical, columns=wanted)


def read_bytes(path: str) -> bytes:
    """A file's bytes (a figure to embed)."""
    with open(path, "rb") as fh:
        return fh.read()


def read_result(path: str) -> pd.DataFrame:
    """Any result file, by its extension."""
    return read_frame(path) if path.endswith(".parquet") else read_table(path)


def read_results(paths: Mapping[str, Any], clients: bool = True) -> dict[str, Any]:
    """A step's inputs by key (``dosecurve.outputs``): the session table as
    ``read_sessions`` reads it, the events as ``read_events`` (with their client ids when
    ``clients``), every other file as ``read_result``; a key given a list of files (a part
    of each shard, ``dosecurve.parts``) as a list of tables."""

    def read(key: str, path: Any) -> Any:
        if not isinstance(path, str | os.PathLike):
            return [read_result(str(p)) for p in path]
        if key == "events":
            return read_events(str(path), clients)
        return read_sessions(str(path)) if key == "sessions" else read_result(str(path))

    return {key: read(key, path) for key, path in paths.items()}


def write_table(table: pd.DataFrame, path: str) -> None:
    """Write a table whole or not at all: Parquet (integers narrowed to 32 bits where they
    fit, text dictionary-encoded, one row group) for client-level intermediates, else CSV."""
    if path.endswith(".parquet"):
        narrow = narrow_integers(table)
        whole(
            lambda p: narrow.to_parquet(p, index=False, row_group_size=row_group_size(narrow)),
            path,
        )
    else:
        whole(lambda p: table.to_csv(p, index=False), path)


class PartWriter:
    """Arrow files written a batch at a time (a data set's shards of rows: ``write(i,
    table)`` appends Arrow rows to file i), LZ4-compressed: about five times faster to write
    than Parquet, for files read once by the next step. Each file is moved into place by
    ``close()`` only, so an interrupted split leaves no part under its final name. A part
    given no rows is written empty, with the columns of the others."""

    def __init__(self, paths: Sequence[str]) -> None:
        self.paths = list(paths)
        self.writers: list[Any] = [None] * len(self.paths)
        self.schema: Any = None

    def write(self, i: int, table: Any) -> None:
        import pyarrow as pa

        if self.writers[i] is None:
            self.schema = self.schema or table.schema
            options = pa.ipc.IpcWriteOptions(compression="lz4")
            self.writers[i] = pa.ipc.new_file(
                f"{self.paths[i]}.partial", self.schema, options=options
            )
        if table.num_rows:
            self.writers[i].write_table(table.cast(self.schema))

    def close(self) -> None:
        if self.schema is None:
            raise ValueError("no rows were split into shards")
        for i, path in enumerate(self.paths):
            if self.writers[i] is None:
                self.write(i, self.schema.empty_table())
            self.writers[i].close()
            os.replace(f"{path}.partial", path)


def read_rows(path: str, text_columns: Sequence[str] = ()) -> pd.DataFrame:
    """A part written by ``PartWriter``, ``text_columns`` as categoricals (one code per row,
    as ``read_frame`` reads ids)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    with pa.memory_map(path) as source:
        table = pa.ipc.open_file(source).read_all()
    for name in text_columns:
        if name in table.column_names and pa.types.is_string(table.schema.field(name).type):
            column = table.schema.get_field_index(name)
            table = table.set_column(column, name, pc.dictionary_encode(table[name]))
    return table.to_pandas()


def write_text(text: str, path: str) -> None:
    """Write text (an HTML page, a paper table) whole or not at all."""

    def write(partial: str) -> None:
        with open(partial, "w", encoding="utf-8") as fh:
            fh.write(text)

    whole(write, path)


def save_figure(fig: Any, path: str, **options: Any) -> None:
    """Save a matplotlib figure whole or not at all, in the format of the file's extension."""
    fmt = os.path.splitext(path)[1].lstrip(".")
    whole(lambda partial: fig.savefig(partial, format=fmt, **options), path)


def whole(write: Callable[[str], Any], path: str) -> None:
    """Run ``write`` on a temporary path beside ``path``, then move the file into place."""
    partial = f"{path}.partial"
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def start_log(path: str) -> None:
    """Begin a step's log empty, and append any uncaught error's type and message to it (and
    still print it), so that Snakemake's "check log file(s) for error details" finds it."""
    with open(path, "w", encoding="utf-8"):
        pass

    def hook(exc_type: Any, exc: BaseException, tb: Any) -> None:
        log(path, f"{exc_type.__name__}: {exc}")
        sys.__excepthook__(exc_type, exc, tb)

    sys.excepthook = hook


def log(path: str, text: str) -> None:
    """Append a line (or lines) to a step's log."""
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(text.rstrip("\n") + "\n")
