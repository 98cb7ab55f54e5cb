"""Shards: a large data set's rows split into shards of whole clients (shards: N, or auto),
validated and turned into events shard by shard, then gathered exactly.

INPUTS:  the file at datasets.<name>.path, or the simulator's appointments
OUTPUTS: results/{dataset}/shards/rows/{shard}.arrow (the file's rows of each shard's clients,
         with their data row numbers), results/{dataset}/provenance.csv (rule split_sessions);
         results/{dataset}/shards/{shard}/{sessions,summary}.parquet (rule sessions_shard);
         results/{dataset}/shards/{shard}/events.parquet (every definition; rule events_shard);
         results/{dataset}/{events,events_by_definition}.parquet, flow.csv, data_checks.csv
         (rule gather_events: as the unsharded steps write them);
         results/{dataset}/shards/{part}_clients.parquet (rule client_sample: the clients the
         growth models and the ending sensitivity sample, drawn once for every shard);
         results/{dataset}/shards/{shard}/{part}.parquet (rule session_part: what the later
         steps read from the session rows, dosecurve.parts; they gather it);
         results/{dataset}/sessions.parquet (rule gather_sessions: only for a pool of sharded
         members)
"""


rule split_sessions:
    input:
        raw=raw_input,
    output:
        rows=directory("results/{dataset}/shards/rows"),
        provenance=path_of("provenance"),
    log:
        "results/{dataset}/logs/split_sessions.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/split_sessions.tsv"
    wildcard_constraints:
        dataset=one_of(SHARDED),
    threads: 1
    resources:
        mem_mb=split_mem_mb,
    params:
        min_cell=PRIVACY,
        dataset=settings(*DATA_KEYS),
        shards=lambda w: SHARDS[w.dataset],
        input_file=input_fingerprint,
    script:
        "../scripts/split_sessions.py"


rule sessions_shard:
    input:
        rows="results/{dataset}/shards/rows",
    output:
        sessions="results/{dataset}/shards/{shard}/sessions.parquet",
        summary="results/{dataset}/shards/{shard}/summary.parquet",
    log:
        "results/{dataset}/logs/shards/{shard}/sessions.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/sessions_shard_{shard}.tsv"
    wildcard_constraints:
        dataset=one_of(SHARDED),
        shard=r"\d+",
    threads: 1
    resources:
        mem_mb=shard_mem_mb(5.5),
    params:
        min_cell=PRIVACY,
        dataset=settings(*DATA_KEYS),
    script:
        "../scripts/sessions_shard.py"


rule events_shard:
    input:
        "results/{dataset}/shards/{shard}/sessions.parquet",
    output:
        "results/{dataset}/shards/{shard}/events.parquet",
    log:
        "results/{dataset}/logs/shards/{shard}/events.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/events_shard_{shard}.tsv"
    wildcard_constraints:
        dataset=one_of(SHARDED),
        shard=r"\d+",
    threads: 1
    resources:
        mem_mb=mem_mb(30),
    params:
        min_cell=PRIVACY,
        dataset=settings(*EVENT_KEYS),
    script:
        "../scripts/events_shard.py"


rule gather_events:
    input:
        events=lambda w: shard_files(w, "events.parquet"),
        summaries=lambda w: shard_files(w, "summary.parquet"),
    output:
        events=path_of("events"),
        by_definition=path_of("events_by_definition"),
        flow=path_of("flow"),
        checks=path_of("data_checks"),
    log:
        "results/{dataset}/logs/events.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/events.tsv"
    wildcard_constraints:
        dataset=one_of(SHARDED),
    threads: 1
    resources:
        mem_mb=mem_mb(35),
    params:
        min_cell=PRIVACY,
        dataset=settings(*EVENT_KEYS, *DATA_KEYS),
    script:
        "../scripts/gather_events.py"


rule client_sample:
    input:
        path_of("events"),
    output:
        "results/{dataset}/shards/{part}_clients.parquet",
    log:
        "results/{dataset}/logs/shards/{part}_clients.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/{part}_clients.tsv"
    wildcard_constraints:
        dataset=one_of(SHARDED),
        part=one_of(SAMPLES),
    threads: 1
    resources:
        mem_mb=mem_mb(15),
    params:
        min_cell=PRIVACY,
        step=part_step,
    script:
        "../scripts/client_sample.py"


rule gather_sessions:
    input:
        lambda w: shard_files(w, "sessions.parquet"),
    output:
        path_of("sessions"),
    log:
        "results/{dataset}/logs/gather_sessions.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/gather_sessions.tsv"
    wildcard_constraints:
        dataset=one_of(SHARDED),
    threads: 1
    resources:
        mem_mb=mem_mb(60),
    params:
        min_cell=PRIVACY,
    script:
        "../scripts/gather_sessions.py"


rule session_part:
    input:
        unpack(part_inputs),
    output:
        "results/{dataset}/shards/{shard}/{part}.parquet",
    log:
        "results/{dataset}/logs/shards/{shard}/{part}.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/{part}_shard_{shard}.tsv"
    wildcard_constraints:
        dataset=one_of(SHARDED),
        shard=r"\d+",
        part=one_of(PARTS),
    threads: 1
    resources:
        mem_mb=mem_mb(68),
    params:
        min_cell=PRIVACY,
        dataset=part_dataset,
        step=part_step,
    script:
        "../scripts/session_part.py"
