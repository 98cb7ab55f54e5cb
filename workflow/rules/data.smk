"""Data: simulate the data set or read the researcher's file, then validate it.

INPUTS:  the file at datasets.<name>.path (CSV/TSV, Parquet, Excel, SPSS, Stata), or the
         simulator's appointments for a simulated data set
OUTPUTS: results/{dataset}/simulated/{appointments,truth}.parquet (simulated data sets only: the
         booked appointments, and each client's latent session of improvement),
         results/{dataset}/sessions.parquet (validated long table: client, session, score and the
         mapped optional columns; holds client-level rows),
         results/{dataset}/data_checks.csv (recoverable problems found and what was done),
         results/{dataset}/provenance.csv (the input file's name, size and SHA-256);
         for a pooled data set, its members' session tables stacked with a dataset column
"""


rule simulate:
    output:
        appointments=path_of("appointments"),
        truth=path_of("truth"),
    log:
        "results/{dataset}/logs/simulate.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/simulate.tsv"
    wildcard_constraints:
        dataset=one_of(SIMULATED),
    threads: 1
    resources:
        mem_mb=simulate_mem_mb,
    params:
        min_cell=PRIVACY,
        dataset=settings("simulate"),
    script:
        "../scripts/simulate.py"


rule sessions:
    input:
        raw=raw_input,
    output:
        sessions=path_of("sessions"),
        checks=path_of("data_checks"),
        provenance=path_of("provenance"),
    log:
        "results/{dataset}/logs/sessions.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/sessions.tsv"
    wildcard_constraints:
        dataset=one_of([d for d in DATASETS if d not in POOLS and d not in SHARDED]),
    threads: 1
    resources:
        mem_mb=mem_mb(45),
    params:
        min_cell=PRIVACY,
        dataset=settings(*DATA_KEYS),
        input_file=input_fingerprint,
    script:
        "../scripts/sessions.py"


rule pool_sessions:
    input:
        sessions=lambda w: [path_of("sessions", m) for m in SETTINGS[w.dataset].members],
        provenance=lambda w: [
            path_of("provenance", m) for m in SETTINGS[w.dataset].members
        ],
    output:
        sessions=path_of("sessions"),
        checks=path_of("data_checks"),
        provenance=path_of("provenance"),
    log:
        "results/{dataset}/logs/sessions.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/sessions.tsv"
    wildcard_constraints:
        dataset=one_of(POOLS),
    threads: 1
    resources:
        mem_mb=mem_mb(65),
    params:
        min_cell=PRIVACY,
        dataset=settings("pool"),
    script:
        "../scripts/pool_sessions.py"
