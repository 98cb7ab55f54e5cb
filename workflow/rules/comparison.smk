"""Comparison: every data set's overall answer side by side.

INPUTS:  results/{dataset}/tables/{median_sessions,improved_by_session,km_curves}.csv of
         every data set
OUTPUTS: results/comparison/medians.csv, overall_curves.{png,pdf} (rule comparison);
         results/comparison/report.html (rule comparison_report)
"""


rule comparison:
    input:
        medians=expand(path_of("medians"), dataset=DATASETS),
        improved=expand(path_of("improved"), dataset=DATASETS),
        curves=expand(path_of("km_curves"), dataset=DATASETS),
    output:
        table=report(
            "results/comparison/medians.csv",
            caption="../report/comparison.rst",
            category="comparison",
        ),
        png="results/comparison/overall_curves.png",
        pdf="results/comparison/overall_curves.pdf",
    log:
        "results/comparison/logs/comparison.log",
    benchmark:
        "results/comparison/logs/benchmarks/comparison.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(2),
    params:
        min_cell=PRIVACY,
        datasets=list(DATASETS),
        conf_type=ANALYSIS.conf_type,
        units=UNITS,
    script:
        "../scripts/comparison.py"


rule comparison_report:
    input:
        table="results/comparison/medians.csv",
        png="results/comparison/overall_curves.png",
        medians=expand(path_of("medians"), dataset=DATASETS),
        improved=expand(path_of("improved"), dataset=DATASETS),
    output:
        "results/comparison/report.html",
    log:
        "results/comparison/logs/comparison_report.log",
    benchmark:
        "results/comparison/logs/benchmarks/comparison_report.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(2),
    params:
        min_cell=PRIVACY,
        datasets=list(DATASETS),
        conf_level=ANALYSIS.conf_level,
        events={name: s.primary.label for name, s in SETTINGS.items()},
        units=UNITS,
    script:
        "../scripts/comparison_report.py"
