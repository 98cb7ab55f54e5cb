"""Data: simulate the data set or read the researcher's file, then validate it.

INPUTS:  the file at datasets.<name>.path (CSV/TSV, Parquet, Excel, SPSS, Stata; none when simulated)
OUTPUTS: results/{dataset}/sessions.csv (validated long table: client, session, score and the
         mapped optional columns; holds client-level rows),
         results/{dataset}/data_checks.csv (recoverable problems found and what was done)
"""


rule sessions:
    input:
        raw=lambda w: [dataset(w)["path"]] if "path" in dataset(w) else [],
    output:
        sessions="results/{dataset}/sessions.csv",
        checks="results/{dataset}/data_checks.csv",
    params:
        dataset=settings(*DATA_KEYS),
    log:
        "results/{dataset}/logs/sessions.log",
    script:
        "../scripts/sessions.py"
