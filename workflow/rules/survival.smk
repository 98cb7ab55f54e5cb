"""Survival: Kaplan-Meier per severity stratum and overall, and what is read off the curves;
then the strata compared and the answer under each event definition.

INPUTS:  results/{dataset}/events.parquet, results/{dataset}/events_by_definition.parquet
OUTPUTS: results/{dataset}/tables/{km_curves,median_sessions,quantiles,improved_by_session,
         restricted_mean}.csv (rule survival); results/{dataset}/tables/estimands.csv (rule
         estimands); results/{dataset}/tables/{ending_sensitivity,ending_tipping_point,
         ending_review_points}.csv (rule ending_sensitivity, which also reads the session rows
         of its sample: sessions.parquet, or each shard's ending_rows part);
         results/{dataset}/tables/cluster_bootstrap.csv (rule cluster_bootstrap);
         results/{dataset}/tables/{logrank,logrank_pairwise,competing_risks,
         competing_risks_tests,sensitivity}.csv
         (rule compare_strata); results/{dataset}/tables/{cox,cox_ph_test}.csv (rule cox);
         results/{dataset}/tables/{aft_models,aft_predictions,aft_curves,howard_probit}.csv
         (rule dose_response);
         results/{dataset}/tables/discrete_time.csv (rule discrete_time);
         results/{dataset}/tables/interval_median.csv (rule interval_censoring);
         results/{dataset}/tables/by_group.csv (rule by_group)
"""


rule survival:
    input:
        path_of("events"),
    output:
        curves=path_of("km_curves"),
        medians=report(
            path_of("medians"),
            caption="../report/median_sessions.rst",
            category="{dataset}",
            labels={"table": "median sessions"},
        ),
        improved=report(
            path_of("improved"),
            caption="../report/improved_by_session.rst",
            category="{dataset}",
            labels={"table": "improved by session"},
        ),
        quantiles=path_of("quantiles"),
        rmst=path_of("rmst"),
    log:
        "results/{dataset}/logs/survival.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/survival.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(15),
    params:
        min_cell=PRIVACY,
        dataset=settings(*BAND_KEYS),
        analysis=ANALYSIS_PARAMS,
        improved_at=improved_at,
    script:
        "../scripts/survival.py"


rule estimands:
    input:
        path_of("events"),
    output:
        report(
            path_of("estimands"),
            caption="../report/estimands.rst",
            category="{dataset}",
            labels={"table": "estimands"},
        ),
    log:
        "results/{dataset}/logs/estimands.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/estimands.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(22),
    params:
        min_cell=PRIVACY,
        dataset=settings(*BAND_KEYS),
        conf_level=ANALYSIS.conf_level,
        conf_type=ANALYSIS.conf_type,
        improved_at=improved_at,
    script:
        "../scripts/estimands.py"


rule ending_sensitivity:
    input:
        unpack(session_inputs("ending_rows")),
        events=path_of("events"),
    output:
        table=path_of("ending_sensitivity"),
        tipping=path_of("tipping_point"),
        review=path_of("ending_review_points"),
    log:
        "results/{dataset}/logs/ending_sensitivity.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/ending_sensitivity.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(30),
    params:
        min_cell=PRIVACY,
        dataset=settings(*EVENT_KEYS),
        conf_level=ANALYSIS.conf_level,
        conf_type=ANALYSIS.conf_type,
        improved_at=improved_at,
        ending=analysis_key("ending_sensitivity"),
        review=analysis_key("review_points"),
    script:
        "../scripts/ending_sensitivity.py"


rule cluster_bootstrap:
    input:
        path_of("events"),
    output:
        path_of("cluster_bootstrap"),
    log:
        "results/{dataset}/logs/cluster_bootstrap.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/cluster_bootstrap.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(28),
    params:
        min_cell=PRIVACY,
        dataset=settings(*BAND_KEYS),
        conf_level=ANALYSIS.conf_level,
        conf_type=ANALYSIS.conf_type,
        improved_at=improved_at,
        bootstrap=analysis_key("cluster_bootstrap"),
    script:
        "../scripts/cluster_bootstrap.py"


rule compare_strata:
    input:
        events=path_of("events"),
        by_definition=path_of("events_by_definition"),
    output:
        logrank=path_of("logrank"),
        pairwise=path_of("pairwise"),
        competing=path_of("competing"),
        competing_tests=path_of("competing_tests"),
        sensitivity=path_of("sensitivity"),
    log:
        "results/{dataset}/logs/compare_strata.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/compare_strata.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(14),
    params:
        min_cell=PRIVACY,
        dataset=settings(*COMPARE_KEYS),
        analysis=ANALYSIS_PARAMS,
        improved_at=improved_at,
    script:
        "../scripts/compare_strata.py"


rule cox:
    input:
        path_of("events"),
    output:
        models=path_of("cox"),
        checks=path_of("cox_ph"),
    log:
        "results/{dataset}/logs/cox.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/cox.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(26),
    params:
        min_cell=PRIVACY,
        conf_level=ANALYSIS.conf_level,
        dataset=settings(*COX_KEYS),
    script:
        "../scripts/cox.py"


rule dose_response:
    input:
        path_of("events"),
    output:
        models=path_of("aft"),
        predictions=path_of("aft_predictions"),
        howard=path_of("howard"),
        curves=path_of("aft_curves"),
        smooth=path_of("aft_smooth"),
    log:
        "results/{dataset}/logs/dose_response.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/dose_response.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(21),
    params:
        min_cell=PRIVACY,
        dataset=settings(*BAND_KEYS),
        improved_at=improved_at,
    script:
        "../scripts/dose_response.py"


rule discrete_time:
    input:
        path_of("events"),
    output:
        path_of("discrete"),
    log:
        "results/{dataset}/logs/discrete_time.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/discrete_time.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(23),
    params:
        min_cell=PRIVACY,
        conf_level=ANALYSIS.conf_level,
    script:
        "../scripts/discrete_time.py"


rule interval_censoring:
    input:
        path_of("events"),
    output:
        path_of("interval"),
    log:
        "results/{dataset}/logs/interval_censoring.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/interval_censoring.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(18),
    params:
        min_cell=PRIVACY,
    script:
        "../scripts/interval_censoring.py"


rule by_group:
    input:
        path_of("events"),
    output:
        path_of("by_group"),
    log:
        "results/{dataset}/logs/by_group.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/by_group.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(10),
    params:
        min_cell=PRIVACY,
        dataset=settings(*GROUP_KEYS),
        analysis=ANALYSIS_PARAMS,
    script:
        "../scripts/by_group.py"
