"""Pre-post: reliable and clinically significant change from first to last assessment.

INPUTS:  results/{dataset}/sessions.parquet
OUTPUTS: results/{dataset}/tables/{prepost_categories,prepost_by_group,prepost_effects,
         reliable_change}.csv
"""


rule prepost:
    input:
        "results/{dataset}/sessions.parquet",
    output:
        categories=report(
            "results/{dataset}/tables/prepost_categories.csv",
            caption="../report/prepost_categories.rst",
            category="{dataset}",
            labels={"table": "pre-post categories"},
        ),
        by_group="results/{dataset}/tables/prepost_by_group.csv",
        effects="results/{dataset}/tables/prepost_effects.csv",
        reliable_change="results/{dataset}/tables/reliable_change.csv",
    params:
        min_cell=PRIVACY,
        dataset=settings(*PREPOST_KEYS),
        conf_level=ANALYSIS.conf_level,
    threads: 1
    resources:
        mem_mb=mem_mb(65),
    benchmark:
        "results/{dataset}/logs/benchmarks/prepost.tsv",
    log:
        "results/{dataset}/logs/prepost.log",
    script:
        "../scripts/prepost.py"
