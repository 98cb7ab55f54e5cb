"""Survival: Kaplan-Meier per severity stratum and overall, medians, % improved, log-rank.

INPUTS:  results/{dataset}/events.csv
OUTPUTS: results/{dataset}/tables/{km_curves,median_sessions,improved_by_session,logrank}.csv
"""


rule survival:
    input:
        "results/{dataset}/events.csv",
    output:
        curves="results/{dataset}/tables/km_curves.csv",
        medians=report(
            "results/{dataset}/tables/median_sessions.csv",
            caption="../report/median_sessions.rst",
            category="{dataset}",
            labels={"table": "median sessions"},
        ),
        improved=report(
            "results/{dataset}/tables/improved_by_session.csv",
            caption="../report/improved_by_session.rst",
            category="{dataset}",
            labels={"table": "improved by session"},
        ),
        logrank="results/{dataset}/tables/logrank.csv",
    params:
        instrument=lambda w: dataset(w).get("instrument"),
        severity=lambda w: dataset(w).get("severity"),
        improved_at=ANALYSIS.improved_at,
        conf_level=ANALYSIS.conf_level,
    log:
        "results/{dataset}/logs/survival.log",
    script:
        "../scripts/survival.py"
