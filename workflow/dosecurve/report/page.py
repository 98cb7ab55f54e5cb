"""The self-contained HTML report of one data set: aggregates only, images embedded."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dosecurve.config import AnalysisSettings, DatasetSettings, FigureSettings
from dosecurve.labels import Clock
from dosecurve.report.answer import gradient_sentence, not_reached_sentence
from dosecurve.report.change import change_sections
from dosecurve.report.estimands import (
    benchmark_table,
    ending_sentence,
    estimand_sentences,
    sparse_sentence,
)
from dosecurve.report.methods import REFERENCES
from dosecurve.report.sections import (
    CONTENTS,
    STYLE,
    TableFormat,
    answer_table,
    by_dataset,
    calibration,
    dropout_unrecorded,
    empty_strata,
    figure_html,
    flow_wide,
    group_figures,
    headline,
    improved_wide,
    logrank_text,
    optional,
    provenance,
    skipped,
    table_html,
    therapists_unknown,
    unconfirmed_text,
    with_contents,
)


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
    estimands: pd.DataFrame | None = None
    competing_tests: pd.DataFrame | None = None
    ending_sensitivity: pd.DataFrame | None = None
    cluster_bootstrap: pd.DataFrame | None = None
    tipping_point: pd.DataFrame | None = None
    quantiles: pd.DataFrame | None = None
    pairwise: pd.DataFrame | None = None
    rmst: pd.DataFrame | None = None
    competing: pd.DataFrame | None = None
    cox: pd.DataFrame | None = None
    cox_ph: pd.DataFrame | None = None
    aft: pd.DataFrame | None = None
    aft_predictions: pd.DataFrame | None = None
    howard: pd.DataFrame | None = None
    aft_curves: pd.DataFrame | None = None
    discrete: pd.DataFrame | None = None
    interval: pd.DataFrame | None = None
    by_group: pd.DataFrame | None = None
    provenance: pd.DataFrame | None = None
    calibration: pd.DataFrame | None = None
    by_dataset: pd.DataFrame | None = None
    growth_models: pd.DataFrame | None = None
    gel_test: pd.DataFrame | None = None
    recovery_by_length: pd.DataFrame | None = None
    therapist_effects: pd.DataFrame | None = None
    review_points: pd.DataFrame | None = None
    km_curves: pd.DataFrame | None = None
    horizon: pd.DataFrame | None = None  # where the main figure's curves end (FIGURE_DATA)


# ReportTables fields read from a figure's data (figures/<figure>_<key>.csv), not from the
# registry of tables (dosecurve.outputs)
FIGURE_DATA = {"horizon": "figures/improvement_by_severity_horizon.csv"}


def render_report(
    *,
    dataset: str,
    tables: ReportTables,
    figures: Mapping[str, tuple[str, str, bytes]],
    settings: Sequence[str],
    methods: str = "",
    event: str = "clinically significant improvement",
    conf_level: float = 0.95,
    strata: Sequence[str] = (),
    effective_config: str = "",
    conf_type: str = "log-log",
    clock: Clock | None = None,
    primary_estimand: str = "if_continued",
    primary_definition: str = "csi",
    lower_is_better: bool = True,
) -> str:
    """Render the whole report as one HTML string with the figures embedded.

    ``figures`` maps a figure's name to its title, caption and PNG bytes; the answer leads
    with ``primary_estimand`` and then states every other estimand."""
    t = tables
    clock = clock or Clock()
    tabulated = [int(s) for s in dict.fromkeys(t.improved["session"]) if int(s) > 0]
    usual = [s for s in (8, 26, 52) if s in tabulated]  # Howard's and Nordmo's landmarks
    landmarks = usual if len(usual) == 3 and clock.is_sessions else tabulated[-3:]

    def fig(name: str) -> list[str]:
        return figure_html(figures, name)

    sparse = sparse_sentence(t.interval, clock)  # a sparse schedule: interval readings lead
    sentences = (
        estimand_sentences(
            t.estimands,
            primary=primary_estimand,
            event=event,
            clock=clock,
            conf_level=conf_level,
        )
        if t.estimands is not None
        else []
    )
    lead = [" ".join([sparse, *sentences[:1]]).strip()] if sparse or sentences else []

    form = TableFormat(clock, conf_level)

    def table(frame: pd.DataFrame, csv: str | None = None) -> str:
        return table_html(frame, form, csv=csv)

    def section(title: str, frame: pd.DataFrame | None, text: str, csv: str | None = None):
        return optional(title, frame, text, form=form, csv=csv)

    no_therapists = therapists_unknown(t.cluster_bootstrap)
    no_dropout = dropout_unrecorded(t.competing)
    parts = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>dosecurve report: {html.escape(dataset)}</title>",
        f"<style>{STYLE}</style></head><body>",
        f"<h1>{clock.title} to {html.escape(event)}: {html.escape(dataset)}</h1>",
        "<p class='answer' id='headline'>"
        f"{headline(dataset, t.medians, t.improved, conf_level, event, clock, *lead)}"
        "</p>",
        *(
            [f"<p id='gradient'>{gradient}</p>"]
            if (gradient := gradient_sentence(t.medians, t.improved, t.logrank, strata, clock))
            else []
        ),
        *(
            [f"<p id='not-reached'>{reached}</p>"]
            if (reached := not_reached_sentence(t.medians, t.km_curves, clock, conf_level))
            else []
        ),
        *(
            [
                "<p>The same data read the other ways; each number names its estimand and "
                "what it assumes about clients who ended therapy:</p><ul class='estimands' "
                "id='estimands'>",
                *(f"<li>{s}</li>" for s in sentences[1:]),
                "</ul>",
            ]
            if sentences
            else []
        ),
        *(
            [f"<p id='ending-sensitivity'>{ending}</p>"]
            if (
                ending := ending_sentence(
                    t.ending_sensitivity, t.tipping_point, clock=clock, conf_level=conf_level
                )
            )
            else []
        ),
        table(answer_table(t.medians, t.improved, landmarks, conf_level, clock)),
        *empty_strata(strata, t.medians),
        CONTENTS,
        "<h2>Participant flow</h2><p>Every client in the input is counted once per event "
        "definition.</p>",
        table(flow_wide(t.flow)),
        "<h3>Data checks</h3><p>Recoverable problems in the input and what was done.</p>",
        table(t.data_checks),
        "<h2>Methods</h2>",
        f"<p id='methods'>{html.escape(methods)}</p>" if methods else "",
        "<h3>Settings used</h3><ul class='settings'>",
        *(f"<li>{html.escape(s)}</li>" for s in settings),
        "</ul>",
        "<h2>Time to improvement by intake severity</h2>",
        *fig("improvement_by_severity"),
        f"<p>{logrank_text(t.logrank)}</p>",
        *fig("improvement_panels"),
        *group_figures(figures),
        *(
            section(
                "By group",
                t.by_group,
                f"Median {clock.unit} to improvement by the configured grouping columns "
                "(alone and, if asked, crossed with severity), with the log-rank test across "
                "the groups.",
                "by_group",
            )
            if t.by_group is not None and not t.by_group.empty
            else []
        ),
        "<h2>Estimates</h2>",
        *section(
            f"Median {clock.unit} to improvement",
            t.medians,
            "Kaplan-Meier median with its confidence interval (the if_continued estimand), and "
            "the median among the clients who improved.",
            "median_sessions",
        ),
        *section(
            f"Cumulative proportion improved by {clock.singular}",
            improved_wide(t.improved, clock),
            f"1 minus Kaplan-Meier at each tabulated {clock.singular} (analysis.improved_at); "
            "with confidence limits and the numbers at risk in tables/improved_by_session.csv.",
            "improved_by_session",
        ),
        *section(
            f"{clock.title} by which 25, 50, 75 and 95 % had improved",
            t.quantiles,
            "Kaplan-Meier quantiles with confidence limits.",
            "quantiles",
        ),
        *section(
            f"Restricted mean {clock.unit} without improvement",
            t.rmst,
            "Area under the Kaplan-Meier curve up to the horizon (R print(survfit, "
            "rmean = )), and each stratum's difference from the mildest with its CI.",
            "restricted_mean",
        ),
        *section(
            "Estimands side by side",
            t.estimands,
            "Every estimand per stratum and overall: if continued "
            "(Kaplan-Meier), during therapy (Aalen-Johansen, every ending without improvement "
            "competing), among the improved (event times of those who improved) and "
            "at termination (first against last assessment).",
            "estimands",
        ),
        *benchmarks(t, clock, form),
        "<h2>Models</h2>",
        *section(
            "Log-rank tests",
            t.logrank,
            "Across the severity strata, and for a trend over their order.",
            "logrank",
        ),
        *section(
            "Pairwise log-rank tests",
            t.pairwise,
            "Each pair of strata on its own clients; p (Holm): Holm-adjusted.",
            "logrank_pairwise",
        ),
        *section(
            "Cox proportional hazards",
            t.cox,
            "Hazard ratios of improvement (above 1: improving sooner) for the intake score "
            "per point and for each stratum against the mildest; Efron ties; CIs from the "
            "therapist cluster-robust SE when a therapist column exists.",
            "cox",
        ),
        *fig("cox_forest"),
        *section(
            "Proportional-hazards check",
            t.cox_ph,
            "Score test of R's cox.zph (Kaplan-Meier transform), per covariate and global.",
            "cox_ph_test",
        ),
        *section(
            "Discrete-time hazard model",
            t.discrete,
            f"Complementary log-log model of improving at each {clock.singular}, on log "
            f"{clock.singular} and the intake score (hazard ratio per point), on "
            f"person-{clock.singular} rows; "
            "cluster-robust SEs by therapist when therapists are known.",
            "discrete_time",
        ),
        *section(
            "Parametric dose-response models",
            t.aft,
            f"Accelerated failure time models of {clock.unit} to improvement on the intake "
            "score (as R survreg); the lowest AIC fits best.",
            "aft_models",
        ),
        *fig("dose_response"),
        *section(
            f"Predicted {clock.unit} for 50 % and 75 % improved, by intake score",
            t.aft_predictions,
            "From each parametric model; beyond the observed follow-up a prediction is an "
            "extrapolation (flagged in tables/aft_predictions.csv).",
            "aft_predictions",
        ),
        *section(
            "Fitted curves beside Kaplan-Meier",
            t.aft_curves,
            "Cumulative proportion improved from each parametric model for a client with the "
            "stratum's median intake score, beside the stratum's Kaplan-Meier estimate.",
            "aft_curves",
        ),
        *section(
            "Beside Howard et al. (1986)",
            t.howard if clock.is_sessions else None,  # Howard counted sessions
            "Probit of the cumulative proportion improved on log10 sessions, fitted to "
            "this data set by maximum likelihood (a log-normal time to improvement), "
            "beside Howard's line through 50 % by 8 and 75 % by 26 sessions.",
            "howard_probit",
        ),
        *change_sections(t, fig, clock, strata, lower_is_better, form),
        "<h2>Sensitivity</h2>",
        "<h3>Why clients stop</h3>",
        *(
            skipped("Dropout as a competing event", no_dropout, level=4)
            if no_dropout
            else [
                *section(
                    "Dropout as a competing event",
                    t.competing,
                    "Cumulative incidence of improvement and of dropout (Aalen-Johansen) "
                    "beside 1 - Kaplan-Meier, which treats dropout as censoring; "
                    "overstatement: how much 1 - Kaplan-Meier exceeds the cumulative "
                    "incidence of improvement.",
                    "competing_risks",
                )
            ]
        ),
        *fig("cumulative_incidence"),
        *section(
            "Competing-risks tests",
            t.competing_tests,
            "Gray's test that the cumulative incidence is the same in every stratum, and Fine "
            "and Gray's model of the subdistribution hazard on the intake score (hazard ratio "
            "per point), for improvement and for ending without it.",
            "competing_risks_tests",
        ),
        *section(
            "Adjusted estimates and bounds",
            t.ending_sensitivity,
            "The cumulative proportion improved and the median, all clients and per stratum: "
            "Kaplan-Meier (every ending censored), IPCW (weighted by the inverse "
            "probability of staying in therapy, from a pooled logistic model of ending after "
            "each assessment on the last score, its change from intake, session and intake; "
            "bootstrap CIs), best case and worst case (everyone / no one who ended without "
            "improvement would have improved at their next session).",
            "ending_sensitivity",
        ),
        *fig("ending_sensitivity"),
        *section(
            "Tipping point",
            t.tipping_point,
            "The trend test across the ordered strata when those who ended without improvement "
            "are given delta times the hazard of improving of clients who stayed (imputed); "
            "conclusion changed: its direction or significance at 5 % differs from the plain "
            "analysis.",
            "ending_tipping_point",
        ),
        *(
            skipped("Allowing for therapists", no_therapists)
            if no_therapists
            else section(
                "Allowing for therapists",
                t.cluster_bootstrap,
                "The % improved and the median with Greenwood's interval (every client "
                "independent) beside the therapist cluster-bootstrap interval (therapists "
                "resampled with their clients); design effect: the squared ratio of the "
                "widths, about how much clustering inflates the variance.",
                "cluster_bootstrap",
            )
        ),
        *section(
            f"When assessments are not every {clock.singular}",
            t.interval,
            f"The median {clock.unit} to improvement read with the event at the first assessment "
            "meeting the definition (right point), at the middle of the interval since the "
            "previous assessment, as Turnbull's interval, and from interval-censored fits.",
            "interval_median",
        ),
        "<h3>Sensitivity to the event definition</h3>",
        "<p>Each definition and timing, all clients pooled (Kaplan-Meier).</p>",
        table(t.sensitivity, "sensitivity"),
        f"<p id='unconfirmed'>{unconfirmed_text(t.sensitivity, primary_definition, clock)}</p>",
        "<h2>Pre-post clinical significance</h2>",
        "<p>First scored assessment against the last; percentages of the clients used.</p>",
        table(t.prepost_categories, "prepost_categories"),
        table(t.prepost_by_group, "prepost_by_group"),
        "<h3>Mean scores and pre-post effect size</h3>",
        table(t.prepost_effects, "prepost_effects"),
        "<h3>Reliable change: method, constants and sample statistics</h3>",
        table(t.reliable_change, "reliable_change"),
        *fig("jacobson"),
        *fig("jacobson_at_event"),
        "<h3>Scores and attendance</h3>",
        *fig("trajectories"),
        *fig("sessions_attended"),
        *calibration(t.calibration, form),
        *by_dataset(t.by_dataset, form),
        "<h2>Provenance</h2>",
        *provenance(t.provenance, effective_config),
        "<h3>References</h3><ul class='references'>",
        *(f"<li>{html.escape(r)}</li>" for r in REFERENCES),
        "</ul>",
        "<p>Aggregates only: this report holds no client's rows.</p></body></html>",
    ]
    return with_contents("\n".join(parts))


def benchmarks(t: ReportTables, clock: Clock, form: TableFormat) -> list[str]:
    """Published dose-response benchmarks beside this data set (sessions clock only)."""
    if not clock.is_sessions:
        return [
            f"<p>Published dose-response benchmarks count sessions; this data set counts "
            f"{clock.unit}, so none is set beside it.</p>"
        ]
    return [
        "<h3>Beside published benchmarks</h3>",
        "<p>Published dose-response results (settings differ: brief versus open-ended "
        "therapy, instruments and definitions of improvement), each beside this data "
        "set's quantity read the way the paper read it (the reading names the "
        "estimand), all clients pooled.</p>",
        table_html(benchmark_table(t.estimands, t.improved, t.medians), form),
    ]


FIGURE_PREFIX = "figure_"  # report inputs named figure_<name> are the figures' PNG files


def read_report_inputs(paths: Mapping[str, str]) -> tuple[ReportTables, dict[str, bytes]]:
    """The report's tables (inputs named as ``ReportTables`` fields, read by
    ``dosecurve.results``) and its figures (inputs named ``figure_<name>``: PNG bytes by
    figure name); any other input is an error, so that a table the registry gives the report
    is never silently left out of it."""
    from dataclasses import fields

    from dosecurve.results import read_bytes, read_table

    names = {f.name for f in fields(ReportTables)}
    unknown = [k for k in paths if k not in names and not k.startswith(FIGURE_PREFIX)]
    if unknown:
        raise ValueError(f"report inputs {unknown} are neither ReportTables fields nor figures")
    required = [f.name for f in fields(ReportTables) if f.default is not None]
    missing = [k for k in required if k not in paths]
    if missing:
        raise ValueError(f"the report needs the tables {missing} (see dosecurve.outputs)")
    tables = ReportTables(**{k: read_table(v) for k, v in paths.items() if k in names})
    figures = {
        k.removeprefix(FIGURE_PREFIX): read_bytes(v)
        for k, v in paths.items()
        if k.startswith(FIGURE_PREFIX)
    }
    return tables, figures


def effective_config_text(
    name: str, section: Mapping[str, Any], analysis: Mapping[str, Any] | None
) -> str:
    """The data set's config section and the analysis settings as YAML: the text the
    report shows as its effective config (a record, not read for any setting)."""
    import yaml

    effective = {"datasets": {name: dict(section)}, "analysis": dict(analysis or {})}
    return yaml.safe_dump(effective, sort_keys=False, allow_unicode=True)


def render_dataset_report(
    name: str,
    settings: DatasetSettings,
    tables: ReportTables,
    figures: Mapping[str, bytes],
    conf_level: float,
    analysis: AnalysisSettings | None = None,
    conf_type: str = "log-log",
    min_cell: int | None = None,
    effective_config: str = "",
    figures_settings: FigureSettings | Mapping[str, Any] | None = None,
) -> str:
    """The report of data set ``name`` from its parsed ``settings``; ``effective_config``
    is the config text shown in its provenance (``effective_config_text``); ``figures`` maps
    figure names (of ``dosecurve.figures.catalog.FIGURES``) to PNG bytes."""
    from dosecurve.figures.catalog import (
        FIGURES,
        GROUP_PREFIX,
        figure_context,
        group_caption,
        group_key,
    )
    from dosecurve.figures.data import horizon_sentence
    from dosecurve.report.methods import methods_paragraph
    from dosecurve.report.settings_list import settings_lines

    context = figure_context(
        settings,
        conf_level=conf_level,
        conf_type=conf_type,
        min_cell=min_cell,
        figures=figures_settings,
    )
    tail = (
        horizon_sentence(tables.horizon, context.figures.horizon, context.clock.singular)
        if tables.horizon is not None
        else ""
    )
    ends = {"improvement_by_severity": tail, "cumulative_incidence": tail}
    return render_report(
        dataset=name,
        tables=tables,
        figures={
            key: (
                FIGURES[key]
                .title.replace("Sessions", context.clock.title)
                .replace("session", context.clock.singular),
                " ".join(x for x in (FIGURES[key].full_caption(context), ends.get(key)) if x),
                png,
            )
            for key, png in figures.items()
            if key in FIGURES
        }
        | {
            f"{GROUP_PREFIX}{group_key(column)}": (
                f"Time to improvement by {column}",
                group_caption(column, context),
                figures[f"{GROUP_PREFIX}{group_key(column)}"],
            )
            for column in settings.groups.columns
            if f"{GROUP_PREFIX}{group_key(column)}" in figures
        },
        settings=settings_lines(settings, conf_level=conf_level, conf_type=conf_type),
        methods=methods_paragraph(settings, conf_level=conf_level, conf_type=conf_type),
        conf_type=conf_type,
        event=settings.primary.label,
        conf_level=conf_level,
        strata=settings.strata,
        clock=settings.clock,
        primary_estimand=(analysis or AnalysisSettings()).primary_estimand,
        primary_definition=settings.primary.name,
        effective_config=effective_config,
        lower_is_better=settings.instrument.lower_is_better,
    )
