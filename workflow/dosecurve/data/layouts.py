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
    date_format: str | None = None
    wide_columns: tuple[tuple[str, int], ...] = ()


INTAKE_LIKE = re.compile(r"(^|[_.\s-])(pre|baseline|intake|t?0)($|[_.\s-])", re.IGNORECASE)


def wide_to_long(
    raw: pd.DataFrame,
    *,
    client: str,
    layout: Layout,
    source: str,
    attended: str | None = None,
) -> pd.DataFrame:
    """Melt a wide file's score columns into ``session`` and ``score`` rows.

    The score columns are those of ``layout.wide_columns`` (column: session, for example
    ``{bdi.pre: 0, bdi.2m: 2}``), else those matching ``layout.wide_pattern`` (its one group
    captures the session). An empty cell is a missing assessment, not an attended session:
    it adds no row (a client with no score at all keeps one, to be counted). Sessions
    attended come from the ``attended`` column when mapped (a row with no score at that
    session), else are unknown. Other columns are carried as the client's values, and each
    row keeps its file line (``__line``) for error messages. When more than half of the
    clients have no score at session 0 the run stops (an intake column the pattern missed
    would silently make a later occasion the baseline), unless ``intake: first_scored``.
    """
    occasions = _occasions(raw, layout, source)
    if attended is not None and attended not in raw.columns:
        raise ValueError(
            f"{source}: columns.sessions_attended -> '{attended}' not found; columns present: "
            f"{', '.join(map(str, raw.columns))}"
        )
    keep = [c for c in raw.columns if c not in occasions]
    frame = raw.assign(__line=np.arange(len(raw)) + 2)  # line 1 is the header
    long = frame.melt(
        id_vars=[*keep, "__line"],
        value_vars=list(occasions),
        var_name="__column",
        value_name="score",
    )
    long["session"] = long["__column"].map(occasions).astype("int64")
    long = long.drop(columns="__column")
    _check_intake(long, raw, occasions, layout, source)
    scored = long["score"].notna() & ~long["score"].astype("string").str.strip().eq("")
    none = ~scored.groupby(long["__line"]).transform("any")
    first = ~long.duplicated("__line")
    long = long[scored | (none & first)]
    if attended is not None:
        long = _add_attended(long, attended, source)
    long = long.sort_values(["__line", "session"], kind="stable")
    return long.reset_index(drop=True)


def _occasions(raw: pd.DataFrame, layout: Layout, source: str) -> dict[str, int]:
    if layout.wide_columns:
        given = dict(layout.wide_columns)
        missing = [c for c in given if c not in raw.columns]
        if missing:
            raise ValueError(
                f"{source}: wide_columns names columns not in the file: {missing}; columns "
                f"present: {', '.join(map(str, raw.columns))}"
            )
        return given
    pattern = layout.wide_pattern
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
    score_cols = {c: m.group(1) for c, m in matches.items() if m}
    if not score_cols:
        raise ValueError(
            f"{source}: no column matches wide_pattern {pattern!r}; columns present: "
            f"{', '.join(map(str, raw.columns))}"
        )
    bad = [c for c, g in score_cols.items() if g is None or not g.isdigit()]
    if bad:
        raise ValueError(
            f"{source}: wide_pattern {pattern!r} matches columns {bad} but its group captures "
            "no session number there; make the group capture digits only, or list the "
            "columns with wide_columns: {column: session, ...}"
        )
    return {c: int(g) for c, g in score_cols.items()}


def _check_intake(
    long: pd.DataFrame,
    raw: pd.DataFrame,
    occasions: Mapping[str, int],
    layout: Layout,
    source: str,
) -> None:
    if layout.intake == "first_scored":
        return
    at_intake = long.loc[long["session"] == 0]
    scored = at_intake["score"].notna() & ~at_intake["score"].astype("string").str.strip().eq("")
    lacking = len(raw) - int(scored.sum())
    if lacking * 2 <= len(raw):
        return
    like = [str(c) for c in raw.columns if c not in occasions and INTAKE_LIKE.search(str(c))]
    hint = (
        f" Columns that look like an intake but are not score columns: {like}: add them "
        "to wide_columns (column: 0) or make wide_pattern match them."
        if like
        else ""
    )
    raise ValueError(
        f"{source}: {lacking} of {len(raw)} clients have no score at session 0 (the intake), "
        f"so a later occasion would silently become their baseline.{hint} If the file "
        "really has no intake assessment, set intake: first_scored for this data set"
    )


def _add_attended(long: pd.DataFrame, column: str, source: str) -> pd.DataFrame:
    """A row without a score at each client's last attended session (sessions attended from
    ``column``), so that the dose ends there, not at the last assessment."""
    per_line = long.groupby("__line", sort=False).agg(
        attended=(column, "first"), last=("session", "max")
    )
    value = pd.to_numeric(per_line["attended"], errors="coerce")
    bad = value.isna() | (value < 0) | (value != np.floor(value))
    if bad.any():
        lines = ", ".join(str(i) for i in per_line.index[bad.to_numpy()][:5])
        raise ValueError(
            f"{source}: column '{column}' (sessions attended) is missing or not a whole number "
            f"on file lines {lines}"
        )
    short = value < per_line["last"]
    if short.any():
        lines = ", ".join(str(i) for i in per_line.index[short.to_numpy()][:5])
        raise ValueError(
            f"{source}: column '{column}' (sessions attended) is below the session of a scored "
            f"occasion on file lines {lines}; check the column or the occasions' sessions"
        )
    extra = per_line.loc[value > per_line["last"]].index
    rows = long.drop_duplicates("__line").set_index("__line").loc[extra].reset_index()
    rows = rows.assign(session=value.loc[extra].astype("int64").to_numpy(), score=np.nan)
    return pd.concat([long, rows[long.columns]], ignore_index=True)


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
        out = out.assign(date=parse_dates(out["date"], layout.date_format, source, names["date"]))
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


ISO_DATE = r"\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?"
NUMERIC_DATE = r"^(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})$"


def parse_dates(values: pd.Series, fmt: str | None, source: str, column: str) -> pd.Series:
    """Dates as the file means them. Dates stored as dates (Excel, Parquet, SPSS, Stata) and
    ISO text (2024-03-01) are read as they are; ``fmt`` (``%d/%m/%Y``) reads any other text.
    Without ``fmt``, text such as 03/01/2024 is read day-first or month-first only when a
    first or second field above 12 shows which; when every date could be either, or the
    fields contradict each other, the run stops and asks for ``date_format``."""
    if pd.api.types.is_datetime64_any_dtype(values):
        dates = values
    elif fmt:
        dates = pd.to_datetime(values, format=fmt, errors="coerce")
        _check_dates(dates, source, column, f"date_format {fmt!r}")
        return dates
    else:
        text = values.astype("string").str.strip()
        day = text.str.split(r"[ T]", n=1, regex=True).str[0]  # a time of day is left aside
        iso = text.str.fullmatch(ISO_DATE).fillna(False)
        numeric = day.str.fullmatch(NUMERIC_DATE).fillna(False)
        if iso.any() and numeric.any():
            raise ValueError(
                f"{source}: column '{column}' (date) mixes ISO dates (data rows "
                f"{_data_rows(iso)}) with dates such as {text[numeric].iloc[0]!r} (data rows "
                f"{_data_rows(numeric)}); write every date the same way"
            )
        if numeric.any():
            dates = pd.to_datetime(
                day, format=_numeric_format(day, source, column), errors="coerce"
            )
        elif iso.any():
            dates = pd.to_datetime(text.where(iso), format="ISO8601", errors="coerce")
        else:
            _numeric_format(day, source, column)  # names the format it cannot read
            dates = pd.Series(pd.NaT, index=values.index)
    _check_dates(dates, source, column, "ISO dates (2024-03-01) or date_format")
    return dates


def _numeric_format(text: pd.Series, source: str, column: str) -> str:
    parts = text.str.extract(NUMERIC_DATE)
    unread = parts[0].isna() & text.notna()
    if unread.all():
        shown = ", ".join(repr(v) for v in text[unread].unique()[:3])
        raise ValueError(
            f"{source}: column '{column}' (date) has dates such as {shown} in data rows "
            f"{_data_rows(unread)} whose format is not recognised: use ISO dates "
            "(2024-03-01) or set date_format: (for example '%d.%m.%Y') for this data set"
        )
    first, second = parts[0].astype(float), parts[2].astype(float)
    day_first, month_first = (first > 12).any(), (second > 12).any()
    sep = parts[1].dropna().iloc[0]
    year = "%Y" if parts[3].dropna().str.len().iloc[0] == 4 else "%y"
    if day_first and month_first:
        raise ValueError(
            f"{source}: column '{column}' (date) has dates whose first field is above 12 (day "
            f"first, data rows {_data_rows(first > 12)}) and others whose second is (month "
            f"first, data rows {_data_rows(second > 12)}): fix the dates, or set date_format:"
        )
    if not (day_first or month_first):
        example = text.dropna().iloc[0]
        raise ValueError(
            f"{source}: column '{column}' (date) is ambiguous: in every date both the first "
            f"and the second field are 12 or less, so {example!r} could be day first or month "
            f"first. Set date_format: '%d{sep}%m{sep}{year}' (day first) or "
            f"'%m{sep}%d{sep}{year}' (month first) for this data set"
        )
    return f"%d{sep}%m{sep}{year}" if day_first else f"%m{sep}%d{sep}{year}"


def _check_dates(dates: pd.Series, source: str, column: str, fix: str) -> None:
    bad = dates.isna()
    if bad.any():
        raise ValueError(
            f"{source}: column '{column}' (date) has missing or unreadable dates in data rows "
            f"{_data_rows(bad)}; use {fix}"
        )


def listed(numbers: np.ndarray, limit: int = 5) -> str:
    """Row or line numbers for a message: '2, 5, 9 and 3 more'.

    >>> listed(np.arange(1, 9))
    '1, 2, 3, 4, 5 and 3 more'
    """
    shown = ", ".join(str(i) for i in numbers[:limit])
    return shown + (f" and {len(numbers) - limit} more" if len(numbers) > limit else "")


def _data_rows(mask: pd.Series, limit: int = 5) -> str:
    """Row numbers for a message (1 = first row under the header); rows of a shard carry
    their data rows in the file as an index named 'row'."""
    if isinstance(mask, pd.Series) and mask.index.name == "row":
        return listed(np.unique(mask.index.to_numpy()[mask.to_numpy(dtype=bool)]), limit)
    return listed(np.flatnonzero(np.asarray(mask)) + 1, limit)
