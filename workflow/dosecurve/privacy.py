"""Small-cell suppression for the published tables, report and figures.

With ``privacy.min_cell`` set to ``k``, every count from 1 to ``k - 1`` in a summary
table is shown as ``"<k"`` (zero stays zero: it discloses no one), and so is a
percentage computed from such a count. Client-level files (``sessions.parquet``,
``events.parquet``) are not summary tables and stay inside the user's secure environment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COUNT_COLUMNS = (
    "n",
    "events",
    "at_risk",
    "censored",
    "clients_read",
    "clients_used",
    "cum_improved",
    "cum_censored",
    "dropouts",
    "n_clients",
    "n_rows",
    "n_improved",
)
# a percentage (and its interval) built on a hidden count is hidden with it
PERCENT_COLUMNS = ("percent",)
PERCENT_LIMITS = ("ci_lower", "ci_upper")
# percentiles of fewer scores than min_cell describe those few clients
QUANTILE_COLUMNS = ("p10", "p50", "p90")
# Estimates read off fewer clients than min_cell at risk are hidden with their count: a
# proportion improved among three clients at risk tells about those three.
AT_RISK_ESTIMATES = ("improved", "probability", "ci_lower", "ci_upper")
# In a table of estimates with their own count (``tables/estimands.csv``: one ``value`` per
# row, ``n`` the clients it is read from), the estimate and its limits are hidden with it.
ROW_ESTIMATES = ("value", "ci_lower", "ci_upper")


def suppress(table: pd.DataFrame, min_cell: int | None) -> pd.DataFrame:
    """Replace small counts (and the percentages built on them) with ``"<min_cell"``.

    Every table, figure's data and sentence of dosecurve's outputs passes through here
    (the adapters' ``write_csv``). Text already in a count column (``"<5"``, from a table
    suppressed before) is kept as it is.

    >>> suppress(pd.DataFrame({"n": [0, 3, 12]}), 5)["n"].tolist()
    ['0', '<5', '12']
    >>> suppress(pd.DataFrame({"n": ["<5", 7]}), 5)["n"].tolist()
    ['<5', '7']
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
        shown = [
            str(raw) if np.isnan(v) and isinstance(raw, str) else "" if np.isnan(v) else str(int(v))
            for v, raw in zip(values, out[column], strict=True)
        ]
        out[column] = pd.Series(shown, index=out.index, dtype=object).where(~small, label)
    for column in PERCENT_COLUMNS:
        if column in out:
            out[column] = out[column].astype(object).where(~hidden, label)
            for limit in PERCENT_LIMITS:
                if limit in out:
                    out[limit] = out[limit].astype(object).where(~hidden, label)
    for column in QUANTILE_COLUMNS:
        if column in out:
            out[column] = out[column].astype(object).where(~hidden, label)
    if "value" in out:
        for column in ROW_ESTIMATES:
            if column in out:
                out[column] = out[column].astype(object).where(~hidden, label)
    if "at_risk" in out:
        at_risk = pd.to_numeric(table["at_risk"], errors="coerce")
        few = (at_risk > 0) & (at_risk < min_cell)
        for column in AT_RISK_ESTIMATES:
            if column in out:
                out[column] = out[column].astype(object).where(~few, label)
    return out


def count_text(value: object) -> str:
    """A count read back from a (possibly suppressed) table, as text for display."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def is_zero(value: object) -> bool:
    """Whether a (possibly suppressed) count is zero."""
    return count_text(value) == "0"
