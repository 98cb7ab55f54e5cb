"""Change over sessions: growth models, the good-enough-level test and therapist effects;
then review points and expected-recovery bands for routine outcome monitoring.

INPUTS:  results/{dataset}/sessions.parquet (or, read in shards, each shard's growth_rows and
         score_counts parts: rules/shards.smk), results/{dataset}/events.parquet,
         results/{dataset}/tables/ending_review_points.csv (rule ending_sensitivity)
OUTPUTS: results/{dataset}/tables/{growth_models,gel_test,recovery_by_length,
         therapist_effects,therapist_estimates}.csv (rule growth);
         results/{dataset}/tables/{review_points,expected_recovery}.csv (rule review_points)
"""


rule growth:
    input:
        unpack(session_inputs("growth_rows")),
        events=path_of("events"),
    output:
        models=path_of("growth_models"),
        gel=path_of("gel_test"),
        recovery=path_of("recovery_by_length"),
        therapists=path_of("therapist_effects"),
        estimates=path_of("therapist_estimates"),
    log:
        "results/{dataset}/logs/growth.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/growth.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(25),
    params:
        min_cell=PRIVACY,
        show_therapists=SHOW_THERAPISTS,
        dataset=settings(*BAND_KEYS),
        conf_level=ANALYSIS.conf_level,
        growth=analysis_key("growth"),
    script:
        "../scripts/growth.py"


rule review_points:
    input:
        unpack(session_inputs("score_counts")),
        events=path_of("events"),
        ipcw=path_of("ending_review_points"),
    output:
        points=path_of("review_points"),
        bands=path_of("expected_recovery"),
    log:
        "results/{dataset}/logs/review_points.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/review_points.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(25),
    params:
        min_cell=PRIVACY,
        dataset=settings(*BAND_KEYS),
        conf_level=ANALYSIS.conf_level,
        conf_type=ANALYSIS.conf_type,
        review=analysis_key("review_points"),
    script:
        "../scripts/review_points.py"
