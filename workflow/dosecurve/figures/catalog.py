"""Every figure of a data set: what it is drawn from, how, and its caption.

The workflow's ``figure`` adapter looks a figure up here by name, computes its data
(aggregates), writes them as CSV, and draws the figure from the written (suppressed)
tables; the report embeds the figures with the captions defined here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dosecurve.config import DatasetSettings, FigureSettings, figure_settings, group_key
from dosecurve.figures import data as fd
from dosecurve.figures.change import (
    gel_lines,
    plot_caterpillar,
    plot_expected_recovery,
    plot_gel,
    plot_review_points,
)
from dosecurve.figures.curves import (
    group_colour,
    plot_dose_response,
    plot_forest,
    plot_improvement,
    plot_incidence,
    plot_small_multiples,
)
from dosecurve.figures.layout import fit_width, time_breaks
from dosecurve.figures.scores import plot_attendance, plot_jacobson, plot_trajectories
from dosecurve.figures.sensitivity import ending_data, plot_ending_sensitivity
from dosecurve.labels import Clock, level_text
from dosecurve.measures.instruments import Instrument
from dosecurve.privacy import suppress
from dosecurve.report.readable import p_phrase
from dosecurve.stats.kaplan_meier import ALL, fit_by_stratum
from dosecurve.stats.logrank import logrank_tests

Tables = Mapping[str, pd.DataFrame]


@dataclass(frozen=True)
class FigureContext:
    """The settings a figure needs, resolved from the data set's config."""

    strata: tuple[str, ...]
    conf_level: float
    conf_type: str
    instrument: Instrument
    method: str
    event: str
    definition: str
    min_cell: int | None = None
    clock: Clock = field(default_factory=Clock)
    figures: FigureSettings = field(default_factory=FigureSettings)


def figure_context(
    ds: DatasetSettings,
    *,
    conf_level: float,
    conf_type: str,
    min_cell: int | None = None,
    figures: FigureSettings | Mapping[str, Any] | None = None,
) -> FigureContext:
    """The settings a figure needs; ``figures`` is the parsed ``figures`` section or the
    plain one a rule passes (parsed here by ``config.figure_settings``)."""
    if figures is not None and not isinstance(figures, FigureSettings):
        figures = figure_settings({"figures": dict(figures)})
    primary = ds.primary
    return FigureContext(
        strata=tuple(ds.strata),
        conf_level=conf_level,
        conf_type=conf_type,
        instrument=ds.instrument,
        method=ds.prepost.method,
        event=primary.label,
        definition=primary.describe(),
        min_cell=min_cell,
        clock=ds.clock,
        figures=figures or FigureSettings(),
    )


@dataclass(frozen=True)
class FigureSpec:
    """A figure: ``inputs`` names the files it is drawn from (``dosecurve.outputs``),
    ``data`` turns them into its tables (the first is written as
    ``<name>.csv``, any other as ``<name>_<key>.csv``), ``plot`` draws from them and
    ``caption`` says what was estimated and how."""

    name: str
    title: str
    # keys of dosecurve.outputs.OUTPUTS it is drawn from, or of dosecurve.parts.PARTS (what
    # it reads from the session rows)
    inputs: tuple[str, ...]
    data: Callable[[Tables, FigureContext], dict[str, pd.DataFrame]]
    plot: Callable[[Tables, FigureContext], Figure]
    caption: Callable[[FigureContext], str]
    settings: tuple[str, ...] = ("width",)  # the figures keys it reads (and re-runs on)

    def full_caption(self, context: FigureContext) -> str:
        """The caption with where the figure's data are."""
        return f"{self.caption(context)} Data: figures/{self.name}.csv."


def logrank_label(logrank: pd.DataFrame) -> str:
    """The log-rank test as written on the figure."""
    row = logrank.iloc[0]
    if isinstance(row.get("note"), str) and row["note"]:
        return f"Log-rank: {row['note']}"
    return (
        f"Log-rank test: chi-square({int(row['df'])}) = {row['statistic']:.1f}, "
        f"{p_phrase(row['p_value'])}"
    )


def _km(inputs: Tables, c: FigureContext) -> pd.DataFrame:
    fit = fit_by_stratum(inputs["events"], c.strata, conf_level=c.conf_level, conf_type=c.conf_type)
    return fit.tidy()


def _improvement_data(inputs: Tables, c: FigureContext) -> dict[str, pd.DataFrame]:
    """The Kaplan-Meier curves up to each horizon (what is drawn), the risk table at the
    axis' breaks (counted on the full curves), the log-rank test and the horizons."""
    curves = _km(inputs, c)
    ends = fd.horizons(curves, c.figures.horizon)
    shown = fd.within_horizon(curves, ends)
    breaks = time_breaks(shown, c.figures.log_dose)
    return {
        "curves": shown,
        "risk_table": fd.risk_table(curves, breaks),
        "logrank": inputs["logrank"],
        "horizon": ends,
    }


def _improvement_plot(t: Tables, c: FigureContext) -> Figure:
    return plot_improvement(
        t["curves"],
        t["risk_table"],
        c.strata,
        event_label=c.event,
        subtitle=f"Kaplan-Meier, {level_text(c.conf_level)} {c.conf_type} CI; {c.definition}",
        test=logrank_label(t["logrank"]),
        time_label=c.clock.axis,
        log_dose=c.figures.log_dose,
    )


def _incidence_data(inputs: Tables, c: FigureContext) -> dict[str, pd.DataFrame]:
    """The cumulative incidences up to the Kaplan-Meier curves' horizons (the same clients
    are at risk in both), and the risk table at the axis' breaks."""
    cif = fd.incidence_curves(
        inputs["events"], c.strata, conf_level=c.conf_level, conf_type=c.conf_type
    )
    ends = fd.horizons(_km(inputs, c), c.figures.horizon)
    shown = fd.within_horizon(cif, ends)
    breaks = time_breaks(shown, log_dose=False)
    return {
        "cif": shown,
        "risk_table": fd.incidence_risk_table(cif, breaks),
        "horizon": ends,
    }


def _ci(c: FigureContext) -> str:
    return f"{level_text(c.conf_level)} {c.conf_type} confidence bands"


FIGURES: dict[str, FigureSpec] = {
    spec.name: spec
    for spec in (
        FigureSpec(
            "improvement_by_severity",
            "Time to improvement by intake severity",
            ("events", "logrank"),
            _improvement_data,
            _improvement_plot,
            lambda c: (
                f"Cumulative proportion of clients with {c.event} (1 minus the "
                f"Kaplan-Meier estimate) by {c.clock.axis.lower()}, per intake severity stratum "
                "and "
                f"all clients (grey, dashed), with {_ci(c)}; ticks: censored clients; dots and "
                "dotted lines: medians; the log-rank test across strata is in the title. "
                f"Below: clients at risk at each {c.clock.singular}, and how many had improved or "
                "been "
                "censored by then."
            ),
            ("width", "horizon", "log_dose"),
        ),
        FigureSpec(
            "improvement_panels",
            "Each stratum against all clients",
            ("events",),
            lambda i, c: {"curves": _km(i, c)},
            lambda t, c: plot_small_multiples(t["curves"], c.strata, c.clock.axis),
            lambda c: (
                f"One panel per intake severity stratum: its Kaplan-Meier cumulative "
                f"proportion improved with {_ci(c)}, over the curve of all clients (grey)."
            ),
        ),
        FigureSpec(
            "ending_sensitivity",
            "How much the answer depends on why clients stop",
            ("ending_sensitivity",),
            lambda i, c: {"points": ending_data(i["ending_sensitivity"])},
            lambda t, c: plot_ending_sensitivity(t["points"], c.clock.axis),
            lambda c: (
                f"Cumulative proportion with {c.event}, all clients, at each tabulated "
                f"{c.clock.singular}: Kaplan-Meier (every ending censored: assumes ending says "
                "nothing about the chance of improving) and inverse-probability-of-censoring "
                "weighted (assumes ending is explained by the observed scores, session and "
                f"intake), with {level_text(c.conf_level)} CIs (IPCW: bootstrap); grey band: "
                "from none to all of those who ended without improvement improving at their "
                "next session. Lines join the tabulated sessions (analysis.improved_at)."
            ),
        ),
        FigureSpec(
            "cumulative_incidence",
            "Improvement and ending without it, during therapy as delivered",
            ("events",),
            _incidence_data,
            lambda t, c: plot_incidence(t["cif"], t["risk_table"], c.strata, c.clock.axis),
            lambda c: (
                "Aalen-Johansen cumulative incidence of improvement (top) and of ending therapy "
                f"without improvement (middle: planned, dropout or unknown ending) by "
                f"{c.clock.axis.lower()}, with {_ci(c)} (the during_therapy estimand; only "
                "clients still in therapy are censored): unlike 1 minus Kaplan-Meier, a client "
                f"who ended cannot improve later. Below: clients at risk at each "
                f"{c.clock.singular}, and how many had improved or ended without improvement "
                "by then."
            ),
            ("width", "horizon"),
        ),
        FigureSpec(
            "dose_response",
            "Dose-response: fitted curves and published benchmarks",
            ("km_curves", "aft_smooth", "aft"),
            lambda i, c: {
                "curves": fd.dose_response(
                    i["km_curves"], i["aft_smooth"], i["aft"], benchmarks=c.clock.is_sessions
                )
            },
            lambda t, c: plot_dose_response(t["curves"], c.strata, c.clock.axis),
            lambda c: (
                "Kaplan-Meier steps (thin) and the lowest-AIC accelerated failure time "
                "model (dashed, evaluated at every session and drawn only over the stratum's "
                "observed follow-up: predictions beyond it are extrapolations, flagged in "
                "tables/aft_predictions.csv) for a client with each stratum's median intake "
                "score"
                + (
                    "; the dotted line is Howard et al.'s (1986) probit curve through their "
                    "published points (squares: 50 % improved by 8 sessions, 75 % by 26). Nordmo "
                    "et al.'s (2021) 57 sessions is a median among clients improved at "
                    "termination, not a point on these curves: the benchmarks table sets it "
                    "beside that reading."
                    if c.clock.is_sessions
                    else f". Published session-based benchmarks are not drawn: this data set "
                    f"counts {c.clock.unit}."
                )
            ),
        ),
        FigureSpec(
            "jacobson",
            "Jacobson plot: intake against last score",
            ("first_last",),
            lambda i, c: {"cells": _cells(fd.last_pairs(i["first_last"]), c)},
            lambda t, c: plot_jacobson(t["cells"], c.instrument, post_label="last assessment"),
            lambda c: _jacobson_caption(c, "the last scored assessment"),
        ),
        FigureSpec(
            "jacobson_at_event",
            "Jacobson plot: intake against the score at the event",
            ("event_pairs",),
            lambda i, c: {"cells": _cells(i["event_pairs"], c)},
            lambda t, c: plot_jacobson(t["cells"], c.instrument, post_label="event or censoring"),
            lambda c: _jacobson_caption(
                c,
                f"the session of {c.event} (or, for censored clients, the last assessment "
                "at or before censoring)",
            ),
        ),
        FigureSpec(
            "trajectories",
            "Mean score by session and intake severity",
            ("score_counts",),
            lambda i, c: {"means": fd.trajectories(i["score_counts"], c.strata, c.conf_level)},
            lambda t, c: plot_trajectories(
                t["means"], c.strata, c.instrument, c.clock.singular.capitalize()
            ),
            lambda c: (
                f"Mean {c.instrument.name} score at each {c.clock.singular} per intake severity "
                f"stratum with {level_text(c.conf_level)} t-based confidence bands, at sessions "
                "where at "
                f"least {fd.MIN_MEAN_N} clients of the stratum were scored (later sessions are "
                "attended by fewer, often slower-improving clients); dotted: the cutoff."
            ),
        ),
        FigureSpec(
            "sessions_attended",
            "Sessions attended by intake severity",
            ("events",),
            lambda i, c: {"bins": fd.attendance(i["events"], c.strata)},
            lambda t, c: plot_attendance(t["bins"], c.strata, c.clock.axis),
            lambda c: (
                "Distribution of the number of sessions attended, as percent of each "
                "stratum's eligible clients." + _suppressed_note(c, "Bins")
            ),
        ),
        FigureSpec(
            "gel_trajectories",
            "Change per session by treatment length (good-enough level test)",
            ("gel_test",),
            lambda i, c: {"lines": gel_lines(i["gel_test"])},
            lambda t, c: plot_gel(t["lines"], f"{c.instrument.name} score", c.clock),
            lambda c: (
                f"Fitted mean score by {c.clock.singular} for clients grouped by their length "
                f"of therapy ({c.clock.unit}), each line over its band's observed range: a "
                "linear mixed model (maximum "
                "likelihood; random intercept and slope per client, and per therapist when "
                "known) with a time x length-band interaction (tables/gel_test.csv); the "
                "open-ended band is drawn to its median length. Steeper "
                "lines in shorter bands are the good-enough level pattern; parallel lines, a "
                "common dose effect."
            ),
        ),
        FigureSpec(
            "therapist_caterpillar",
            "Therapists' shrunken estimates",
            ("therapist_estimates",),
            lambda i, c: {"estimates": i["therapist_estimates"]},
            lambda t, c: plot_caterpillar(t["estimates"], c.clock),
            lambda c: (
                "Each therapist's conditional-mode (shrunken) estimate with its "
                f"{level_text(c.conf_level)} conditional-variance interval, ranked: top, the "
                f"rate of change per {c.clock.singular} from the linear growth model's "
                "therapist level; "
                "bottom, the hazard ratio of improving from the discrete-time (cloglog) model "
                "with a therapist random intercept. Therapists are named by rank unless "
                "privacy.show_therapists is true; those with fewer clients than "
                "privacy.min_cell are left out."
            ),
        ),
        FigureSpec(
            "review_points",
            "Chance of improving from a review point",
            ("review_points",),
            lambda i, c: {"points": i["review_points"]},
            lambda t, c: plot_review_points(t["points"], c.strata, c.clock),
            lambda c: (
                f"For a client not yet improved by each review {c.clock.singular}, the chance of "
                f"improving within the next m {c.clock.unit} (one panel per m; "
                "analysis.review_points), 1 - S(k + m) / S(k) from the Kaplan-Meier curve per "
                f"intake stratum (filled markers, Greenwood {level_text(c.conf_level)} CIs) "
                "and from the IPCW-weighted curve (open markers, dashed: ending explained by "
                "the observed scores; bootstrap CIs); points with fewer than 10 clients still "
                "at risk are not drawn."
            ),
        ),
        FigureSpec(
            "expected_recovery",
            "Expected-recovery bands",
            ("expected_recovery",),
            lambda i, c: {"bands": i["expected_recovery"]},
            lambda t, c: plot_expected_recovery(
                t["bands"], c.strata, f"{c.instrument.name} score", c.instrument.cutoff, c.clock
            ),
            lambda c: (
                f"Median score (line) and 10th to 90th percentiles (band) by {c.clock.singular} "
                "of the clients "
                f"who went on to show {c.event}, per intake stratum, at {c.clock.unit} with at "
                "least 10 such clients scored; dotted: the cutoff. A client outside the band is "
                "not on the path those clients took (the basis of 'not on track' flags)."
            ),
        ),
        FigureSpec(
            "cox_forest",
            "Cox models: hazard ratios",
            ("cox",),
            lambda i, c: {"hazard_ratios": fd.forest(i["cox"])},
            lambda t, c: plot_forest(t["hazard_ratios"]),
            lambda c: (
                "Hazard ratios with confidence intervals from each Cox model of the Cox "
                "table (log scale; 1 = no difference): of improvement (above 1: improving sooner), "
                "except in the cause-specific dropout model, where they are hazards of dropout."
            ),
        ),
    )
}


def _cells(pairs: pd.DataFrame, c: FigureContext) -> pd.DataFrame:
    return fd.jacobson_cells(
        pairs["pre"].to_numpy(), pairs["post"].to_numpy(), method=c.method, instrument=c.instrument
    )


def _suppressed_note(c: FigureContext, what: str) -> str:
    if not c.min_cell:
        return ""
    return f" {what} with fewer than {c.min_cell} clients are drawn at zero (privacy)."


def _jacobson_caption(c: FigureContext, post: str) -> str:
    i = c.instrument
    return (
        f"Intake {i.name} score against {post}. Clients are binned into cells of "
        f"{fd.score_step(i):g} points (marker area: clients in the cell; no single client's "
        f"scores are shown), coloured by change category ({c.method.upper()} reliable change "
        f"and the cutoff {i.cutoff:g}); grey band: within +-{i.reliable_change:g} points of "
        "no change; dashed lines: the cutoff."
        + _suppressed_note(c, "Cells").replace("drawn at zero", "not drawn")
    )


GROUP_PREFIX = "improvement_by_group_"  # + the grouping column's file name
GROUP_SETTINGS = ("width", "horizon", "log_dose")  # the figures keys a curve by group reads


def group_data(events: pd.DataFrame, column: str, c: FigureContext) -> dict[str, pd.DataFrame]:
    """The main figure's tables with the curves by a ``groups`` column (a treatment arm)
    instead of by severity: Kaplan-Meier per group up to each horizon, the risk table at
    the axis' breaks, the log-rank test across the groups, and the horizons."""
    values = events[column].astype(str).where(events[column].notna(), "(missing)")
    grouped = events.assign(stratum=values)
    levels = sorted(values.loc[grouped["eligible"].astype(bool)].unique())
    curves = fit_by_stratum(grouped, levels, conf_level=c.conf_level, conf_type=c.conf_type).tidy()
    ends = fd.horizons(curves, c.figures.horizon)
    shown = fd.within_horizon(curves, ends)
    breaks = time_breaks(shown, c.figures.log_dose)
    eligible = grouped.loc[grouped["eligible"].astype(bool)]
    # the overall log-rank test only: groups have no order for a trend test
    test = logrank_tests(eligible, levels)[0].iloc[[0]] if len(levels) > 1 else _no_test(levels)
    return {
        "curves": shown,
        "risk_table": fd.risk_table(curves, breaks),
        "logrank": test,
        "horizon": ends,
    }


def _no_test(levels: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "test": ["log-rank"],
            "statistic": [np.nan],
            "df": [np.nan],
            "p_value": [np.nan],
            "note": [f"not applicable: {len(levels)} group(s)"],
        }
    )


def draw_group_figure(
    events: pd.DataFrame, column: str, context: FigureContext
) -> tuple[dict[str, pd.DataFrame], Figure]:
    """The curve by ``column`` (a ``groups`` column) with its own risk table and log-rank
    test, as ``draw_figure`` returns a catalogued figure."""
    tables = {
        key: suppress(t, context.min_cell) for key, t in group_data(events, column, context).items()
    }
    levels = [s for s in dict.fromkeys(tables["curves"]["stratum"]) if s != ALL]
    fig = plot_improvement(
        tables["curves"],
        tables["risk_table"],
        levels,
        event_label=context.event,
        subtitle=(
            f"Kaplan-Meier, {level_text(context.conf_level)} {context.conf_type} CI; "
            f"{context.definition}"
        ),
        test=logrank_label(tables["logrank"]),
        time_label=context.clock.axis,
        log_dose=context.figures.log_dose,
        legend_title=f"{column} (dots: medians)",
        what=f"by {column}",
        palette=group_colour,
    )
    files = {("csv" if i == 0 else key): t for i, (key, t) in enumerate(tables.items())}
    return files, fit_width(fig, context.figures.width_mm)


def group_caption(column: str, c: FigureContext) -> str:
    """The caption of the curve by a ``groups`` column."""
    return (
        f"Cumulative proportion of clients with {c.event} (1 minus the Kaplan-Meier "
        f"estimate) by {c.clock.axis.lower()}, per value of {column} and all clients (grey, "
        f"dashed), with {_ci(c)}; ticks: censored clients; dots: medians; the log-rank test "
        f"across the groups in the title. Below: clients at risk at each tick, and how many "
        f"had improved or been censored by then. Data: figures/{GROUP_PREFIX}"
        f"{group_key(column)}.csv."
    )


def draw_figure(
    name: str, inputs: Tables, context: FigureContext
) -> tuple[dict[str, pd.DataFrame], Figure]:
    """Figure ``name`` from its inputs: its tables with small counts suppressed
    (``context.min_cell``), keyed by the file each is written to (``csv`` for the first,
    ``<figure>.csv``; the key for the others, ``<figure>_<key>.csv``), and the figure drawn
    from those suppressed tables, so that it shows nothing its data files hide."""
    spec = FIGURES[name]
    tables = {key: suppress(t, context.min_cell) for key, t in spec.data(inputs, context).items()}
    files = {("csv" if i == 0 else key): t for i, (key, t) in enumerate(tables.items())}
    return files, fit_width(spec.plot(tables, context), context.figures.width_mm)
