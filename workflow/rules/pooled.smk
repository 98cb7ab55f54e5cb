"""Pooled data sets: the answer per member data set, which here plays the part of a stratum.

INPUTS:  results/{dataset}/events.parquet of a pooled data set
OUTPUTS: results/{dataset}/tables/by_dataset.csv (pooled data sets only)
"""


rule by_dataset:
    input:
        path_of("events"),
    output:
        path_of("by_dataset"),
    log:
        "results/{dataset}/logs/by_dataset.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/by_dataset.tsv"
    wildcard_constraints:
        dataset=one_of(POOLS),
    threads: 1
    resources:
        mem_mb=mem_mb(10),
    params:
        min_cell=PRIVACY,
        dataset=settings("pool"),
        conf_level=ANALYSIS.conf_level,
    script:
        "../scripts/by_dataset.py"
