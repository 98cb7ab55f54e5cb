"""Calibration: a simulated data set's own figures beside the published study's.

INPUTS:  results/{dataset}/simulated/truth.parquet, sessions.parquet (or each shard's first_last
         part: rules/shards.smk), events.parquet,
         tables/estimands.csv
OUTPUTS: results/{dataset}/tables/calibration.csv (simulated data sets only)
"""


rule calibration:
    input:
        unpack(session_inputs("first_last")),
        truth=path_of("truth"),
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
