"""Comparison: every data set's overall answer side by side.

INPUTS:  results/{dataset}/tables/{median_sessions,improved_by_session,km_curves}.csv of
         every data set
OUTPUTS: results/comparison/medians.csv, overall_curves.{png,pdf} (rule comparison);
         results/comparison/report.html (rule comparison_report)
"""


rule comparison:
    input:
        medians=expand("results/{dataset}/tables/median_sessions.csv", dataset=DATASETS),
        improved=expand("results/{dataset}/tables/improved_by_session.csv", dataset=DATASETS),
        curves=expand("results/{dataset}/tables/km_curves.csv", dataset=DATASETS),
    output:
        table=report(
            "results/comparison/medians.csv",
            caption="../report/comparison.rst",
            category="comparison",
        ),
        png="results/comparison/overall_curves.png",
        pdf="results/comparison/overall_curves.pdf",
    params:
        min_cell=PRIVACY,
        datasets=list(DATASETS),
        conf_type=ANALYSIS.conf_type,
        units=UNITS,
    threads: 1
    resources:
        mem_mb=mem_mb(2),
    benchmark:
        "results/comparison/logs/benchmarks/comparison.tsv",
    log:
        "results/comparison/logs/comparison.log",
    script:
        "../scripts/comparison.py"


rule comparison_report:
    input:
        table="results/comparison/medians.csv",
        png="results/comparison/overall_curves.png",
        medians=expand("results/{dataset}/tables/median_sessions.csv", dataset=DATASETS),
        improved=expand("results/{dataset}/tables/improved_by_session.csv", dataset=DATASETS),
    output:
        "results/comparison/report.html",
    params:
        min_cell=PRIVACY,
        datasets=list(DATASETS),
        conf_level=ANALYSIS.conf_level,
        events={name: s.primary.label for name, s in SETTINGS.items()},
        units=UNITS,
    threads: 1
    resources:
        mem_mb=mem_mb(2),
    benchmark:
        "results/comparison/logs/benchmarks/comparison_report.tsv",
    log:
        "results/comparison/logs/comparison_report.log",
    script:
        "../scripts/comparison_report.py"
