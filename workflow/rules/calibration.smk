"""Calibration: a simulated data set's own figures beside the published study's.

INPUTS:  results/{dataset}/simulated/truth.parquet, sessions.parquet, events.parquet,
         tables/estimands.csv
OUTPUTS: results/{dataset}/tables/calibration.csv (simulated data sets only)
"""


rule calibration:
    input:
        truth=path_of("truth"),
        sessions=path_of("sessions"),
        events=path_of("events"),
        estimands=path_of("estimands"),
    output:
        report(
            path_of("calibration"),
            caption="../report/calibration.rst",
            category="{dataset}",
            labels={"table": "calibration"},
        ),
    log:
        "results/{dataset}/logs/calibration.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/calibration.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(65),
    params:
        min_cell=PRIVACY,
        dataset=settings(*ANALYSIS_KEYS),
    script:
        "../scripts/calibration.py"
