"""Figures: each drawn from the data written beside it as CSV (aggregates only).

INPUTS:  results/{dataset}/events.parquet, sessions.parquet, tables/{logrank,km_curves,aft_curves,
         aft_models,cox}.csv (which ones: FIGURE_INPUTS)
OUTPUTS: results/{dataset}/figures/{figure}.{png,pdf,csv} for every figure of
         dosecurve.figure_catalog.FIGURES; improvement_by_severity also writes its risk table
         and log-rank test as improvement_by_severity_{risk_table,logrank}.csv
"""

from dosecurve.figure_catalog import FIGURES, figure_context

FIGURE_INPUTS = {
    "improvement_by_severity": {"events": "events.parquet", "logrank": "tables/logrank.csv"},
    "improvement_panels": {"events": "events.parquet"},
    "cumulative_incidence": {"events": "events.parquet"},
    "dose_response": {"km_curves": "tables/km_curves.csv", "aft_curves": "tables/aft_curves.csv",
                      "aft_models": "tables/aft_models.csv"},
    "jacobson": {"sessions": "sessions.parquet"},
    "jacobson_at_event": {"sessions": "sessions.parquet", "events": "events.parquet"},
    "trajectories": {"sessions": "sessions.parquet", "events": "events.parquet"},
    "sessions_attended": {"events": "events.parquet"},
    "cox_forest": {"cox": "tables/cox.csv"},
}
assert set(FIGURE_INPUTS) == set(FIGURES), "every figure needs its inputs declared"
SINGLE_TABLE_FIGURES = [f for f in FIGURES if f != "improvement_by_severity"]


def figure_inputs(wildcards):
    return {
        key: f"results/{wildcards.dataset}/{path}"
        for key, path in FIGURE_INPUTS[wildcards.figure].items()
    }


def figure_caption(wildcards):
    context = figure_context(
        DATASETS[wildcards.dataset], conf_level=ANALYSIS.conf_level, conf_type=ANALYSIS.conf_type
    )
    return FIGURES[wildcards.figure].caption(context)


def figure_png(path):
    return report(
        path,
        caption="../report/figure.rst",
        category="{dataset}",
        subcategory="figures",
        labels={"figure": "{figure}"},
    )


rule figure:
    input:
        unpack(figure_inputs),
    output:
        png=figure_png("results/{dataset}/figures/{figure}.png"),
        pdf="results/{dataset}/figures/{figure}.pdf",
        csv="results/{dataset}/figures/{figure}.csv",
    wildcard_constraints:
        figure=one_of(SINGLE_TABLE_FIGURES),
    params:
        dataset=settings(*ANALYSIS_KEYS),
        conf_level=ANALYSIS.conf_level,
        conf_type=ANALYSIS.conf_type,
        min_cell=PRIVACY,
        caption=figure_caption,
    threads: 1
    resources:
        mem_mb=mem_mb(65),
    benchmark:
        "results/{dataset}/logs/benchmarks/figure_{figure}.tsv",
    log:
        "results/{dataset}/logs/figure_{figure}.log",
    script:
        "../scripts/figure.py"


use rule figure as figure_with_risk_table with:
    output:
        png=figure_png("results/{dataset}/figures/{figure}.png"),
        pdf="results/{dataset}/figures/{figure}.pdf",
        csv="results/{dataset}/figures/{figure}.csv",
        risk_table="results/{dataset}/figures/{figure}_risk_table.csv",
        logrank="results/{dataset}/figures/{figure}_logrank.csv",
    wildcard_constraints:
        figure="improvement_by_severity",
