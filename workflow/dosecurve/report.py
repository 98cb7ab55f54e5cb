"""The self-contained HTML report of one data set: aggregates only, images embedded."""

from __future__ import annotations

import base64
import html
import platform
from collections.abc import Mapping, Sequence
from importlib.metadata import version
from typing import Any

import numpy as np
import pandas as pd

from dosecurve import __version__
from dosecurve.config import column_map, dataset_bands, dataset_instrument, simulation_spec
from dosecurve.survival import ALL

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


def fmt_percent(value: float) -> str:
    return "" if value is None or np.isnan(value) else f"{100 * value:.0f} %"


def headline(dataset: str, medians: pd.DataFrame, improved: pd.DataFrame, level: float) -> str:
    """The answer in one sentence, from the median and improved-by-session tables."""
    overall = medians.loc[medians["stratum"] == ALL].iloc[0]
    at = improved.loc[improved["stratum"] == ALL].set_index("session")["improved"]
    by = "; ".join(f"{fmt_percent(v)} by session {s}" for s, v in at.items() if not np.isnan(v))
    return (
        f"In {html.escape(dataset)}, {int(overall['n'])} clients were clinical at intake and "
        f"{int(overall['events'])} showed clinically significant improvement. The median number "
        f"of sessions to improvement was {fmt_median(overall)} ({level:.0%} CI, Kaplan-Meier). "
        f"Cumulative proportion improved: {by}."
    )


def answer_table(
    medians: pd.DataFrame, improved: pd.DataFrame, sessions: Sequence[int]
) -> pd.DataFrame:
    """Median with CI and % improved at chosen sessions, one row per stratum."""
    wide = improved.pivot(index="stratum", columns="session", values="improved")
    out = pd.DataFrame(
        {
            "Intake severity": medians["stratum"],
            "n": medians["n"],
            "Improved": medians["events"],
            "Median sessions (95 % CI)": medians.apply(fmt_median, axis=1),
        }
    )
    for s in sessions:
        if s in wide.columns:
            out[f"% improved by session {s}"] = [
                fmt_percent(wide.at[k, s]) for k in medians["stratum"]
            ]
    return out


def _table(frame: pd.DataFrame) -> str:
    return frame.to_html(index=False, border=0, na_rep="", float_format=lambda v: f"{v:.4g}")


def render_report(
    *,
    dataset: str,
    medians: pd.DataFrame,
    improved: pd.DataFrame,
    logrank: pd.DataFrame,
    flow: pd.DataFrame,
    figure_png: bytes,
    settings: Sequence[str],
    conf_level: float = 0.95,
) -> str:
    """Render the whole report as one HTML string with the figure embedded."""
    image = base64.b64encode(figure_png).decode("ascii")
    lr = logrank.iloc[0]
    note = lr["note"] if isinstance(lr["note"], str) else ""
    lr_text = (
        f"Log-rank test: {html.escape(note)}."
        if note
        else f"Log-rank test across severity strata: chi-square {lr['statistic']:.2f} on "
        f"{int(lr['df'])} df, p = {lr['p_value']:.3g}."
    )
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>dosecurve report: {html.escape(dataset)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Sessions to clinically significant improvement: {html.escape(dataset)}</h1>",
        f"<p class='answer' id='headline'>{headline(dataset, medians, improved, conf_level)}</p>",
        _table(answer_table(medians, improved, (8, 26, 52))),
        "<h2>Participant flow</h2><p>Every client in the input is counted once.</p>",
        _table(flow),
        "<h2>Time to improvement by intake severity</h2>",
        f"<figure><img alt='Cumulative proportion improved by sessions attended, per intake "
        f"severity stratum' src='data:image/png;base64,{image}'><figcaption>Cumulative "
        f"proportion of clients with clinically significant improvement (1 minus the "
        f"Kaplan-Meier estimate) by sessions attended, with {conf_level:.0%} log-log "
        f"confidence bands; ticks mark censored clients; clients at risk below. "
        f"{lr_text}</figcaption></figure>",
        "<h2>Median sessions to improvement</h2>",
        "<p>Empty cells: not reached (the curve or its confidence limit never reaches 50 %).</p>",
        _table(medians),
        "<h2>Cumulative proportion improved by session</h2>",
        "<p>Empty cells: beyond the last follow-up in that stratum.</p>",
        _table(improved),
        "<h2>Log-rank test</h2>",
        _table(logrank),
        "<h2>Settings used</h2><ul class='settings'>",
        *(f"<li>{html.escape(s)}</li>" for s in settings),
        "</ul><p>Aggregates only: this report holds no client's rows.</p></body></html>",
    ]
    return "\n".join(parts)


def settings_lines(ds: Mapping[str, Any], *, conf_level: float) -> list[str]:
    """One plain-words line per setting that shaped the results."""
    instrument = dataset_instrument(ds)
    bands = dataset_bands(ds)
    if "simulate" in ds:
        spec = simulation_spec(ds["simulate"])
        data = (
            f"Data: simulated with the simple built-in generator (preset nordmo2021 "
            f"parameters), {spec.n_clients} clients, {spec.n_therapists} therapists, "
            f"seed {spec.seed}."
        )
    else:
        cols = ", ".join(f"{k} = '{v}'" for k, v in column_map(ds).items())
        data = f"Data: long CSV '{ds['path']}', columns {cols}."
    direction = "lower" if instrument.lower_is_better else "higher"
    band_text = ", ".join(
        f"{b.name} {b.lower:g}" + (f" to <{b.upper:g}" if np.isfinite(b.upper) else " and above")
        for b in bands
    )
    return [
        data,
        f"Instrument: {instrument.name}, range {instrument.score_range[0]:g}-"
        f"{instrument.score_range[1]:g}, {direction} is better; clinical cutoff "
        f"{instrument.cutoff:g}, reliable change {instrument.reliable_change:g} points. "
        f"Source: {instrument.source}.",
        "Baseline: the score at session 0 (intake), else the first scored assessment.",
        "Eligible: baseline on the clinical side of the cutoff (at or beyond it) and at least "
        "one later scored assessment.",
        f"Event: clinically significant improvement, first assessment with a change of at least "
        f"{instrument.reliable_change:g} points in the better direction and a score on the "
        f"functional side of the cutoff.",
        "Time: sessions attended (dose) at that assessment; clients without the event are "
        "right-censored at their last scored assessment, whatever the reason therapy ended.",
        f"Severity strata (intake score): {band_text}.",
        f"Estimator: Kaplan-Meier with Greenwood standard errors and {conf_level:.0%} log-log "
        "confidence intervals (as R survfit, conf.type = 'log-log'); medians and their limits "
        "as R quantile.survfit.",
        "Test: log-rank (chi-square) across the severity strata present.",
        f"Software: dosecurve {__version__}, Python {platform.python_version()}, "
        f"lifelines {version('lifelines')}, pandas {version('pandas')}, "
        f"NumPy {version('numpy')}, matplotlib {version('matplotlib')}, "
        f"Snakemake {version('snakemake')}.",
    ]
