"""Figures: cumulative proportion improved by sessions attended, per severity stratum.

INPUTS:  results/{dataset}/tables/km_curves.csv
OUTPUTS: results/{dataset}/figures/improvement_by_severity.{png,pdf}
"""


rule figures:
    input:
        "results/{dataset}/tables/km_curves.csv",
    output:
        png=report(
            "results/{dataset}/figures/improvement_by_severity.png",
            caption="../report/improvement_by_severity.rst",
            category="{dataset}",
            labels={"figure": "improvement by severity"},
        ),
        pdf="results/{dataset}/figures/improvement_by_severity.pdf",
    params:
        dataset=settings(*ANALYSIS_KEYS),
        conf_level=ANALYSIS.conf_level,
        conf_type=ANALYSIS.conf_type,
    log:
        "results/{dataset}/logs/figures.log",
    script:
        "../scripts/figures.py"
