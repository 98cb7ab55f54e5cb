"""Survival: Kaplan-Meier per severity stratum and overall, and what is read off the curves;
then the strata compared and the answer under each event definition.

INPUTS:  results/{dataset}/events.parquet, results/{dataset}/events_by_definition.parquet
OUTPUTS: results/{dataset}/tables/{km_curves,median_sessions,quantiles,improved_by_session,
         restricted_mean}.csv (rule survival);
         results/{dataset}/tables/{logrank,logrank_pairwise,competing_risks,sensitivity}.csv
         (rule compare_strata); results/{dataset}/tables/{cox,cox_ph_test}.csv (rule cox);
         results/{dataset}/tables/{aft_models,aft_predictions,aft_curves,howard_probit}.csv
         (rule dose_response);
         results/{dataset}/tables/discrete_time.csv (rule discrete_time);
         results/{dataset}/tables/interval_median.csv (rule interval_censoring);
         results/{dataset}/tables/by_group.csv (rule by_group)
"""


rule survival:
    input:
        "results/{dataset}/events.parquet",
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
        quantiles="results/{dataset}/tables/quantiles.csv",
        rmst="results/{dataset}/tables/restricted_mean.csv",
    params:
        min_cell=PRIVACY,
        dataset=settings(*BAND_KEYS),
        analysis=ANALYSIS_PARAMS,
        improved_at=improved_at,
    threads: 1
    resources:
        mem_mb=mem_mb(10),
    benchmark:
        "results/{dataset}/logs/benchmarks/survival.tsv",
    log:
        "results/{dataset}/logs/survival.log",
    script:
        "../scripts/survival.py"


rule compare_strata:
    input:
        events="results/{dataset}/events.parquet",
        by_definition="results/{dataset}/events_by_definition.parquet",
    output:
        logrank="results/{dataset}/tables/logrank.csv",
        pairwise="results/{dataset}/tables/logrank_pairwise.csv",
        competing="results/{dataset}/tables/competing_risks.csv",
        sensitivity="results/{dataset}/tables/sensitivity.csv",
    params:
        min_cell=PRIVACY,
        dataset=settings(*COMPARE_KEYS),
        analysis=ANALYSIS_PARAMS,
        improved_at=improved_at,
    threads: 1
    resources:
        mem_mb=mem_mb(10),
    benchmark:
        "results/{dataset}/logs/benchmarks/compare_strata.tsv",
    log:
        "results/{dataset}/logs/compare_strata.log",
    script:
        "../scripts/compare_strata.py"


rule cox:
    input:
        "results/{dataset}/events.parquet",
    output:
        models="results/{dataset}/tables/cox.csv",
        checks="results/{dataset}/tables/cox_ph_test.csv",
    params:
        min_cell=PRIVACY,
        conf_level=ANALYSIS.conf_level,
        dataset=settings(*COX_KEYS),
    threads: 1
    resources:
        mem_mb=mem_mb(20),
    benchmark:
        "results/{dataset}/logs/benchmarks/cox.tsv",
    log:
        "results/{dataset}/logs/cox.log",
    script:
        "../scripts/cox.py"


rule dose_response:
    input:
        "results/{dataset}/events.parquet",
    output:
        models="results/{dataset}/tables/aft_models.csv",
        predictions="results/{dataset}/tables/aft_predictions.csv",
        howard="results/{dataset}/tables/howard_probit.csv",
        curves="results/{dataset}/tables/aft_curves.csv",
    params:
        min_cell=PRIVACY,
        dataset=settings(*BAND_KEYS),
        improved_at=improved_at,
    threads: 1
    resources:
        mem_mb=mem_mb(10),
    benchmark:
        "results/{dataset}/logs/benchmarks/dose_response.tsv",
    log:
        "results/{dataset}/logs/dose_response.log",
    script:
        "../scripts/dose_response.py"


rule discrete_time:
    input:
        "results/{dataset}/events.parquet",
    output:
        "results/{dataset}/tables/discrete_time.csv",
    params:
        min_cell=PRIVACY,
        conf_level=ANALYSIS.conf_level,
    threads: 1
    resources:
        mem_mb=mem_mb(30),
    benchmark:
        "results/{dataset}/logs/benchmarks/discrete_time.tsv",
    log:
        "results/{dataset}/logs/discrete_time.log",
    script:
        "../scripts/discrete_time.py"


rule interval_censoring:
    input:
        "results/{dataset}/events.parquet",
    output:
        "results/{dataset}/tables/interval_median.csv",
    params:
        min_cell=PRIVACY,
    threads: 1
    resources:
        mem_mb=mem_mb(10),
    benchmark:
        "results/{dataset}/logs/benchmarks/interval_censoring.tsv",
    log:
        "results/{dataset}/logs/interval_censoring.log",
    script:
        "../scripts/interval_censoring.py"


rule by_group:
    input:
        "results/{dataset}/events.parquet",
    output:
        "results/{dataset}/tables/by_group.csv",
    params:
        min_cell=PRIVACY,
        dataset=settings(*GROUP_KEYS),
        analysis=ANALYSIS_PARAMS,
    threads: 1
    resources:
        mem_mb=mem_mb(10),
    benchmark:
        "results/{dataset}/logs/benchmarks/by_group.tsv",
    log:
        "results/{dataset}/logs/by_group.log",
    script:
        "../scripts/by_group.py"
