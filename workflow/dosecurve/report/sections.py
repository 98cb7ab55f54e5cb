"""Pieces of the HTML report: style, number formats, the headline and its sections."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from dosecurve.labels import Clock, ci_label, level_text
from dosecurve.privacy import count_text, is_zero
from dosecurve.stats.kaplan_meier import ALL

STYLE = """
body{font-family:Georgia,'Times New Roman',serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;text-align:right}
th:first-child,td:first-child{text-align:left}
.answer{background:#f3f6fa;border-left:4px solid #0072B2;padding:.6rem 1rem}
img{max-width:100%}figcaption{font-size:.85rem;color:#444}
ul.settings li{font-size:.9rem}
"""


def fmt_sessions(value: float) -> str:
    """A number of sessions for prose: whole numbers without decimals; empty = not reached."""
    if value is None or np.isnan(value):
        return "not reached"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def fmt_median(row: pd.Series) -> str:
    """'57 (48 to 66)' with 'not reached' where a limit or the median is missing."""
    return (
        f"{fmt_sessions(row['median'])} ({fmt_sessions(row['ci_lower'])} to "
        f"{fmt_sessions(row['ci_upper'])})"
    )


def fmt_percent(value: float | str | None) -> str:
    """A proportion as '45 %'; empty when missing; a value suppressed for privacy (fewer
    than min_cell clients at risk, written as '<5') says so."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return f"suppressed ({value} at risk)"
    return "" if value is None or np.isnan(value) else f"{100 * value:.0f} %"


def is_number(value: object) -> bool:
    """Whether a table cell (possibly suppressed text) holds a number."""
    number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
    return bool(np.isfinite(number))


def headline(
    dataset: str,
    medians: pd.DataFrame,
    improved: pd.DataFrame,
    level: float,
    event: str,
    clock: Clock | None = None,
    lead: str | None = None,
) -> str:
    """The answer in one or two sentences: how many clients were analysed and improved, then
    ``lead`` (the primary estimand in words), else the Kaplan-Meier median and the
    cumulative proportions improved."""
    overall = medians.loc[medians["stratum"] == ALL].iloc[0]
    if is_zero(overall["n"]):
        return (
            f"No client in {html.escape(dataset)} was eligible for this analysis; the "
            "participant flow below says why each was excluded."
        )
    counts = (
        f"In {html.escape(dataset)}, {count_text(overall['n'])} clients were analysed and "
        f"{count_text(overall['events'])} showed {html.escape(event)}."
    )
    if lead is not None:
        return f"{counts} {lead}"
    at = improved.loc[improved["stratum"] == ALL].set_index("session")["improved"]
    clock = clock or Clock()
    by = "; ".join(f"{fmt_percent(v)} {clock.by(s)}" for s, v in at.items() if is_number(v))
    return (
        f"{counts} If no one had left therapy, the median number of {clock.unit} to "
        f"improvement would be {fmt_median(overall)} ({level_text(level)} CI; if_continued: "
        "Kaplan-Meier, every ending censored, assuming ending says nothing about the chance of "
        f"improving). Cumulative proportion improved, read the same way: {by}."
    )


def answer_table(
    medians: pd.DataFrame,
    improved: pd.DataFrame,
    sessions: Sequence[int],
    conf_level: float = 0.95,
    clock: Clock | None = None,
) -> pd.DataFrame:
    """Median with CI and % improved at chosen sessions, one row per stratum."""
    wide = improved.pivot(index="stratum", columns="session", values="improved")
    out = pd.DataFrame(
        {
            "Intake severity": medians["stratum"],
            "n": medians["n"],
            "Improved": medians["events"],
            f"Median {(clock or Clock()).unit} ({ci_label(conf_level)})": medians.apply(
                fmt_median, axis=1
            ),
        }
    )
    for s in sessions:
        if s in wide.columns:
            out[f"% improved {(clock or Clock()).by(s)}"] = [
                fmt_percent(wide.at[k, s]) for k in medians["stratum"]
            ]
    return out


def table_html(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, na_rep="", float_format=lambda v: f"{v:.4g}")


def flow_wide(flow: pd.DataFrame) -> pd.DataFrame:
    """Participant flow with one column of counts per event definition."""
    wide = flow.pivot_table(
        index=["status", "reason"], columns="definition", values="n", aggfunc="first", sort=False
    ).reset_index()
    wide.columns.name = None
    return wide


def logrank_text(logrank: pd.DataFrame) -> str:
    lr = logrank.iloc[0]
    note = lr["note"] if isinstance(lr["note"], str) else ""
    if note:
        return f"Log-rank test: {html.escape(note)}."
    return (
        f"Log-rank test across severity strata: chi-square {lr['statistic']:.2f} on "
        f"{int(lr['df'])} df, p = {lr['p_value']:.3g}."
    )


def empty_strata(strata: Sequence[str], medians: pd.DataFrame) -> list[str]:
    empty = [s for s in strata if s not in set(medians["stratum"])]
    if not empty:
        return []
    return [
        f"<p class='note'>No eligible client had an intake score in the severity "
        f"band(s) {html.escape(', '.join(empty))}; they have no row in the tables.</p>"
    ]


def provenance(table: pd.DataFrame | None, effective_config: str) -> list[str]:
    parts = ["<h2>Provenance</h2>"]
    if table is not None:
        parts += [
            "<p>Input read (checksum to confirm it is the file you meant):</p>",
            table_html(table),
        ]
    if effective_config:
        parts += [
            "<p>Effective configuration of this data set (defaults not shown are in "
            "config/README.md):</p>",
            f"<pre>{html.escape(effective_config)}</pre>",
        ]
    return parts


def optional(title: str, table: pd.DataFrame | None, text: str, level: int = 3) -> list[str]:
    """A titled section with a sentence and a table; nothing when there is no table."""
    if table is None:
        return []
    heading = f"<h{level}>{html.escape(title)}</h{level}>"
    return [f"{heading}<p>{html.escape(text)}</p>", table_html(table)]


def calibration(table: pd.DataFrame | None) -> list[str]:
    text = (
        "This data set is simulated. Its own figures beside those of the study its preset "
        "follows, each computed the way that study computed it (the reading column names "
        "how); empty cells: not reported there."
    )
    return optional("Calibration of the simulated data", table, text, level=2)


def by_dataset(table: pd.DataFrame | None) -> list[str]:
    text = (
        "Median sessions to improvement in each pooled data set (Kaplan-Meier), with the "
        "log-rank test across data sets."
    )
    return optional("Pooled analysis: by data set", table, text, level=2)


def figure_html(figures: Mapping[str, tuple[str, str, bytes]], name: str) -> list[str]:
    """A figure embedded as a data URI with its caption (nothing if it was not drawn)."""
    if name not in figures:
        return []
    title, caption, png = figures[name]
    image = base64.b64encode(png).decode("ascii")
    return [
        f"<figure id='figure-{name}'><img alt='{html.escape(title, quote=True)}' "
        f"src='data:image/png;base64,{image}'><figcaption><b>{html.escape(title)}.</b> "
        f"{html.escape(caption)}</figcaption></figure>"
    ]


def unconfirmed_text(sensitivity: pd.DataFrame, definition: str, clock: Clock | None = None) -> str:
    """How many of the primary definition's events no later assessment confirms, and the
    median when they are censored instead (from ``tables/sensitivity.csv``)."""
    rows = sensitivity.loc[sensitivity["definition"] == definition]
    if rows.empty or "unconfirmed" not in rows or not is_number(rows.iloc[0]["unconfirmed"]):
        return ""
    row = rows.iloc[0]
    events = pd.to_numeric(pd.Series([row["events"]]), errors="coerce").iloc[0]
    count = float(row["unconfirmed"])
    if not events or not np.isfinite(events):
        return ""
    unit = (clock or Clock()).unit
    return (
        f"{100 * count / events:.0f} % of the events ({count_text(row['unconfirmed'])} of "
        f"{count_text(row['events'])}) are at the client's last assessment, with no later one "
        f"to confirm them; censored instead, the median would be "
        f"{fmt_sessions(float(row['median_unconfirmed_censored']))} {unit} rather than "
        f"{fmt_sessions(float(row['median']))}."
    )
