"""Tables for reading: the tidy CSV tables (full precision, machine names) turned into text
a manuscript can take unchanged, for the HTML report and the paper tables alike.

What a reader sees: human headers ("Median sessions (95 % CI)", "At risk"); a value and its
confidence limits in one cell ("57 (48 to 66)"); proportions as percentages with one
decimal; sessions as whole numbers, "NR" where a median or limit is not reached; p-values
in APA style ("p < .001", ".032"); other numbers to at most four decimals, never in
e-notation and never "-0"; "yes"/"no" for flags; "–" for a missing value; the ``note``
column as footnotes under the table. The CSV files are not touched.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dosecurve.labels import Clock, level_text

MISSING = "–"  # en dash: not estimable, not applicable or beyond follow-up
NOT_REACHED = "NR"
NR_FOOTNOTE = (
    "NR: not reached (the curve, or its confidence limit, does not reach that level within "
    "follow-up)."
)
MISSING_FOOTNOTE = f"{MISSING}: not estimable, not applicable or beyond follow-up."

# Column kinds: how a cell is written.
TEXT, COUNT, PROPORTION, PERCENT, SESSIONS, SESSION, P_VALUE, NUMBER, RATIO, FLAG = (
    "text",
    "count",
    "proportion",
    "percent",
    "sessions",  # a median or quantile: NR when not reached
    "session",  # a time point: a missing one is not applicable
    "p",
    "number",
    "ratio",
    "flag",
)

# column -> (header, kind); ``{unit}``/``{Unit}``/``{singular}``/``{Singular}`` take the clock's
# words. A column not listed keeps its name with spaces, and a kind from its type.
COLUMNS: dict[str, tuple[str, str]] = {
    "stratum": ("Intake severity", TEXT),
    "dataset": ("Data set", TEXT),
    "strata": ("Strata", COUNT),
    "grouping": ("Grouping", TEXT),
    "group": ("Group", TEXT),
    "model": ("Model", TEXT),
    "term": ("Term", TEXT),
    "test": ("Test", TEXT),
    "method": ("Method", TEXT),
    "measure": ("Measure", TEXT),
    "estimand": ("Estimand", TEXT),
    "definition": ("Definition", TEXT),
    "description": ("Description", TEXT),
    "category": ("Category", TEXT),
    "source": ("Source", TEXT),
    "reading": ("Reading", TEXT),
    "band": ("Length band", TEXT),
    "outcome": ("Outcome", TEXT),
    "verdict": ("Verdict", TEXT),
    "direction": ("Direction", TEXT),
    "therapist": ("Therapist", TEXT),
    "stratum_a": ("Stratum", TEXT),
    "stratum_b": ("Against", TEXT),
    "difference_from": ("Against", TEXT),
    "n": ("n", COUNT),
    "events": ("Events", COUNT),
    "n_clients": ("Clients", COUNT),
    "n_rows": ("Rows", COUNT),
    "n_improved": ("Improved", COUNT),
    "at_risk": ("At risk", COUNT),
    "therapists": ("Therapists", COUNT),
    "clients_read": ("Clients read", COUNT),
    "clients_used": ("Clients used", COUNT),
    "unconfirmed": ("Unconfirmed events", COUNT),
    "df": ("df", COUNT),
    "session": ("{Singular}", SESSION),
    "from_session": ("From {singular}", SESSION),
    "to_session": ("To {singular}", SESSION),
    "within": ("Within ({unit})", SESSION),
    "horizon": ("Horizon ({unit})", SESSION),
    "median": ("Median {unit}", SESSIONS),
    "median_among_improved": ("Median among the improved", SESSIONS),
    "median_unconfirmed_censored": ("Median, unconfirmed censored", SESSIONS),
    "median_attended": ("Median attended", SESSION),
    "sessions": ("{Unit}", SESSIONS),
    "sessions_50": ("{Unit} to 50 % improved", SESSIONS),
    "sessions_75": ("{Unit} to 75 % improved", SESSIONS),
    "dose_50": ("{Unit} to 50 %", SESSIONS),
    "dose_75": ("{Unit} to 75 %", SESSIONS),
    "from": ("From", SESSION),
    "last_follow_up": ("Last follow-up", SESSION),
    "extrapolated_50": ("50 % beyond follow-up", FLAG),
    "extrapolated_75": ("75 % beyond follow-up", FLAG),
    "to": ("To", SESSION),
    "assessment_gap": ("Assessment gap", NUMBER),
    "critical_value": ("Critical value", NUMBER),
    "critical_scale": ("Critical value on", TEXT),
    "reliable_change_points": ("Reliable change (points)", NUMBER),
    "reliable_change_rule": ("Reliable change rule", TEXT),
    "reliability": ("Reliability", NUMBER),
    "se_measurement": ("SE of measurement", NUMBER),
    "cutoff": ("Cutoff", NUMBER),
    "cutoff_type": ("Cutoff from", TEXT),
    "improved": ("Improved", PROPORTION),
    "probability": ("Chance of improving", PROPORTION),
    "share": ("Share of variance", PROPORTION),
    "cif_improved": ("Improved (CIF)", PROPORTION),
    "cif_dropout": ("Dropout (CIF)", PROPORTION),
    "one_minus_km": ("1 - KM", PROPORTION),
    "overstatement": ("Overstatement", PROPORTION),
    "fitted": ("Fitted", PROPORTION),
    "km": ("Kaplan-Meier", PROPORTION),
    "simulated": ("Simulated", NUMBER),
    "truth": ("Truth", NUMBER),
    "published": ("Published", NUMBER),
    "percent": ("%", PERCENT),
    "p_value": ("p", P_VALUE),
    "p_holm": ("p (Holm)", P_VALUE),
    "statistic": ("Statistic", NUMBER),
    "hazard_ratio": ("HR", RATIO),
    "coef": ("Coefficient", NUMBER),
    "estimate": ("Estimate", NUMBER),
    "value": ("Value", NUMBER),
    "se": ("SE", NUMBER),
    "robust_se": ("Robust SE", NUMBER),
    "std_error": ("SE", NUMBER),
    "std_err": ("SE", NUMBER),
    "intercept": ("Intercept", NUMBER),
    "intake": ("Intake score", NUMBER),
    "intake_coef": ("Intake coefficient", NUMBER),
    "intake_se": ("Intake SE", NUMBER),
    "scale": ("Scale", NUMBER),
    "rate": ("Rate per {singular}", NUMBER),
    "log_likelihood": ("Log-likelihood", NUMBER),
    "aic": ("AIC", NUMBER),
    "best": ("Lowest AIC", FLAG),
    "rmst": ("Restricted mean", NUMBER),
    "difference": ("Difference", NUMBER),
    "design_effect": ("Design effect", NUMBER),
    "var_therapist": ("Therapist variance", NUMBER),
    "delta": ("Delta", NUMBER),
    "conclusion_changed": ("Conclusion changed", FLAG),
    "m_pre": ("Mean pre", NUMBER),
    "sd_pre": ("SD pre", NUMBER),
    "m_post": ("Mean post", NUMBER),
    "sd_post": ("SD post", NUMBER),
    "r_prepost": ("r pre-post", NUMBER),
    "d": ("d", NUMBER),
    "a": ("Intercept (probit)", NUMBER),
    "b": ("Slope (probit)", NUMBER),
    "p10": ("10th percentile", NUMBER),
    "p50": ("Median score", NUMBER),
    "p90": ("90th percentile", NUMBER),
}

# (lower, upper) column pairs -> the column whose interval they are ("" = the nearest column
# before them that is not a standard error).
# (<column>_ci_lower, <column>_ci_upper) pairs belong to <column>.
INTERVALS: tuple[tuple[str, str, str, str], ...] = (
    ("ci_lower", "ci_upper", "", "{ci}"),
    ("lower", "upper", "", "{ci}"),
    ("greenwood_lower", "greenwood_upper", "estimate", "Greenwood {ci}"),
    ("bootstrap_lower", "bootstrap_upper", "estimate", "Bootstrap {ci}"),
)
STANDARD_ERRORS = {"se", "robust_se", "std_error", "std_err", "intake_se"}
VALUE_BY_MEASURE = {"value", "estimate", "improved", "greenwood_lower", "bootstrap_lower"}
NOTE_COLUMNS = ("note",)


@dataclass(frozen=True)
class Readable:
    """A table as text for reading, its footnotes, and how many rows it has."""

    table: pd.DataFrame
    footnotes: tuple[str, ...]


def p_text(value: object) -> str:
    """A p-value in APA style (no leading zero; below .001 as '< .001').

    >>> p_text(2.3e-56), p_text(0.0321), p_text(0.5), p_text(1.0), p_text(float("nan"))
    ('< .001', '.032', '.500', '1.000', '–')
    """
    v = _number(value)
    if v is None:
        return MISSING if not isinstance(value, str) else value
    if v < 0.001:
        return "< .001"
    return f"{v:.3f}".removeprefix("0")


def p_phrase(value: object) -> str:
    """'p < .001' or 'p = .032', for a sentence or a figure.

    >>> p_phrase(2.3e-56), p_phrase(0.0321)
    ('p < .001', 'p = .032')
    """
    text = p_text(value)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def number_text(value: object, decimals: int | None = None) -> str:
    """A number with at most four decimals (two at or above 1), never 'e-05' or '-0'.

    >>> number_text(1.318e-25), number_text(-1e-17), number_text(0.02092), number_text(261.33)
    ('< 0.0001', '0', '0.0209', '261.33')
    >>> number_text(-0.289071), number_text(40.0), number_text(-0.00002), number_text(0.004, 2)
    ('-0.289', '40', '> -0.0001', '< 0.01')
    """
    v = _number(value)
    if v is None:
        return MISSING if not isinstance(value, str) else value
    if decimals is None:
        if float(v).is_integer():
            return f"{int(v)}"
        size = abs(v)
        decimals = 2 if size >= 1 else 3 if size >= 0.1 else 4
    text = f"{v:.{decimals}f}"
    if float(text) != 0.0:
        return text
    if v == 0 or -1e-12 < v < 0:  # zero, or a rounding residue of it (-1e-17)
        return "0"
    step = f"{10.0**-decimals:.{decimals}f}"
    return f"< {step}" if v > 0 else f"> -{step}"


def ratio_text(value: object) -> str:
    """A ratio to two decimals from 1 up, two significant digits below 1 (never
    e-notation).

    >>> ratio_text(1.059), ratio_text(0.7489), ratio_text(0.05124), ratio_text(0.009087)
    ('1.06', '0.75', '0.051', '0.0091')
    """
    v = _number(value)
    if v is None or v <= 0 or v >= 0.995:
        return number_text(value, 2)
    if v < 1e-4:
        return "< 0.0001"
    return f"{v:.{1 - math.floor(math.log10(v))}f}"


def percent_text(value: object, scale: float = 100.0) -> str:
    """A proportion (``scale`` 100) or a percentage (``scale`` 1) as '45.2 %'.

    >>> percent_text(0.02041), percent_text(-1e-17), percent_text(47.368, scale=1)
    ('2.0 %', '0.0 %', '47.4 %')
    """
    v = _number(value)
    if v is None:
        return _suppressed(value)
    text = f"{v * scale:.1f}"
    return f"{'0.0' if float(text) == 0 else text} %"


def sessions_text(value: object, missing: str = NOT_REACHED) -> str:
    """A number of sessions as a whole number; ``missing`` (NR) when absent.

    >>> sessions_text(57.0), sessions_text(35.5), sessions_text(float("nan"))
    ('57', '36', 'NR')
    """
    v = _number(value)
    if v is None:
        return missing if not isinstance(value, str) else value
    return f"{math.floor(v + 0.5):d}"  # half up: 35.5 -> 36, as a reader rounds


def count_cell(value: object) -> str:
    v = _number(value)
    if v is None:
        return MISSING if not isinstance(value, str) else value  # '<5' stays
    return f"{round(v)}"


def flag_text(value: object) -> str:
    if isinstance(value, str):
        return {"true": "yes", "false": "no"}.get(value.strip().lower(), value)
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return MISSING
    return "yes" if bool(value) else "no"


def _number(value: object) -> float | None:
    if value is None or isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if not np.isfinite(v) else v


def _suppressed(value: object) -> str:
    if isinstance(value, str) and value.strip():
        return f"suppressed ({value} at risk)"  # a percentage hidden for privacy says why
    return MISSING


def text_cell(value: object, clock: Clock | None = None) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, (float, np.floating, int, np.integer)):
        return number_text(value)
    return _measure_words(str(value), clock)


VALUE_WORDS = {
    "km": "Kaplan-Meier",
    "ipcw": "IPCW",
    "const": "intercept",
    "gray": "Gray's test",
    "fine_gray": "Fine-Gray model",
    "GLOBAL": "global",
}


def _measure_words(text: str, clock: Clock | None = None) -> str:
    """A machine word as words: 'improved_by_8' -> 'improved by session 8',
    'best_case' -> 'best case', 'km' -> 'Kaplan-Meier'.

    >>> _measure_words("improved_by_8"), _measure_words("intake_score"), _measure_words("km")
    ('improved by session 8', 'intake score', 'Kaplan-Meier')
    """
    clock = clock or Clock()
    if text in VALUE_WORDS:
        return VALUE_WORDS[text]
    found = re.fullmatch(r"(improved|ended_without_improvement)_by_(\d+)", text)
    if found:
        what = found.group(1).replace("_", " ")
        return f"{what} {clock.by(int(found.group(2)))}"
    return text.replace("_", " ") if re.fullmatch(r"[a-z][a-z0-9_]*", text) else text


FORMATS: dict[str, Callable[[object], str]] = {
    COUNT: count_cell,
    PROPORTION: percent_text,
    PERCENT: lambda v: percent_text(v, scale=1.0),
    SESSIONS: sessions_text,
    SESSION: lambda v: sessions_text(v, missing=MISSING),
    P_VALUE: p_text,
    NUMBER: number_text,
    RATIO: ratio_text,
    FLAG: flag_text,
}


def column_spec(column: str, series: pd.Series, clock: Clock) -> tuple[str, str]:
    """The header and the kind of ``column``."""
    found = re.fullmatch(r"improved_(\d+)", column)
    if found:
        return f"Improved {clock.by(int(found.group(1)))}", PROPORTION
    if column in COLUMNS:
        header, kind = COLUMNS[column]
    else:
        header = column.replace("_", " ")
        header = header[:1].upper() + header[1:]
        numeric = pd.to_numeric(series, errors="coerce").notna().sum() == series.notna().sum()
        kind = FLAG if pd.api.types.is_bool_dtype(series) else NUMBER if numeric else TEXT
    words = {
        "unit": clock.unit,
        "Unit": clock.title,
        "singular": clock.singular,
        "Singular": clock.singular.capitalize(),
    }
    return header.format(**words), kind


def _kinds_by_row(table: pd.DataFrame, column: str, kind: str) -> list[str]:
    """A value column's kind per row: tables with a ``measure`` column hold medians
    (sessions) and proportions improved in the same column."""
    if "measure" not in table or column not in VALUE_BY_MEASURE | {"ci_lower", "ci_upper"}:
        return [kind] * len(table)
    kinds = []
    for measure in table["measure"].astype(str):
        if measure.startswith("median"):
            kinds.append(SESSIONS)
        elif measure.startswith(("improved", "ended_without")):
            kinds.append(PROPORTION)
        else:
            kinds.append(kind)
    return kinds


def _median_rows(table: pd.DataFrame) -> pd.DataFrame:
    """Tables of mixed measures write a median row as ``session`` = the median and the
    value = 0.5: shown, the value column holds the median and the session is blank."""
    if "measure" not in table or "session" not in table:
        return table
    value = next((c for c in ("improved", "estimate") if c in table), None)
    median = table["measure"].astype(str) == "median"
    if value is None or not median.any():
        return table
    out = table.rename(columns={value: "estimate"}).astype({"session": object, "estimate": object})
    out.loc[median, "estimate"] = table.loc[median, "session"]
    out.loc[median, "session"] = np.nan
    return out


def _interval_owner(columns: Sequence[str], lower: str, owner: str) -> str | None:
    if owner:
        return owner if owner in columns else None
    before = list(columns)[: list(columns).index(lower)]
    for name in reversed(before):
        if name not in STANDARD_ERRORS:
            return name
    return None


def _cell(value: object, kind: str, clock: Clock | None = None) -> str:
    text = text_cell(value, clock) if kind == TEXT else FORMATS[kind](value)
    return MISSING if text in ("", "nan", "None") and kind != TEXT else text


def _interval_cell(value: str, low: object, high: object, kind: str) -> str:
    missing = NOT_REACHED if kind == SESSIONS else MISSING  # a limit of a median: not reached
    lo, hi = (_cell(x, kind) for x in (low, high))
    if lo == MISSING and hi == MISSING and kind != SESSIONS:
        return value
    if _number(low) is None and _number(high) is None and kind == SESSIONS:
        both_missing = not isinstance(low, str) and not isinstance(high, str)
        if both_missing and value == NOT_REACHED:
            return value
    lo = missing if lo == MISSING else lo
    hi = missing if hi == MISSING else hi
    if kind in (PROPORTION, PERCENT):
        lo, hi = lo.removesuffix(" %"), hi
    return f"{value} ({lo} to {hi})"


def readable(
    table: pd.DataFrame,
    *,
    clock: Clock | None = None,
    conf_level: float = 0.95,
    label_columns: int = 1,
) -> Readable:
    """``table`` as text for reading (see the module's docstring); ``label_columns``: how
    many leading columns name a row in the footnotes."""
    clock = clock or Clock()
    ci = f"{level_text(conf_level)} CI"
    table = _median_rows(table)
    columns = list(table.columns)
    prefixed = tuple(
        (c, f"{c[: -len('_ci_lower')]}_ci_upper", c[: -len("_ci_lower")], "{ci}")
        for c in columns
        if c.endswith("_ci_lower")
    )
    specs = {c: column_spec(c, table[c], clock) for c in columns}
    kinds = {c: _kinds_by_row(table, c, specs[c][1]) for c in columns}
    cells = {
        c: [_cell(v, k, clock) for v, k in zip(table[c].tolist(), kinds[c], strict=True)]
        for c in columns
    }
    headers = {c: specs[c][0] for c in columns}
    dropped: set[str] = set()
    for lower, upper, owner, label in INTERVALS + prefixed:
        if lower not in columns or upper not in columns:
            continue
        value = _interval_owner(columns, lower, owner)
        if value is None or value in dropped:
            continue
        merged = [
            _interval_cell(text, lo, hi, k)
            for text, lo, hi, k in zip(
                cells[value],
                table[lower].tolist(),
                table[upper].tolist(),
                kinds[value],
                strict=True,
            )
        ]
        if label.startswith("{ci}"):
            cells[value] = merged
            headers[value] = f"{headers[value]} ({label.format(ci=ci)})"
        else:  # a second interval of the same estimate: its own column of limits
            limits = [m.partition(" (")[2].removesuffix(")") or MISSING for m in merged]
            cells[lower] = limits
            headers[lower] = label.format(ci=ci)
            dropped.add(upper)
            continue
        dropped |= {lower, upper}
    notes = [c for c in NOTE_COLUMNS if c in columns]
    dropped |= set(notes)
    kept = [c for c in columns if c not in dropped]
    out = pd.DataFrame({headers[c]: cells[c] for c in kept}, columns=[headers[c] for c in kept])
    footnotes = _footnotes(table, notes, label_columns)
    shown = out.to_numpy().ravel().tolist()
    if NOT_REACHED in shown or any(
        f"{NOT_REACHED} " in s or f" {NOT_REACHED})" in s for s in shown
    ):
        footnotes.append(NR_FOOTNOTE)
    if any(s == MISSING or f"{MISSING} " in s or f" {MISSING})" in s for s in shown):
        footnotes.append(MISSING_FOOTNOTE)
    return Readable(out, tuple(footnotes))


def _footnotes(table: pd.DataFrame, notes: Sequence[str], label_columns: int) -> list[str]:
    """The notes column as footnotes: one line per distinct note, naming its rows unless it
    applies to every row."""
    out: list[str] = []
    for column in notes:
        values = table[column].where(table[column].notna(), "").astype(str).str.strip()
        for note in dict.fromkeys(v for v in values if v):
            rows = values == note
            if rows.all():
                out.append(f"Note: {_sentence(note)}")
                continue
            labels = [
                " ".join(text_cell(v) for v in row[:label_columns])
                for row in table.loc[rows.to_numpy()].itertuples(index=False)
            ]
            out.append(f"Note ({', '.join(dict.fromkeys(labels))}): {_sentence(note)}")
    return out


def _sentence(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else f"{text}."


# a cell made only of numbers and their marks: '36 (32 to NR)', '35.5 %', '< .001', '<5', '–'
NUMERIC_CELL = re.compile(r"(?:[\d.,\-–%<>()\s]|to|NR|suppressed|at risk|yes|no)+")


def numeric_column(cells: pd.Series) -> bool:
    """Whether a column of text cells holds numbers (right-aligned, kept on one line): every
    non-empty cell is a number with its marks (a percentage, an interval, '< .001', NR, a
    suppressed count), not words that start with one ('15 samples').

    >>> numeric_column(pd.Series(["36 (32 to NR)", "< .001", "<5", "–"]))
    True
    >>> numeric_column(pd.Series(["50 % improved by session 8", "12"]))
    False
    """
    texts = [c for c in cells.astype(str) if c.strip()]
    return bool(texts) and all(NUMERIC_CELL.fullmatch(c) for c in texts)


# What a reader must never see in a table cell: a long float, e-notation, a Python flag,
# a negative zero or a missing-value word (the browser test and the unit tests check every
# cell of every report table against it).
RAW_CELL = re.compile(
    r"\d\.\d{5,}|\d[eE][-+]\d|\b(?:True|False|nan|NaN|None|NaT|inf)\b"
    r"|(?<![\w.])-0(?:\.0+)?(?![\d.])"
)
