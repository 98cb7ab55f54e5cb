"""The self-contained HTML report of one data set: aggregates only, images embedded."""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dosecurve.privacy import count_text, is_zero
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


def headline(
    dataset: str, medians: pd.DataFrame, improved: pd.DataFrame, level: float, event: str
) -> str:
    """The answer in one sentence, from the median and improved-by-session tables."""
    overall = medians.loc[medians["stratum"] == ALL].iloc[0]
    if is_zero(overall["n"]):
        return (
            f"No client in {html.escape(dataset)} was eligible for this analysis; the "
            "participant flow below says why each was excluded."
        )
    at = improved.loc[improved["stratum"] == ALL].set_index("session")["improved"]
    by = "; ".join(f"{fmt_percent(v)} by session {s}" for s, v in at.items() if not np.isnan(v))
    return (
        f"In {html.escape(dataset)}, {count_text(overall['n'])} clients were analysed and "
        f"{count_text(overall['events'])} showed {html.escape(event)}. The median number "
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


@dataclass(frozen=True)
class ReportTables:
    """The tables the report is written from (all aggregates)."""

    medians: pd.DataFrame
    improved: pd.DataFrame
    logrank: pd.DataFrame
    flow: pd.DataFrame
    sensitivity: pd.DataFrame
    prepost_categories: pd.DataFrame
    prepost_by_group: pd.DataFrame
    prepost_effects: pd.DataFrame
    reliable_change: pd.DataFrame
    data_checks: pd.DataFrame
    quantiles: pd.DataFrame | None = None
    pairwise: pd.DataFrame | None = None
    rmst: pd.DataFrame | None = None
    competing: pd.DataFrame | None = None
    cox: pd.DataFrame | None = None
    cox_ph: pd.DataFrame | None = None
    aft: pd.DataFrame | None = None
    aft_predictions: pd.DataFrame | None = None
    howard: pd.DataFrame | None = None
    provenance: pd.DataFrame | None = None
    calibration: pd.DataFrame | None = None
    by_dataset: pd.DataFrame | None = None


def flow_wide(flow: pd.DataFrame) -> pd.DataFrame:
    """Participant flow with one column of counts per event definition."""
    wide = flow.pivot_table(
        index=["status", "reason"], columns="definition", values="n", aggfunc="first", sort=False
    ).reset_index()
    wide.columns.name = None
    return wide


def _logrank_text(logrank: pd.DataFrame) -> str:
    lr = logrank.iloc[0]
    note = lr["note"] if isinstance(lr["note"], str) else ""
    if note:
        return f"Log-rank test: {html.escape(note)}."
    return (
        f"Log-rank test across severity strata: chi-square {lr['statistic']:.2f} on "
        f"{int(lr['df'])} df, p = {lr['p_value']:.3g}."
    )


def _empty_strata(strata: Sequence[str], medians: pd.DataFrame) -> list[str]:
    empty = [s for s in strata if s not in set(medians["stratum"])]
    if not empty:
        return []
    return [
        f"<p class='note'>No eligible client had an intake score in the severity "
        f"band(s) {html.escape(', '.join(empty))}; they have no row in the tables.</p>"
    ]


def _provenance(table: pd.DataFrame | None, effective_config: str) -> list[str]:
    parts = ["<h2>Provenance</h2>"]
    if table is not None:
        parts += [
            "<p>Input read (checksum to confirm it is the file you meant):</p>",
            _table(table),
        ]
    if effective_config:
        parts += [
            "<p>Effective configuration of this data set (defaults not shown are in "
            "config/README.md):</p>",
            f"<pre>{html.escape(effective_config)}</pre>",
        ]
    return parts


def _optional(title: str, table: pd.DataFrame | None, text: str) -> list[str]:
    if table is None:
        return []
    return [f"<h3>{html.escape(title)}</h3><p>{html.escape(text)}</p>", _table(table)]


def _calibration(table: pd.DataFrame | None) -> list[str]:
    if table is None:
        return []
    return [
        "<h2>Calibration of the simulated data</h2>",
        "<p>This data set is simulated. Its own figures beside those of the study its "
        "preset follows; empty cells: not reported there.</p>",
        _table(table),
    ]


def _by_dataset(table: pd.DataFrame | None) -> list[str]:
    if table is None:
        return []
    return [
        "<h2>Pooled analysis: by data set</h2>",
        "<p>Median sessions to improvement in each pooled data set (Kaplan-Meier), with the "
        "log-rank test across data sets.</p>",
        _table(table),
    ]


def render_report(
    *,
    dataset: str,
    tables: ReportTables,
    figure_png: bytes,
    settings: Sequence[str],
    event: str = "clinically significant improvement",
    conf_level: float = 0.95,
    strata: Sequence[str] = (),
    effective_config: str = "",
    conf_type: str = "log-log",
) -> str:
    """Render the whole report as one HTML string with the figure embedded."""
    t = tables
    image = base64.b64encode(figure_png).decode("ascii")
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>dosecurve report: {html.escape(dataset)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>Sessions to {html.escape(event)}: {html.escape(dataset)}</h1>",
        "<p class='answer' id='headline'>"
        f"{headline(dataset, t.medians, t.improved, conf_level, event)}</p>",
        _table(answer_table(t.medians, t.improved, (8, 26, 52))),
        *_empty_strata(strata, t.medians),
        "<h2>Participant flow</h2><p>Every client in the input is counted once per event "
        "definition.</p>",
        _table(flow_wide(t.flow)),
        "<h3>Data checks</h3><p>Recoverable problems in the input and what was done.</p>",
        _table(t.data_checks),
        "<h2>Time to improvement by intake severity</h2>",
        f"<figure><img alt='Cumulative proportion improved by sessions attended, per intake "
        f"severity stratum' src='data:image/png;base64,{image}'><figcaption>Cumulative "
        f"proportion of clients with {html.escape(event)} (1 minus the Kaplan-Meier estimate) "
        f"by sessions attended, with {conf_level:.0%} {conf_type} confidence bands; ticks mark "
        f"censored clients; clients at risk below. {_logrank_text(t.logrank)}</figcaption>"
        "</figure>",
        "<h2>Median sessions to improvement</h2>",
        "<p>Empty cells: not reached (the curve or its confidence limit never reaches 50 %).</p>",
        _table(t.medians),
        "<h2>Cumulative proportion improved by session</h2>",
        "<p>Empty cells: beyond the last follow-up in that stratum.</p>",
        _table(t.improved),
        *_optional(
            "Sessions by which 25, 50, 75 and 95 % had improved",
            t.quantiles,
            "Kaplan-Meier quantiles with confidence limits; empty: not reached.",
        ),
        *_optional(
            "Restricted mean sessions without improvement",
            t.rmst,
            "Area under the Kaplan-Meier curve up to the horizon (R print(survfit, "
            "rmean = )), and each stratum's difference from the mildest with its CI.",
        ),
        *_optional(
            "Dropout as a competing event",
            t.competing,
            "Cumulative incidence of improvement and of dropout (Aalen-Johansen) beside "
            "1 - Kaplan-Meier, which treats dropout as censoring; overstatement: how "
            "much 1 - Kaplan-Meier exceeds the cumulative incidence of improvement.",
        ),
        "<h2>Log-rank tests</h2>",
        _table(t.logrank),
        *_optional(
            "Pairwise log-rank tests",
            t.pairwise,
            "Each pair of strata on its own clients; p_holm: Holm-adjusted.",
        ),
        *_optional(
            "Cox proportional hazards",
            t.cox,
            "Hazard ratios of improvement (above 1: improving sooner) for the intake score "
            "per point and for each stratum against the mildest; Efron ties; CIs from the "
            "therapist cluster-robust SE when a therapist column exists.",
        ),
        *_optional(
            "Proportional-hazards check",
            t.cox_ph,
            "Score test on Kaplan-Meier-transformed sessions, per term.",
        ),
        *_optional(
            "Parametric dose-response models",
            t.aft,
            "Accelerated failure time models of sessions to improvement on the intake "
            "score (as R survreg); the lowest AIC fits best.",
        ),
        *_optional(
            "Predicted sessions for 50 % and 75 % improved, by intake score",
            t.aft_predictions,
            "From each parametric model.",
        ),
        *_optional(
            "Beside Howard et al. (1986)",
            t.howard,
            "Probit of the cumulative proportion improved on log10 sessions, fitted to "
            "this data set by maximum likelihood (a log-normal time to improvement), "
            "beside Howard's line through 50 % by 8 and 75 % by 26 sessions.",
        ),
        "<h2>Sensitivity to the event definition</h2>",
        "<p>Each definition and timing, all clients pooled (Kaplan-Meier).</p>",
        _table(t.sensitivity),
        "<h2>Pre-post clinical significance</h2>",
        "<p>First scored assessment against the last; percentages of the clients used.</p>",
        _table(t.prepost_categories),
        _table(t.prepost_by_group),
        "<h3>Mean scores and pre-post effect size</h3>",
        _table(t.prepost_effects),
        "<h3>Reliable change: method, constants and sample statistics</h3>",
        _table(t.reliable_change),
        *_calibration(t.calibration),
        *_by_dataset(t.by_dataset),
        "<h2>Settings used</h2><ul class='settings'>",
        *(f"<li>{html.escape(s)}</li>" for s in settings),
        "</ul>",
        *_provenance(t.provenance, effective_config),
        "<p>Aggregates only: this report holds no client's rows.</p></body></html>",
    ]
    return "\n".join(parts)


def render_dataset_report(
    name: str,
    ds: Mapping[str, Any],
    tables: ReportTables,
    figure_png: bytes,
    conf_level: float,
    analysis: Mapping[str, Any] | None = None,
    conf_type: str = "log-log",
) -> str:
    """The report of data set ``name`` from its config section ``ds``."""
    import yaml

    from dosecurve.config import dataset_bands, primary_definition
    from dosecurve.methods import settings_lines

    effective = {"datasets": {name: dict(ds)}, "analysis": dict(analysis or {})}
    return render_report(
        dataset=name,
        tables=tables,
        figure_png=figure_png,
        settings=settings_lines(ds, conf_level=conf_level, conf_type=conf_type),
        conf_type=conf_type,
        event=primary_definition(ds).definition.replace("_", " "),
        conf_level=conf_level,
        strata=[b.name for b in dataset_bands(ds)],
        effective_config=yaml.safe_dump(effective, sort_keys=False, allow_unicode=True),
    )
