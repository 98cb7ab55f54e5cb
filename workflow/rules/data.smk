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
    wildcard_constraints:
        dataset=one_of(SIMULATED),
    output:
        appointments="results/{dataset}/simulated/appointments.parquet",
        truth="results/{dataset}/simulated/truth.parquet",
    params:
        min_cell=PRIVACY,
        dataset=settings("simulate"),
    threads: 1
    resources:
        mem_mb=simulate_mem_mb,
    benchmark:
        "results/{dataset}/logs/benchmarks/simulate.tsv",
    log:
        "results/{dataset}/logs/simulate.log",
    script:
        "../scripts/simulate.py"


rule sessions:
    wildcard_constraints:
        dataset=one_of([d for d in DATASETS if d not in POOLS]),
    input:
        raw=raw_input,
    output:
        sessions="results/{dataset}/sessions.parquet",
        checks="results/{dataset}/data_checks.csv",
        provenance="results/{dataset}/provenance.csv",
    params:
        min_cell=PRIVACY,
        dataset=settings(*DATA_KEYS),
        input_file=input_fingerprint,
    threads: 1
    resources:
        mem_mb=mem_mb(45),
    benchmark:
        "results/{dataset}/logs/benchmarks/sessions.tsv",
    log:
        "results/{dataset}/logs/sessions.log",
    script:
        "../scripts/sessions.py"


rule pool_sessions:
    wildcard_constraints:
        dataset=one_of(POOLS),
    input:
        sessions=lambda w: expand("results/{m}/sessions.parquet", m=dataset(w)["pool"]),
        provenance=lambda w: expand("results/{m}/provenance.csv", m=dataset(w)["pool"]),
    output:
        sessions="results/{dataset}/sessions.parquet",
        checks="results/{dataset}/data_checks.csv",
        provenance="results/{dataset}/provenance.csv",
    params:
        min_cell=PRIVACY,
        dataset=settings("pool"),
    threads: 1
    resources:
        mem_mb=mem_mb(65),
    benchmark:
        "results/{dataset}/logs/benchmarks/sessions.tsv",
    log:
        "results/{dataset}/logs/sessions.log",
    script:
        "../scripts/pool_sessions.py"
