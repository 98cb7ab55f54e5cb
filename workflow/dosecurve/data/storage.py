"""How client-level intermediates are stored: Parquet with narrow types (the adapters
write the files; this module only decides the types)."""

from __future__ import annotations

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
