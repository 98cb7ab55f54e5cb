"""Validate a long session table: one row per client per assessment.

The validated table is sorted by client and session and has the columns ``client``
(text ids, held as a categorical, as are ``therapist`` and ``end_reason``), ``session``
(integer dose: sessions attended up to and including the assessment; 0 = intake),
``score`` (float, missing allowed) and, when mapped, ``therapist``, ``end_reason``
(planned, dropout, ongoing or unknown), ``score_2`` (a second outcome) and covariates
under their own names. Rows with a missing score are kept, so that a client whose every
score is missing is still counted in the flow; exact duplicate rows are dropped and
counted. Anything that cannot be put right by a documented rule raises ``ValueError``
naming the file, column and rows.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dosecurve.data.idcodes import per_distinct, sorted_keys, text_order
from dosecurve.data.layouts import Layout, listed, number_sessions, wide_to_long
from dosecurve.measures.instruments import Instrument

REQUIRED = ("client", "session", "score")
OPTIONAL = ("therapist", "end_reason", "score_2", "date", "attended")
END_REASONS = ("planned", "dropout", "ongoing")
MAX_SESSIONS = 1000  # a session number above this is a data error (a date typed as a session)


@dataclass(frozen=True)
class SessionsSummary:
    """What validation did, for the log and the report."""

    rows_read: int
    clients_read: int
    duplicate_rows_dropped: int
    rows_missing_score: int
    missed_assessments_dropped: int = 0
    clients_without_intake_score: int = 0
    ids_normalised: int = 0
    rows_without_therapist: int | None = None
    clients_scored: int = 0  # clients with any score (for the intake check); not listed

    def checks(self) -> pd.DataFrame:
        """The recoverable problems found and the documented decision for each."""
        rows = [
            ("rows read", self.rows_read, "all rows of the file, in long form"),
            ("clients read", self.clients_read, "every one is counted in flow.csv"),
            ("exact duplicate rows", self.duplicate_rows_dropped, "dropped: one copy kept"),
            (
                "rows with a missing score",
                self.rows_missing_score,
                "kept as attended sessions without an assessment",
            ),
            (
                "scores at missed appointments",
                self.missed_assessments_dropped,
                "dropped: a missed appointment adds no dose",
            ),
            (
                "clients without an intake score",
                self.clients_without_intake_score,
                "baseline taken from their first scored assessment",
            ),
            (
                "ids with surrounding spaces or another Unicode form",
                self.ids_normalised,
                "trimmed and normalised (NFC): 'A', 'A ' and ' A' are one id",
            ),
        ]
        if self.rows_without_therapist is not None:
            rows.append(
                (
                    "rows without a therapist",
                    self.rows_without_therapist,
                    "therapist unknown: each such client is its own cluster",
                )
            )
        return pd.DataFrame(rows, columns=["check", "n", "decision"])


def id_text(values: pd.Series, *, blank_is_missing: bool = False) -> tuple[pd.Series, int]:
    """Ids as text, trimmed of surrounding white space (non-breaking spaces too) and in
    Unicode's composed form (NFC), so that 'A', 'A ' and an id typed on another system are
    one id; whole-number floats (as SPSS and Stata store ids) lose their '.0'. Returns the
    ids (a categorical; converted once per distinct id) and how many distinct ids changed.
    With ``blank_is_missing`` an empty id is missing (an unknown therapist), never an id
    called '' or 'nan'."""
    if pd.api.types.is_float_dtype(values) and values.notna().all() and (values % 1 == 0).all():
        values = values.astype("int64")
    changed = 0

    def normalise(uniques: pd.Series) -> pd.Series:
        nonlocal changed
        text = uniques.astype(str)
        clean = text.map(lambda v: unicodedata.normalize("NFC", v.strip()))
        changed = int((clean != text).sum())
        return clean.where(clean != "", None) if blank_is_missing else clean

    ids = per_distinct(values, normalise, missing=np.nan if blank_is_missing else "nan")
    return ids, changed


def _rows(mask: pd.Series | np.ndarray, limit: int = 5) -> str:
    """Where ``mask`` is true: 'data rows 1, 4' (1 = first row under the header), or 'file
    lines 2, 5' when the rows carry their file lines as index (wide files, one line per
    client, melted into several rows each). Rows that carry their data row as index (a
    shard of the file, ``dosecurve.data.shards``) are named by it."""
    if isinstance(mask, pd.Series) and mask.index.name in ("line", "row"):
        idx = np.unique(mask.index.to_numpy()[mask.to_numpy(dtype=bool)])
        noun = "file lines" if mask.index.name == "line" else "data rows"
    else:
        idx = np.flatnonzero(np.asarray(mask)) + 1
        noun = "data rows"
    return f"{noun} {listed(idx, limit)}"


def _clients(values: Sequence[object], limit: int = 5) -> str:
    uniq = list(dict.fromkeys(str(v) for v in values))
    shown = ", ".join(uniq[:limit])
    return shown + (f" and {len(uniq) - limit} more" if len(uniq) > limit else "")


def validate_sessions(
    raw: pd.DataFrame,
    *,
    columns: Mapping[str, Any],
    instrument: Instrument,
    source: str,
    second_instrument: Instrument | None = None,
    end_reasons: Mapping[str, Sequence[str]] | None = None,
    layout: Layout | None = None,
    max_sessions: int = MAX_SESSIONS,
    whole_file: bool = True,
) -> tuple[pd.DataFrame, SessionsSummary]:
    """Check a raw long table and return the validated session table.

    Parameters
    ----------
    raw : the table as read, one row per client per assessment.
    columns : maps ``client``, ``session``, ``score`` (and optionally ``therapist``,
        ``end_reason``, ``score_2`` and a list ``covariates``) to column names in ``raw``.
    instrument : gives the valid score range (``second_instrument`` that of ``score_2``).
    end_reasons : maps planned, dropout and ongoing to the values the file uses.
    layout : long or wide, and how the session (dose) is numbered.
    source : file name (or data set label) used in error messages.
    max_sessions : the largest plausible session number; a larger one stops the run.
    whole_file : False for one shard of the file (``dosecurve.data.shards``): its rows carry
        their data row numbers in ``__row`` (errors name them), and the check that needs
        every client (most clients without an intake score) is left to ``check_shards``.
    """
    if raw.shape[0] == 0:
        raise ValueError(f"{source}: the table has no rows; check the file and its delimiter")
    columns, layout = dict(columns), layout or Layout()
    if layout.layout == "wide":
        raw = wide_to_long(
            raw,
            client=columns["client"],
            layout=layout,
            source=source,
            attended=columns.get("sessions_attended"),
        )
        columns.update(session="session", score="score")
    if "sessions_attended" in columns and layout.layout != "wide":
        raise ValueError(
            "columns.sessions_attended is read with layout: wide (in a long file the last "
            "session row is the last session attended): remove it"
        )
    needed = {"session": ("session",), "date": ("date",), "appointments": ("attended",)}
    required = ("client", "score", *needed[layout.session_from])
    missing_keys = [k for k in required if k not in columns]
    if layout.session_from == "appointments" and not ({"date", "session"} & set(columns)):
        missing_keys.append("date (or session, the appointment number)")
    if missing_keys:
        raise ValueError(
            f"{source}: columns.{' and columns.'.join(missing_keys)} must be mapped for "
            f"layout {layout.layout} with session_from {layout.session_from}"
        )
    mapped = {k: columns[k] for k in (*REQUIRED, *OPTIONAL) if k in columns}
    covariates = list(columns.get("covariates", []))
    clash = [c for c in covariates if c in (*REQUIRED, *OPTIONAL)]
    if clash:
        raise ValueError(f"columns.covariates may not use the reserved names {clash}")
    mapped.update({c: c for c in covariates})
    missing = [f"{k} -> '{v}'" for k, v in mapped.items() if v not in raw.columns]
    if missing:
        raise ValueError(
            f"{source}: mapped column(s) not found: {'; '.join(missing)}. Columns present: "
            f"{', '.join(map(str, raw.columns))}. Fix 'columns:' for this data set in the config."
        )
    out = pd.DataFrame({k: raw[v].array for k, v in mapped.items()}, copy=False)
    if "__line" in raw:  # wide files: errors name the client's line of the file
        out.index = pd.Index(raw["__line"].to_numpy(), name="line")
    data_rows = raw["__row"].to_numpy() if "__row" in raw else None  # a shard's rows
    if data_rows is not None:
        out.index = pd.Index(data_rows, name="row")
    bad_client = out["client"].isna()
    if bad_client.any():
        raise ValueError(f"{source}: column '{mapped['client']}' is empty in {_rows(bad_client)}")
    client, changed = id_text(out["client"])
    checked = {"client": client}  # checked columns, not copied into `out`
    if "session" in out:
        checked["session"] = _check_sessions(out, mapped["session"], source, max_sessions)
    checked["score"] = _check_scores(out, mapped["score"], instrument, source)
    if "score_2" in out:
        if second_instrument is None:
            raise ValueError("columns.score_2 is mapped: set second_instrument for this data set")
        checked["score_2"] = _check_scores(
            out, mapped["score_2"], second_instrument, source, "score_2"
        )
    no_therapist = None
    if "therapist" in out:
        checked["therapist"], changed_t = id_text(out["therapist"], blank_is_missing=True)
        changed += changed_t
        no_therapist = int(checked["therapist"].isna().sum())
    for name in covariates:
        _check_finite(out[name], name, source)
    if "end_reason" in out:
        checked["end_reason"] = map_end_reasons(out["end_reason"], end_reasons or {}, source)
    out = pd.DataFrame({k: checked.get(k, out[k]) for k in out.columns}, copy=False)
    n_raw = len(out)
    out.index = pd.RangeIndex(n_raw) if data_rows is None else pd.Index(data_rows, name="row")
    out, missed = number_sessions(out, layout, names=mapped, source=source)
    if data_rows is not None:  # positions in the shard, as in a whole file
        out.index = np.searchsorted(data_rows, out.index.to_numpy())
    n_rows = len(out)
    order, repeated = sorted_keys(out)
    if repeated:  # rare: drop whole rows repeated, refuse conflicting repeats
        out = out.drop_duplicates()
        client_code = text_order(out["client"])
        key = client_code.astype(np.int64) * (int(out["session"].max()) + 1) + out["session"]
        dup_conflict = pd.Series(key.to_numpy(), index=out.index).duplicated(keep=False)
        if dup_conflict.any():
            in_raw = pd.Series(np.zeros(n_raw, dtype=bool), index=_named(data_rows, n_raw))
            in_raw.iloc[out.index[dup_conflict]] = True
            raise ValueError(
                f"{source}: the same client and session appear with different values (clients "
                f"{_clients(out.loc[dup_conflict, 'client'])}; {_rows(in_raw)}). "
                "Keep one assessment per client and session."
            )
        order, _ = sorted_keys(out)
    if order is not None:
        out = out.iloc[order]
    out.index = pd.RangeIndex(len(out))
    if len(out) < n_raw:  # ids kept as categoricals: drop those no row uses any more
        for column in ("client", "therapist"):
            if column in out:
                out[column] = out[column].cat.remove_unused_categories()
    for column in SORTED_IDS:  # whatever order the file gave, the same dictionary
        if column in out:
            out[column] = sorted_categories(out[column])
    counts = _client_counts(out)
    if whole_file and layout.session_from == "session" and layout.intake != "first_scored":
        check_intake(counts, source)
    summary = SessionsSummary(
        rows_read=n_rows + missed,
        duplicate_rows_dropped=n_rows - len(out),
        rows_missing_score=int(out["score"].isna().sum()),
        missed_assessments_dropped=missed,
        ids_normalised=changed,
        rows_without_therapist=no_therapist,
        clients_read=counts["clients_read"],
        clients_without_intake_score=counts["clients_without_intake_score"],
        clients_scored=counts["clients_scored"],
    )
    return out, summary


# Id columns whose categories are stored in the text order of their values, so that a
# shard's table and the whole file's hold the same dictionary (dosecurve.data.shards).
SORTED_IDS = ("client", "therapist", "end_reason")


def sorted_categories(values: pd.Series) -> pd.Series:
    """A categorical with its categories in text order (codes remapped, values unchanged)."""
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values
    categories = values.cat.categories
    ordered = categories.sort_values()
    if ordered.equals(categories):
        return values
    return values.cat.reorder_categories(ordered)


def _named(data_rows: np.ndarray | None, n: int) -> pd.Index:
    """The rows' index for messages: their data rows in the file when known."""
    return pd.RangeIndex(n) if data_rows is None else pd.Index(data_rows, name="row")


def check_intake(counts: Mapping[str, int], source: str) -> None:
    """Stop when most clients have no score at session 0: a file that numbers the intake 1
    (visits 1, 2, 3) would otherwise be read with every baseline one session late, silently.
    One client without an intake score is put right by the documented rule (counted)."""
    late, scored = counts["clients_without_intake_score"], counts["clients_scored"]
    if late * 2 > scored:
        raise ValueError(
            f"{source}: {late} of {scored} clients with a score have none at session 0 (the "
            "intake), so their first scored assessment would silently become the baseline and "
            "every time would be counted from it. If the file numbers the intake 1 (visits 1, "
            "2, 3, ...), renumber the sessions so that the intake is 0; if most clients truly "
            "have no intake score, set intake: first_scored for this data set"
        )


def _client_counts(out: pd.DataFrame) -> dict[str, int]:
    """Clients read, and clients whose first scored assessment is after intake, from the
    table sorted by client and session (a client's rows are neighbours)."""
    client = out["client"].cat.codes.to_numpy()
    scored = out["score"].notna().to_numpy()
    scored_client = client[scored]
    first = np.r_[True, scored_client[1:] != scored_client[:-1]][: len(scored_client)]
    late = out["session"].to_numpy()[scored][first] > 0
    starts = np.r_[True, client[1:] != client[:-1]][: len(client)]
    return {
        "clients_read": int(np.count_nonzero(starts)),
        "clients_without_intake_score": int(np.count_nonzero(late)),
        "clients_scored": int(np.count_nonzero(first)),
    }


def _check_sessions(out: pd.DataFrame, name: str, source: str, max_sessions: int) -> pd.Series:
    raw = out["session"]
    if pd.api.types.is_bool_dtype(raw):
        raise ValueError(
            f"{source}: column '{name}' (session) holds TRUE/FALSE values, not session numbers; "
            "check columns.session"
        )
    session = pd.to_numeric(raw, errors="coerce")
    bad = session.isna() | np.isinf(session.astype("float64"))
    if bad.any():
        raise ValueError(
            f"{source}: column '{name}' (session) has missing, infinite or non-numeric values in "
            f"{_rows(bad)}; sessions must be whole numbers of sessions attended "
            "(0 = intake)"
        )
    big = session > max_sessions
    if big.any():
        shown = ", ".join(f"{v:.0f}" for v in session[big].unique()[:3])
        raise ValueError(
            f"{source}: column '{name}' (session) has values up to {shown} in "
            f"{_rows(big)}, above max_sessions ({max_sessions}): a date typed as a session "
            "(20240301) or a wrong column? Sessions count sessions attended (0 = intake); "
            "set max_sessions: for this data set if therapies really are that long"
        )
    bad = session < 0
    if not pd.api.types.is_integer_dtype(session):
        bad |= session != np.floor(session)
    if bad.any():
        raise ValueError(
            f"{source}: column '{name}' (session) has negative or fractional values in "
            f"{_rows(bad)} (clients {_clients(out.loc[bad, 'client'])}); sessions must be whole "
            "numbers >= 0 counting sessions attended (0 = intake)"
        )
    return session if pd.api.types.is_integer_dtype(session) else session.astype("int64")


def _check_finite(values: pd.Series, name: str, source: str) -> None:
    """Stop on infinite numbers in a numeric column (inf from a division in the export)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        bad = np.isinf(values.astype("float64"))
        if bad.any():
            raise ValueError(
                f"{source}: column '{name}' has infinite values in {_rows(bad)}; "
                "leave a missing value empty"
            )


def map_end_reasons(
    values: pd.Series, mapping: Mapping[str, Sequence[str]], source: str
) -> pd.Series:
    """Map the file's end-reason values to planned, dropout, ongoing (empty: unknown).

    The words planned, dropout and ongoing are recognised in any case; other values
    must be listed under ``end_reasons`` in the config.
    """
    lookup = {r: r for r in END_REASONS}
    for reason, given in mapping.items():
        if reason not in END_REASONS:
            raise ValueError(f"end_reasons.{reason} is not one of {', '.join(END_REASONS)}")
        lookup.update({str(v).strip().lower(): reason for v in given})
    text = per_distinct(values, lambda u: u.astype(str).str.strip().str.lower())
    mapped = per_distinct(text, lambda u: u.map(lookup))
    unknown = text.notna() & (text != "") & mapped.isna()
    if unknown.any():
        shown = ", ".join(repr(v) for v in values[unknown].astype(str).unique()[:5])
        raise ValueError(
            f"{source}: end reason value(s) {shown} are not mapped; list them under "
            "end_reasons: {planned: [...], dropout: [...], ongoing: [...]} for this data set"
        )
    if "unknown" not in mapped.cat.categories:
        mapped = mapped.cat.add_categories(["unknown"])
    return mapped.fillna("unknown")


def _check_scores(
    out: pd.DataFrame, name: str, instrument: Instrument, source: str, key: str = "score"
) -> pd.Series:
    values = out[key]
    flags = (
        values.dropna().map(type).isin([bool, np.bool_]).any() if values.dtype == object else False
    )
    if pd.api.types.is_bool_dtype(values) or flags:
        raise ValueError(
            f"{source}: column '{name}' ({key}) holds TRUE/FALSE values, not scores; check "
            f"columns.{key}"
        )
    score = pd.to_numeric(values, errors="coerce")
    infinite = np.isinf(score.astype("float64"))
    if infinite.any():
        raise ValueError(
            f"{source}: column '{name}' ({key}) has infinite values in "
            f"{_rows(infinite)}; leave a missing score empty"
        )
    text = score.isna() & out[key].notna()
    if text.any():
        examples = ", ".join(repr(v) for v in out.loc[text, key].astype(str).unique()[:3])
        raise ValueError(
            f"{source}: column '{name}' ({key}) has non-numeric values ({examples}) in "
            f"{_rows(text)}; leave a missing score empty and use '.' as the decimal mark"
        )
    low, high = instrument.score_range
    outside = (score < low) | (score > high)
    if outside.any():
        raise ValueError(
            f"{source}: column '{name}' ({key}) has {int(outside.sum())} value(s) outside "
            f"{instrument.name}'s range {low:g}-{high:g} in {_rows(outside)} (clients "
            f"{_clients(out.loc[outside, 'client'])}); fix the data or set the instrument's range"
        )
    return score.astype("float64", copy=False)


def pool_sessions(tables: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, SessionsSummary]:
    """Stack validated session tables of several data sets for a pooled analysis.

    Client and therapist ids are prefixed with the data set's name (``site_a:17``) so that
    they stay distinct, and a ``dataset`` column keeps the source for grouping.
    """
    parts = []
    for name, table in tables.items():
        part = table.assign(dataset=name, client=name + ":" + table["client"].astype(str))
        if "therapist" in part:
            part["therapist"] = name + ":" + part["therapist"].astype(str)
        parts.append(part)
    pooled = pd.concat(parts, ignore_index=True, sort=False)
    summary = SessionsSummary(
        rows_read=len(pooled),
        clients_read=int(pooled["client"].nunique()),
        duplicate_rows_dropped=0,
        rows_missing_score=int(pooled["score"].isna().sum()),
    )
    return pooled, summary
