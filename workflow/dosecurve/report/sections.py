"""Pieces of the HTML report: style, number formats, the headline and its sections."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dosecurve.labels import Clock, ci_label, level_text
from dosecurve.privacy import count_text, is_zero
from dosecurve.report.readable import (
    numeric_column,
    p_phrase,
    percent_text,
    readable,
    sessions_text,
)
from dosecurve.stats.kaplan_meier import ALL

STYLE = """
body{font-family:Georgia,'Times New Roman',serif;max-width:64rem;margin:2rem auto;padding:0 1rem;
color:#222;line-height:1.45}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5rem 0 .3rem;font-size:.9rem;display:block;
max-width:100%;overflow-x:auto}
th,td{border-bottom:1px solid #ddd;padding:.25rem .6rem;vertical-align:top}
th{font-weight:600;vertical-align:bottom}.num{text-align:right}.text{text-align:left}
td.num,td.short{white-space:nowrap}
p.footnotes{font-size:.8rem;color:#444;margin:.1rem 0 1rem}
details{margin:.3rem 0 1rem}summary{cursor:pointer;color:#0b5394}
nav.contents{background:#fafafa;border:1px solid #ddd;padding:.4rem 1rem;font-size:.9rem}
nav.contents ol{margin:.2rem 0;padding-left:1.4rem}
nav.contents ol ol{display:inline;padding:0;font-size:.82rem}
nav.contents ol ol::before{content:": "}
nav.contents ol ol li{display:inline}nav.contents ol ol li:not(:last-child)::after{content:" · "}
.answer{background:#f3f6fa;border-left:4px solid #0072B2;padding:.6rem 1rem}
p.skipped{color:#555;font-style:italic}
img{max-width:100%}figcaption{font-size:.85rem;color:#444}
ul.settings li{font-size:.9rem}
"""

LONG_TABLE = 25  # rows: a longer table is collapsed under a summary line
WIDE_ROW = 6  # columns: a one-row table wider than this is shown as quantity and value


@dataclass(frozen=True)
class TableFormat:
    """What a table's headers and cells are written in: the clock and confidence level."""

    clock: Clock = field(default_factory=Clock)
    conf_level: float = 0.95


def fmt_sessions(value: float) -> str:
    """A number of sessions for prose: whole numbers without decimals; empty = not reached."""
    if value is None or np.isnan(value):
        return "not reached"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def fmt_median(row: pd.Series, table: bool = False) -> str:
    """'57 (48 to 66)' with 'not reached' (in a ``table``: 'NR', as the tables' footnote
    says) where a limit or the median is missing."""
    if table:
        return (
            f"{sessions_text(row['median'])} ({sessions_text(row['ci_lower'])} to "
            f"{sessions_text(row['ci_upper'])})"
        )
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
                fmt_median, axis=1, table=True
            ),
        }
    )
    for s in sessions:
        if s in wide.columns:
            out[f"% improved {(clock or Clock()).by(s)}"] = [
                percent_text(wide.at[k, s]) for k in medians["stratum"]
            ]
    return out


def table_html(
    frame: pd.DataFrame, form: TableFormat | None = None, *, csv: str | None = None
) -> str:
    """``frame`` as a table for reading (``dosecurve.report.readable``: human headers,
    percentages, APA p-values, NR, notes as footnotes); a table longer than ``LONG_TABLE``
    rows is collapsed under a line that says how long it is and where its CSV is, and a
    one-row table wider than ``WIDE_ROW`` columns is turned on its side."""
    form = form or TableFormat()
    shown = readable(frame, clock=form.clock, conf_level=form.conf_level)
    table = shown.table
    if len(table) == 1 and table.shape[1] > WIDE_ROW:
        table = pd.DataFrame({"Quantity": table.columns, "Value": table.iloc[0].to_list()})
    if table.empty:
        return "<p class='note'>No rows.</p>"
    body = html_table(table)
    notes = (
        "<p class='footnotes'>" + "<br>".join(html.escape(n) for n in shown.footnotes) + "</p>"
        if shown.footnotes
        else ""
    )
    if len(table) <= LONG_TABLE:
        return body + notes
    where = f"; also tables/{csv}.csv" if csv else ""
    return (
        f"<details><summary>Show the table ({len(table)} rows{where})</summary>"
        f"{body}{notes}</details>"
    )


def html_table(table: pd.DataFrame) -> str:
    """A table of text cells: numeric columns right-aligned, text columns left-aligned."""
    align = [
        "num" if numeric_column(table[c]) else "text short" if short(table[c]) else "text"
        for c in table.columns
    ]
    head = "".join(
        f"<th class='{a.split()[0]}'>{html.escape(str(c))}</th>"
        for c, a in zip(table.columns, align, strict=True)
    )
    rows = "".join(
        "<tr>"
        + "".join(
            f"<td class='{a}'>{html.escape(str(v))}</td>" for v, a in zip(row, align, strict=True)
        )
        + "</tr>"
        for row in table.itertuples(index=False)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def short(cells: pd.Series) -> bool:
    """Whether a text column's cells are short enough to keep on one line each."""
    return bool(len(cells)) and int(cells.astype(str).str.len().max()) <= 18


def flow_wide(flow: pd.DataFrame) -> pd.DataFrame:
    """Participant flow with one column of counts per event definition."""
    wide = flow.pivot_table(
        index=["status", "reason"], columns="definition", values="n", aggfunc="first", sort=False
    ).reset_index()
    wide.columns.name = None
    return wide.rename(
        columns={"status": "Status", "reason": "Reason"}
        | {d: f"Clients ({d})" for d in dict.fromkeys(flow["definition"])}
    )


def logrank_text(logrank: pd.DataFrame) -> str:
    lr = logrank.iloc[0]
    note = lr["note"] if isinstance(lr["note"], str) else ""
    if note:
        return f"Log-rank test: {html.escape(note)}."
    return (
        f"Log-rank test across severity strata: chi-square({int(lr['df'])}) = "
        f"{lr['statistic']:.2f}, {p_phrase(lr['p_value'])}."
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
    parts = ["<h3>Input and configuration</h3>"]
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


def optional(
    title: str,
    table: pd.DataFrame | None,
    text: str,
    level: int = 3,
    form: TableFormat | None = None,
    csv: str | None = None,
) -> list[str]:
    """A titled section with a sentence and a table; nothing when there is no table."""
    if table is None:
        return []
    heading = f"<h{level}>{html.escape(title)}</h{level}>"
    return [f"{heading}<p>{html.escape(text)}</p>", table_html(table, form, csv=csv)]


def skipped(title: str, why: str, level: int = 3) -> list[str]:
    """A section that does not apply to this data set: its title and one line saying why."""
    return [f"<h{level}>{html.escape(title)}</h{level}><p class='skipped'>{html.escape(why)}</p>"]


def calibration(table: pd.DataFrame | None, form: TableFormat | None = None) -> list[str]:
    text = (
        "This data set is simulated. Its own figures beside those of the study its preset "
        "follows, each computed the way that study computed it (the reading column names "
        "how); –: not reported there."
    )
    return optional("Calibration of the simulated data", table, text, level=2, form=form)


def by_dataset(table: pd.DataFrame | None, form: TableFormat | None = None) -> list[str]:
    text = (
        "Median sessions to improvement in each pooled data set (Kaplan-Meier), with the "
        "log-rank test across data sets."
    )
    return optional("Pooled analysis: by data set", table, text, level=2, form=form)


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


CONTENTS = "<!--contents-->"  # where with_contents puts the list of sections


def with_contents(page: str) -> str:
    """``page`` with an id on every h2 and h3 and, at ``CONTENTS``, a numbered list of
    in-page links to them (h3 nested under their h2)."""
    import re

    used: set[str] = set()
    entries: list[tuple[int, str, str]] = []

    def anchor(found: re.Match[str]) -> str:
        level, attrs, title = found.group(1), found.group(2), found.group(3)
        if "id=" in attrs:
            return found.group(0)
        base = "s-" + (re.sub(r"[^a-z0-9]+", "-", html.unescape(title).lower()).strip("-") or "x")
        slug, k = base, 2
        while slug in used:
            slug, k = f"{base}-{k}", k + 1
        used.add(slug)
        entries.append((int(level), slug, title))
        return f"<h{level} id='{slug}'{attrs}>{title}</h{level}>"

    page = re.sub(r"<h([23])([^>]*)>(.*?)</h\1>", anchor, page)
    items: list[str] = []
    open_sub = False
    for level, slug, title in entries:
        if level == 2:
            if open_sub:
                items.append("</ol></li>")
                open_sub = False
            elif items:
                items.append("</li>")
            items.append(f"<li><a href='#{slug}'>{title}</a>")
        else:
            if not items:
                continue
            if not open_sub:
                items.append("<ol>")
                open_sub = True
            items.append(f"<li><a href='#{slug}'>{title}</a></li>")
    if items:
        items.append("</ol></li>" if open_sub else "</li>")
    nav = (
        "<nav class='contents' id='contents'><details open><summary><b>Contents</b></summary>"
        f"<ol>{''.join(items)}</ol></details></nav>"
    )
    return page.replace(CONTENTS, nav, 1)


def therapists_unknown(cluster: pd.DataFrame | None) -> str:
    """Why the therapist sections do not apply ('' when therapists are known)."""
    if cluster is None or cluster.empty or "note" not in cluster:
        return ""
    notes = cluster["note"].dropna().astype(str)
    why = next((n for n in notes if "no therapist" in n or "therapists not" in n), "")
    if not why or pd.to_numeric(cluster["bootstrap_lower"], errors="coerce").notna().any():
        return ""
    return (
        f"Not applicable: {why.removeprefix('not estimable: ')} in this data set, so no "
        "clustering by therapist is estimated."
    )


def dropout_unrecorded(competing: pd.DataFrame | None) -> str:
    """Why the dropout section does not apply ('' when some ending is recorded as dropout)."""
    if competing is None or competing.empty:
        return ""
    dropout = pd.to_numeric(competing["cif_dropout"], errors="coerce")
    if (dropout.fillna(0) > 0).any():
        return ""
    return (
        "Not applicable: no client's ending is recorded as dropout (no end_reason column, or "
        "no ending marked dropout), so dropout is not a competing event here."
    )


def improved_wide(improved: pd.DataFrame, clock: Clock) -> pd.DataFrame:
    """The % improved by each tabulated time, one row per stratum, in the strata's order
    (proportions, or a privacy mark such as '<5': the table formatter writes them)."""
    wide = improved.pivot(index="stratum", columns="session", values="improved")
    wide = wide.reindex(list(dict.fromkeys(improved["stratum"])))
    wide.columns = [f"improved_{int(s)}" for s in wide.columns]
    return wide.reset_index()


def group_figures(figures: Mapping[str, tuple[str, str, bytes]]) -> list[str]:
    """The curve by each ``groups`` column (figures named ``improvement_by_group_<column>``,
    as ``dosecurve.figures.catalog.GROUP_PREFIX``)."""
    return [
        part
        for name in sorted(figures)
        if name.startswith(GROUP_FIGURE)
        for part in figure_html(figures, name)
    ]


GROUP_FIGURE = "improvement_by_group_"
