"""Turning the shapes researchers' files come in into the long session table.

* ``wide``: one row per client, one score column per occasion; a regular expression
  with one group picks the score columns and captures the session number
  (``score_(\\d+)``).
* ``session_from: session``: the file gives the dose (sessions attended) directly.
* ``session_from: date``: each row is an attended session with its date; the dose is the
  number of attended sessions up to that date.
* ``session_from: appointments``: each row is a booked appointment with an attended
  flag, ordered by date (or by the session column); missed appointments add no dose, and
  a score recorded at a missed appointment is dropped and counted.

With ``intake: session_0`` (default) the client's first row is the intake assessment,
dose 0; with ``intake: first_session`` the first attended row is session 1.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

ATTENDED = ("1", "1.0", "true", "yes", "y", "attended", "present")
MISSED = ("0", "0.0", "false", "no", "n", "missed", "dna", "cancelled", "absent")


@dataclass(frozen=True)
class Layout:
    """How a file's rows and columns map onto client, session and score."""

    layout: str = "long"
    wide_pattern: str = r"score_(\d+)"
    session_from: str = "session"
    intake: str = "session_0"

    @classmethod
    def from_config(cls, ds: Mapping[str, Any]) -> Layout:
        """The layout settings of a data set's config section (defaults filled)."""
        return cls(
            layout=ds.get("layout", "long"),
            wide_pattern=ds.get("wide_pattern", r"score_(\d+)"),
            session_from=ds.get("session_from", "session"),
            intake=ds.get("intake", "session_0"),
        )


def wide_to_long(raw: pd.DataFrame, *, client: str, pattern: str, source: str) -> pd.DataFrame:
    """Melt the score columns matching ``pattern`` into ``session`` and ``score``.

    Other columns are carried along as the client's values.
    """
    try:
        regex = re.compile(pattern)
    except re.error as err:
        raise ValueError(
            f"wide_pattern {pattern!r} is not a valid regular expression: {err}"
        ) from None
    if regex.groups != 1:
        raise ValueError(
            f"wide_pattern {pattern!r} needs exactly one group capturing the session number, "
            r"for example 'phq_(\d+)'"
        )
    matches = {c: regex.fullmatch(str(c)) for c in raw.columns}
    score_cols = [c for c, m in matches.items() if m]
    if not score_cols:
        raise ValueError(
            f"{source}: no column matches wide_pattern {pattern!r}; columns present: "
            f"{', '.join(map(str, raw.columns))}"
        )
    bad = [c for c in score_cols if not matches[c].group(1).isdigit()]
    if bad:
        raise ValueError(f"{source}: wide_pattern captures a non-number in columns {bad}")
    keep = [c for c in raw.columns if c not in score_cols]
    long = raw.melt(id_vars=keep, value_vars=score_cols, var_name="__column", value_name="score")
    long["session"] = long["__column"].map(lambda c: int(matches[c].group(1)))
    long = long.drop(columns="__column").sort_values([client, "session"], kind="stable")
    return long.reset_index(drop=True)


def parse_attended(values: pd.Series, source: str, column: str) -> pd.Series:
    """Read an attended flag (1/0, yes/no, true/false, attended/missed, DNA ...)."""
    text = values.astype("string").str.strip().str.lower()
    attended = text.isin(ATTENDED)
    unknown = ~attended & ~text.isin(MISSED)
    if unknown.any():
        shown = ", ".join(repr(v) for v in values[unknown].astype(str).unique()[:5])
        raise ValueError(
            f"{source}: column '{column}' (attended) has values {shown} that are neither "
            f"attended ({', '.join(ATTENDED)}) nor missed ({', '.join(MISSED)})"
        )
    return attended.astype(bool)


def number_sessions(
    out: pd.DataFrame, layout: Layout, *, names: Mapping[str, str], source: str
) -> tuple[pd.DataFrame, int]:
    """Give every row its dose (``session``); returns the table and the number of scores
    dropped because they were recorded at missed appointments."""
    if layout.session_from == "session":
        return out, 0
    order = "date" if "date" in out else "session"
    if order == "date":
        dates = pd.to_datetime(out["date"], errors="coerce")
        bad = dates.isna()
        if bad.any():
            rows = ", ".join(str(i + 1) for i in np.flatnonzero(bad.to_numpy())[:5])
            raise ValueError(
                f"{source}: column '{names['date']}' (date) has missing or unreadable dates in "
                f"data rows {rows}; use ISO dates (2024-03-01)"
            )
        out = out.assign(date=dates)
    out = out.sort_values(["client", order], kind="stable")
    dropped = 0
    if layout.session_from == "appointments":
        attended = parse_attended(out["attended"], source, names["attended"])
        dropped = int((~attended & out["score"].notna()).sum())
        out = out[attended.to_numpy()]
        counted = out.groupby("client", sort=False, observed=True).cumcount() + 1
    else:  # date: every row is an attended session; same date, same session
        counted = (
            out.groupby("client", sort=False, observed=True)["date"]
            .rank(method="dense")
            .astype(int)
        )
    offset = 1 if layout.intake == "session_0" else 0
    out = out.assign(session=(counted - offset).astype("int64"))
    return out.drop(columns=[c for c in ("date", "attended") if c in out]), dropped
