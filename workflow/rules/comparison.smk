"""Comparison: every data set's overall answer side by side.

INPUTS:  results/{dataset}/tables/{median_sessions,improved_by_session,km_curves}.csv of
         every data set
OUTPUTS: results/comparison/medians.csv, results/comparison/overall_curves.{png,pdf}
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
    log:
        "results/comparison/logs/comparison.log",
    script:
        "../scripts/comparison.py"
