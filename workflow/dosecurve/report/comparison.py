"""Several data sets side by side: overall medians, % improved, and their curves."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd
from matplotlib.figure import Figure

from dosecurve.figures.curves import PALETTE, draw_curve, session_breaks
from dosecurve.labels import Clock, level_text
from dosecurve.privacy import count_text
from dosecurve.stats.kaplan_meier import ALL

SESSIONS = (8, 26, 52)
EACH_UNIT = " (each data set in its own time_unit: see the sentences below)"


def comparison_table(
    medians: Mapping[str, pd.DataFrame], improved: Mapping[str, pd.DataFrame]
) -> pd.DataFrame:
    """One row per data set: clients analysed, events, median (CI) and % improved by
    sessions 8, 26 and 52 (empty beyond the data set's last follow-up or if not tabulated)."""
    rows = []
    for name, table in medians.items():
        overall = table.loc[table["stratum"] == ALL].iloc[0]
        at = improved[name].loc[improved[name]["stratum"] == ALL].set_index("session")["improved"]
        rows.append(
            {
                "dataset": name,
                "n": count_text(overall["n"]),
                "events": count_text(overall["events"]),
                "median": overall["median"],
                "ci_lower": overall["ci_lower"],
                "ci_upper": overall["ci_upper"],
                **{f"improved_{s}": at.get(s, float("nan")) for s in SESSIONS},  # maybe "<5"
            }
        )
    return pd.DataFrame(rows)


def plot_comparison(
    curves: Mapping[str, pd.DataFrame],
    *,
    conf_type: str = "log-log",
    time_label: str = "Sessions attended",
) -> Figure:
    """The pooled ('all') Kaplan-Meier curve of each data set, as cumulative improvement;
    ``time_label`` names the common time unit (or says each data set has its own)."""
    fig = Figure(figsize=(7.5, 4.8))
    ax = fig.add_subplot()
    max_time = 1.0
    for i, (name, table) in enumerate(curves.items()):
        curve = table.loc[table["stratum"] == ALL]
        if curve.empty:  # no eligible clients in this data set
            continue
        draw_curve(ax, curve, name, PALETTE[i % len(PALETTE)], dashed=False)
        max_time = max(max_time, float(curve["time"].max()))
    breaks = session_breaks(max_time)
    ax.set_xlim(0, breaks[-1])
    ax.set_xticks(breaks)
    ax.set_ylim(0, 1)
    ax.set_xlabel(time_label)
    ax.set_ylabel("Cumulative proportion improved")
    ax.set_title(f"All clients of each data set (Kaplan-Meier, {conf_type} CI)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="lower right")
    fig.subplots_adjust(left=0.12, right=0.97, top=0.92, bottom=0.12)
    return fig


def linked_names(table: str, names: Iterable[str]) -> str:
    """The comparison table with each data set's name (its first cell) linked to the data
    set's own report, results/<name>/report.html, beside results/comparison/."""
    import html
    import re

    for name in names:
        text = html.escape(name)
        found = re.search(f"<tr><td class='[^']*'>({re.escape(text)})</td>", table)
        if found:
            link = f"<a href='../{html.escape(name, quote=True)}/report.html'>{text}</a>"
            table = table[: found.start(1)] + link + table[found.end(1) :]
    return table


def common_unit(clocks: Iterable[Clock]) -> str:
    """The data sets' time unit ('sessions'), or 'time' when they count in different units.

    >>> common_unit([Clock(), Clock("weeks")]), common_unit([Clock("weeks")])
    ('time', 'weeks')
    """
    units = {c.unit for c in clocks}
    return units.pop() if len(units) == 1 else "time"


def render_comparison_report(
    table: pd.DataFrame,
    medians: Mapping[str, pd.DataFrame],
    improved: Mapping[str, pd.DataFrame],
    figure_png: bytes,
    *,
    events: Mapping[str, str],
    conf_level: float = 0.95,
    units: Mapping[str, str] | None = None,
) -> str:
    """One self-contained HTML page setting every data set's answer side by side;
    ``events`` names each data set's primary event."""
    import html

    from dosecurve.report.sections import STYLE, figure_html, headline, table_html

    clocks = {name: Clock((units or {}).get(name, "sessions")) for name in medians}
    sentences = [
        "<li>"
        + headline(name, medians[name], improved[name], conf_level, events[name], clocks[name])
        + "</li>"
        for name in medians
    ]
    unit = common_unit(clocks.values())
    caption = (
        "Cumulative proportion improved (1 minus Kaplan-Meier) of all eligible clients of each "
        f"data set, with {level_text(conf_level)} confidence bands; each data set under its own "
        "instrument, event definition and severity bands (see its own report)."
    )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>dosecurve comparison of {len(medians)} data sets</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{unit.capitalize()} to improvement: data sets compared</h1>",
        f"<p class='answer' id='headline'>Median {unit} to improvement if no one had left "
        "therapy (the if_continued estimand: Kaplan-Meier, every ending censored, all "
        f"clients of each data set) and the cumulative proportion improved by {unit} 8, 26 "
        f"and 52{EACH_UNIT if unit == 'time' else ''}, read the same way; –: beyond "
        "follow-up or not tabulated. Each data set's report sets the other estimands beside "
        "these.</p>",
        linked_names(table_html(table), medians),
        "<ul>",
        *sentences,
        "</ul>",
        *figure_html(
            {"overall_curves": ("All clients of each data set", caption, figure_png)},
            "overall_curves",
        ),
        "<p>Each data set's own report holds its flow, methods and every table: "
        + ", ".join(
            f"<a href='../{html.escape(n, quote=True)}/report.html'>{html.escape(n)}</a>"
            for n in medians
        )
        + ".</p>",
        "<p>Aggregates only: this report holds no client's rows.</p></body></html>",
    ]
    return "\n".join(parts)
