"""Figures: each drawn from the data written beside it as CSV (aggregates only).

INPUTS:  results/{dataset}/events.parquet, sessions.parquet, tables/{logrank,km_curves,aft_curves,
         aft_models,cox}.csv (which ones: each figure's
         inputs in dosecurve.figures.catalog.FIGURES)
OUTPUTS: results/{dataset}/figures/{figure}.{png,pdf,csv} for every figure of
         dosecurve.figures.catalog.FIGURES; improvement_by_severity also writes its risk table
         and log-rank test as improvement_by_severity_{risk_table,logrank}.csv, and
         cumulative_incidence its risk table as cumulative_incidence_risk_table.csv
"""


rule figure:
    input:
        unpack(figure_inputs),
    output:
        png=figure_png("results/{dataset}/figures/{figure}.png"),
        pdf="results/{dataset}/figures/{figure}.pdf",
        csv="results/{dataset}/figures/{figure}.csv",
    log:
        "results/{dataset}/logs/figure_{figure}.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/figure_{figure}.tsv"
    wildcard_constraints:
        figure=one_of(SINGLE_TABLE_FIGURES),
    threads: 1
    resources:
        mem_mb=mem_mb(23, per_part_mb=30),
    params:
        dataset=settings(*ANALYSIS_KEYS),
        conf_level=ANALYSIS.conf_level,
        conf_type=ANALYSIS.conf_type,
        min_cell=PRIVACY,
        caption=figure_caption,
        figures=figure_params,
    script:
        "../scripts/figure.py"


use rule figure as figure_with_risk_table with:
    output:
        png=figure_png("results/{dataset}/figures/{figure}.png"),
        pdf="results/{dataset}/figures/{figure}.pdf",
        csv="results/{dataset}/figures/{figure}.csv",
        risk_table="results/{dataset}/figures/{figure}_risk_table.csv",
        logrank="results/{dataset}/figures/{figure}_logrank.csv",
        horizon="results/{dataset}/figures/{figure}_horizon.csv",
    wildcard_constraints:
        figure="improvement_by_severity",


use rule figure as figure_with_incidence_risk_table with:
    output:
        png=figure_png("results/{dataset}/figures/{figure}.png"),
        pdf="results/{dataset}/figures/{figure}.pdf",
        csv="results/{dataset}/figures/{figure}.csv",
        risk_table="results/{dataset}/figures/{figure}_risk_table.csv",
        horizon="results/{dataset}/figures/{figure}_horizon.csv",
    wildcard_constraints:
        figure="cumulative_incidence",


rule group_figure:
    input:
        path_of("events"),
    output:
        png=report(
            "results/{dataset}/figures/improvement_by_group_{group}.png",
            caption="../report/figure.rst",
            category="{dataset}",
            subcategory="figures",
            labels={"figure": "improvement by {group}"},
        ),
        pdf="results/{dataset}/figures/improvement_by_group_{group}.pdf",
        csv="results/{dataset}/figures/improvement_by_group_{group}.csv",
        risk_table="results/{dataset}/figures/improvement_by_group_{group}_risk_table.csv",
        logrank="results/{dataset}/figures/improvement_by_group_{group}_logrank.csv",
        horizon="results/{dataset}/figures/improvement_by_group_{group}_horizon.csv",
    log:
        "results/{dataset}/logs/group_figure_{group}.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/group_figure_{group}.tsv"
    wildcard_constraints:
        group="[A-Za-z0-9_-]+",
    threads: 1
    resources:
        mem_mb=mem_mb(20),
    params:
        dataset=settings(*ANALYSIS_KEYS, "groups"),
        column=group_column,
        conf_level=ANALYSIS.conf_level,
        conf_type=ANALYSIS.conf_type,
        min_cell=PRIVACY,
        caption=group_figure_caption,
        figures=GROUP_FIGURE_PARAMS,
    script:
        "../scripts/group_figure.py"
