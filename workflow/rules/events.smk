"""Events: one time-to-event record per client and definition, and the participant flow.

INPUTS:  results/{dataset}/sessions.parquet
OUTPUTS: results/{dataset}/events.parquet (primary definition, one row per client; client-level),
         results/{dataset}/events_by_definition.parquet (every definition; client-level),
         results/{dataset}/flow.csv (every client counted, per definition)
"""


rule events:
    input:
        path_of("sessions"),
    output:
        events=path_of("events"),
        by_definition=path_of("events_by_definition"),
        flow=path_of("flow"),
    log:
        "results/{dataset}/logs/events.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/events.tsv"
    wildcard_constraints:
        dataset=one_of([d for d in DATASETS if d not in SHARDED]),
    threads: 1
    resources:
        mem_mb=mem_mb(65),
    params:
        min_cell=PRIVACY,
        dataset=settings(*EVENT_KEYS),
    script:
        "../scripts/events.py"
