"""Survival: Kaplan-Meier per severity stratum and overall, medians, % improved, log-rank,
and the sensitivity of the answer to the event definition.

INPUTS:  results/{dataset}/events.csv, results/{dataset}/events_by_definition.csv
OUTPUTS: results/{dataset}/tables/{km_curves,median_sessions,quantiles,improved_by_session,
         restricted_mean,logrank,logrank_pairwise,sensitivity}.csv
"""


rule survival:
    input:
        events="results/{dataset}/events.csv",
        by_definition="results/{dataset}/events_by_definition.csv",
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
        pairwise="results/{dataset}/tables/logrank_pairwise.csv",
        quantiles="results/{dataset}/tables/quantiles.csv",
        rmst="results/{dataset}/tables/restricted_mean.csv",
        sensitivity="results/{dataset}/tables/sensitivity.csv",
    params:
        min_cell=PRIVACY,
        dataset=settings("instrument", "severity", "events", "columns"),
        analysis=ANALYSIS,
    log:
        "results/{dataset}/logs/survival.log",
    script:
        "../scripts/survival.py"
