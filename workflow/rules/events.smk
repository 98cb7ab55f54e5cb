"""Events: one time-to-improvement record per client, and the participant flow.

INPUTS:  results/{dataset}/sessions.csv
OUTPUTS: results/{dataset}/events.csv (one row per client; client-level), results/{dataset}/flow.csv
"""


rule events:
    input:
        "results/{dataset}/sessions.csv",
    output:
        events="results/{dataset}/events.csv",
        flow="results/{dataset}/flow.csv",
    params:
        instrument=lambda w: dataset(w).get("instrument"),
        severity=lambda w: dataset(w).get("severity"),
    log:
        "results/{dataset}/logs/events.log",
    script:
        "../scripts/events.py"
