"""Paper tables: each summary table as Markdown and as LaTeX (booktabs).

INPUTS:  results/{dataset}/tables/{table}.csv
OUTPUTS: results/{dataset}/tables/paper/{table}.md, results/{dataset}/tables/paper/{table}.tex
"""


rule paper_table:
    wildcard_constraints:
        table="|".join(PAPER_TABLES),
    input:
        "results/{dataset}/tables/{table}.csv",
    output:
        md="results/{dataset}/tables/paper/{table}.md",
        tex="results/{dataset}/tables/paper/{table}.tex",
    threads: 1
    resources:
        mem_mb=mem_mb(2),
    benchmark:
        "results/{dataset}/logs/benchmarks/paper_{table}.tsv",
    log:
        "results/{dataset}/logs/paper_{table}.log",
    script:
        "../scripts/paper_table.py"
