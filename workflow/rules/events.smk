"""Events: one time-to-event record per client and definition, and the participant flow.

INPUTS:  results/{dataset}/sessions.parquet
OUTPUTS: results/{dataset}/events.parquet (primary definition, one row per client; client-level),
         results/{dataset}/events_by_definition.parquet (every definition; client-level),
         results/{dataset}/flow.csv (every client counted, per definition)
"""


rule events:
    input:
        "results/{dataset}/sessions.parquet",
    output:
        events="results/{dataset}/events.parquet",
        by_definition="results/{dataset}/events_by_definition.parquet",
        flow="results/{dataset}/flow.csv",
    params:
        min_cell=PRIVACY,
        dataset=settings(*EVENT_KEYS),
    threads: 1
    resources:
        mem_mb=mem_mb(65),
    benchmark:
        "results/{dataset}/logs/benchmarks/events.tsv",
    log:
        "results/{dataset}/logs/events.log",
    script:
        "../scripts/events.py"
