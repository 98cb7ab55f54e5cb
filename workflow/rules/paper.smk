"""Paper tables: each summary table as Markdown and as LaTeX (booktabs), in one job per data
set (each table takes milliseconds; a job per table cost a Python start each).

INPUTS:  results/{dataset}/tables/{table}.csv for every table in PAPER_TABLES
OUTPUTS: results/{dataset}/tables/paper/{table}.md, results/{dataset}/tables/paper/{table}.tex
"""


rule paper_tables:
    input:
        **{table: f"results/{{dataset}}/tables/{table}.csv" for table in PAPER_TABLES},
    output:
        md=[f"results/{{dataset}}/tables/paper/{table}.md" for table in PAPER_TABLES],
        tex=[f"results/{{dataset}}/tables/paper/{table}.tex" for table in PAPER_TABLES],
    log:
        "results/{dataset}/logs/paper_tables.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/paper_tables.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(2),
    params:
        min_cell=PRIVACY,
        tables=list(PAPER_TABLES),
        conf_level=ANALYSIS.conf_level,
        time_unit=lambda wildcards: UNITS[wildcards.dataset],
    script:
        "../scripts/paper_tables.py"
