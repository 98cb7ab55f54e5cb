"""Pre-post: reliable and clinically significant change from first to last assessment.

INPUTS:  results/{dataset}/sessions.parquet (or, read in shards, each shard's prepost part:
         rules/shards.smk)
OUTPUTS: results/{dataset}/tables/{prepost_categories,prepost_by_group,prepost_effects,
         reliable_change}.csv
"""


rule prepost:
    input:
        unpack(session_inputs("prepost")),
    output:
        categories=report(
            path_of("prepost_categories"),
            caption="../report/prepost_categories.rst",
            category="{dataset}",
            labels={"table": "pre-post categories"},
        ),
        by_group=path_of("prepost_by_group"),
        effects=path_of("prepost_effects"),
        reliable_change=path_of("reliable_change"),
    log:
        "results/{dataset}/logs/prepost.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/prepost.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(20, per_part_mb=45),
    params:
        min_cell=PRIVACY,
        dataset=settings(*PREPOST_KEYS),
        conf_level=ANALYSIS.conf_level,
    script:
        "../scripts/prepost.py"
