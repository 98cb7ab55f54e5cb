"""Calibration: a simulated data set's own figures beside the published study's.

INPUTS:  results/{dataset}/simulated/truth.parquet, sessions.parquet, events.parquet,
         tables/median_sessions.csv
OUTPUTS: results/{dataset}/tables/calibration.csv (simulated data sets only)
"""


rule calibration:
    input:
        truth="results/{dataset}/simulated/truth.parquet",
        sessions="results/{dataset}/sessions.parquet",
        events="results/{dataset}/events.parquet",
        medians="results/{dataset}/tables/median_sessions.csv",
    output:
        report(
            "results/{dataset}/tables/calibration.csv",
            caption="../report/calibration.rst",
            category="{dataset}",
            labels={"table": "calibration"},
        ),
    params:
        min_cell=PRIVACY,
        dataset=settings(*ANALYSIS_KEYS),
    threads: 1
    resources:
        mem_mb=mem_mb(65),
    benchmark:
        "results/{dataset}/logs/benchmarks/calibration.tsv",
    log:
        "results/{dataset}/logs/calibration.log",
    script:
        "../scripts/calibration.py"
