"""Data: simulate the data set or read the researcher's long CSV, then validate it.

INPUTS:  the CSV at datasets.<name>.path (none for simulated data sets)
OUTPUTS: results/{dataset}/sessions.csv (validated long table: client, session, score and the
         mapped optional columns; holds client-level rows)
"""


rule sessions:
    input:
        raw=lambda w: [dataset(w)["path"]] if "path" in dataset(w) else [],
    output:
        "results/{dataset}/sessions.csv",
    params:
        dataset=settings(*DATA_KEYS),
    log:
        "results/{dataset}/logs/sessions.log",
    script:
        "../scripts/sessions.py"
