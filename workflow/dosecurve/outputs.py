"""What the workflow writes for each data set: one registry that the rules, the report's
inputs and the paper tables are all read from.

Each output has a key (the name the rules' ``input``/``output`` entries, the report's
``ReportTables`` field and the tests use), its path under ``results/<data set>/``, the rule
that writes it, and whether the report reads it and whether it is also written as a paper
table (``tables/paper/<stem>.md`` and ``.tex``). Figures are registered in
``dosecurve.figures.catalog.FIGURES``, with the files each is drawn from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

Only = Literal["simulated", "pooled"]


@dataclass(frozen=True)
class Output:
    """One file the workflow writes per data set."""

    key: str
    path: str  # under results/<data set>/
    rule: str  # the rule that writes it (its log is logs/<rule>.log)
    report: bool = True  # an input of the report
    paper: bool = False  # also tables/paper/<stem>.md and .tex
    only: Only | None = None  # written only for simulated or pooled data sets

    @property
    def stem(self) -> str:
        """The file name without its extension: the paper tables' names."""
        return PurePosixPath(self.path).stem


OUTPUTS: tuple[Output, ...] = (
    Output(
        "appointments", "simulated/appointments.parquet", "simulate", report=False, only="simulated"
    ),
    Output("truth", "simulated/truth.parquet", "simulate", report=False, only="simulated"),
    Output("sessions", "sessions.parquet", "sessions", report=False),
    Output("data_checks", "data_checks.csv", "sessions"),
    Output("provenance", "provenance.csv", "sessions"),
    Output("events", "events.parquet", "events", report=False),
    Output("events_by_definition", "events_by_definition.parquet", "events", report=False),
    Output("flow", "flow.csv", "events"),
    Output("km_curves", "tables/km_curves.csv", "survival"),
    Output("medians", "tables/median_sessions.csv", "survival", paper=True),
    Output("quantiles", "tables/quantiles.csv", "survival", paper=True),
    Output("improved", "tables/improved_by_session.csv", "survival", paper=True),
    Output("rmst", "tables/restricted_mean.csv", "survival", paper=True),
    Output("estimands", "tables/estimands.csv", "estimands", paper=True),
    Output("ending_sensitivity", "tables/ending_sensitivity.csv", "ending_sensitivity", paper=True),
    Output("tipping_point", "tables/ending_tipping_point.csv", "ending_sensitivity", paper=True),
    Output("cluster_bootstrap", "tables/cluster_bootstrap.csv", "cluster_bootstrap", paper=True),
    Output(
        "ending_review_points",
        "tables/ending_review_points.csv",
        "ending_sensitivity",
        report=False,
    ),
    Output("growth_models", "tables/growth_models.csv", "growth", paper=True),
    Output("gel_test", "tables/gel_test.csv", "growth", paper=True),
    Output("recovery_by_length", "tables/recovery_by_length.csv", "growth", paper=True),
    Output("therapist_effects", "tables/therapist_effects.csv", "growth", paper=True),
    Output("therapist_estimates", "tables/therapist_estimates.csv", "growth", report=False),
    Output("review_points", "tables/review_points.csv", "review_points", paper=True),
    Output("expected_recovery", "tables/expected_recovery.csv", "review_points", report=False),
    Output("logrank", "tables/logrank.csv", "compare_strata", paper=True),
    Output("pairwise", "tables/logrank_pairwise.csv", "compare_strata", paper=True),
    Output("competing", "tables/competing_risks.csv", "compare_strata", paper=True),
    Output("competing_tests", "tables/competing_risks_tests.csv", "compare_strata", paper=True),
    Output("cox", "tables/cox.csv", "cox", paper=True),
    Output("cox_ph", "tables/cox_ph_test.csv", "cox", paper=True),
    Output("discrete", "tables/discrete_time.csv", "discrete_time", paper=True),
    Output("aft", "tables/aft_models.csv", "dose_response", paper=True),
    Output("howard", "tables/howard_probit.csv", "dose_response", paper=True),
    Output("interval", "tables/interval_median.csv", "interval_censoring", paper=True),
    Output("sensitivity", "tables/sensitivity.csv", "compare_strata", paper=True),
    Output("by_group", "tables/by_group.csv", "by_group", paper=True),
    Output("aft_curves", "tables/aft_curves.csv", "dose_response", paper=True),
    Output("aft_predictions", "tables/aft_predictions.csv", "dose_response"),
    Output("aft_smooth", "tables/aft_smooth.csv", "dose_response", report=False),
    Output("prepost_categories", "tables/prepost_categories.csv", "prepost", paper=True),
    Output("prepost_effects", "tables/prepost_effects.csv", "prepost", paper=True),
    Output("prepost_by_group", "tables/prepost_by_group.csv", "prepost"),
    Output("reliable_change", "tables/reliable_change.csv", "prepost"),
    Output("calibration", "tables/calibration.csv", "calibration", only="simulated"),
    Output("by_dataset", "tables/by_dataset.csv", "by_dataset", only="pooled"),
    Output("report_page", "report.html", "report", report=False),
)

BY_KEY = {o.key: o for o in OUTPUTS}


def path_of(key: str, dataset: str = "{dataset}") -> str:
    """The output's path from the working directory (a Snakemake pattern by default).

    >>> path_of("medians"), path_of("flow", "demo")
    ('results/{dataset}/tables/median_sessions.csv', 'results/demo/flow.csv')
    """
    return f"results/{dataset}/{BY_KEY[key].path}"


def report_inputs(kind: str) -> dict[str, str]:
    """The report's input files (keys of ``ReportTables``) for a data set of this kind."""
    return {o.key: path_of(o.key) for o in OUTPUTS if o.report and o.only in (None, kind)}


def paper_tables() -> tuple[str, ...]:
    """The tables also written as Markdown and LaTeX, by file stem.

    >>> paper_tables()[:3]
    ('median_sessions', 'quantiles', 'improved_by_session')
    """
    return tuple(o.stem for o in OUTPUTS if o.paper)
