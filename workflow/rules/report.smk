"""Report: one self-contained HTML page per data set (aggregates only, figure embedded).

INPUTS:  every output of dosecurve.outputs.OUTPUTS marked report=True (flow.csv,
         data_checks.csv, provenance.csv, tables/*.csv; calibration.csv when simulated,
         by_dataset.csv when pooled), figures/*.png (every figure of FIGURES)
OUTPUTS: results/{dataset}/report.html
"""


rule report:
    input:
        unpack(report_tables),
        **{
            f"figure_{name}": f"results/{{dataset}}/figures/{name}.png"
            for name in FIGURES
        },
        **{key: f"results/{{dataset}}/{path}" for key, path in FIGURE_DATA.items()},
    output:
        report(
            path_of("report_page"),
            caption="../report/dataset_report.rst",
            category="{dataset}",
            labels={"file": "report of {dataset}"},
        ),
    log:
        "results/{dataset}/logs/report.log",
    benchmark:
        "results/{dataset}/logs/benchmarks/report.tsv"
    threads: 1
    resources:
        mem_mb=mem_mb(2),
    params:
        dataset=dataset_settings,
        conf_level=ANALYSIS.conf_level,
        conf_type=ANALYSIS.conf_type,
        min_cell=PRIVACY,
        analysis=canonical(shared_analysis(config, ())),
        figures=REPORT_FIGURE_PARAMS,
    script:
        "../scripts/report.py"
