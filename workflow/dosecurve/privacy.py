"""Small-cell suppression for the published tables, report and figures.

With ``privacy.min_cell`` set to ``k``, every count from 1 to ``k - 1`` in a summary
table is shown as ``"<k"`` (zero stays zero: it discloses no one), and so is a
percentage computed from such a count. Client-level files (``sessions.parquet``,
``events.parquet``) are not summary tables and stay inside the user's secure environment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COUNT_COLUMNS = ("n", "events", "at_risk", "censored", "clients_read", "clients_used",
                 "cum_improved", "cum_censored", "dropouts")  # fmt: skip
PERCENT_COLUMNS = ("percent",)


def suppress(table: pd.DataFrame, min_cell: int | None) -> pd.DataFrame:
    """Replace small counts (and the percentages built on them) with ``"<min_cell"``.

    >>> suppress(pd.DataFrame({"n": [0, 3, 12]}), 5)["n"].tolist()
    ['0', '<5', '12']
    """
    if not min_cell:
        return table
    out = table.copy()
    hidden = pd.Series(False, index=out.index)
    label = f"<{int(min_cell)}"
    for column in COUNT_COLUMNS:
        if column not in out:
            continue
        values = pd.to_numeric(out[column], errors="coerce")
        small = (values > 0) & (values < min_cell)
        hidden |= small
        shown = values.map(lambda v: "" if np.isnan(v) else str(int(v)))
        out[column] = shown.where(~small, label)
    for column in PERCENT_COLUMNS:
        if column in out:
            out[column] = out[column].astype(object).where(~hidden, label)
    return out


def count_text(value: object) -> str:
    """A count read back from a (possibly suppressed) table, as text for display."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_zero(value: object) -> bool:
    """Whether a (possibly suppressed) count is zero."""
    return count_text(value) == "0"
