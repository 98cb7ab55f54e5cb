"""Report: one self-contained HTML page per data set (aggregates only, figure embedded).

INPUTS:  results/{dataset}/flow.csv, data_checks.csv, tables/*.csv (calibration.csv when
         simulated), figures/*.png (every figure of FIGURE_INPUTS)
OUTPUTS: results/{dataset}/report.html
"""


rule report:
    input:
        unpack(optional_tables),
        flow="results/{dataset}/flow.csv",
        data_checks="results/{dataset}/data_checks.csv",
        provenance="results/{dataset}/provenance.csv",
        medians="results/{dataset}/tables/median_sessions.csv",
        improved="results/{dataset}/tables/improved_by_session.csv",
        logrank="results/{dataset}/tables/logrank.csv",
        pairwise="results/{dataset}/tables/logrank_pairwise.csv",
        quantiles="results/{dataset}/tables/quantiles.csv",
        rmst="results/{dataset}/tables/restricted_mean.csv",
        competing="results/{dataset}/tables/competing_risks.csv",
        cox="results/{dataset}/tables/cox.csv",
        cox_ph="results/{dataset}/tables/cox_ph_test.csv",
        aft="results/{dataset}/tables/aft_models.csv",
        aft_predictions="results/{dataset}/tables/aft_predictions.csv",
        howard="results/{dataset}/tables/howard_probit.csv",
        aft_curves="results/{dataset}/tables/aft_curves.csv",
        discrete="results/{dataset}/tables/discrete_time.csv",
        interval="results/{dataset}/tables/interval_median.csv",
        by_group="results/{dataset}/tables/by_group.csv",
        sensitivity="results/{dataset}/tables/sensitivity.csv",
        prepost_categories="results/{dataset}/tables/prepost_categories.csv",
        prepost_by_group="results/{dataset}/tables/prepost_by_group.csv",
        prepost_effects="results/{dataset}/tables/prepost_effects.csv",
        reliable_change="results/{dataset}/tables/reliable_change.csv",
        **{
            f"figure_{name}": f"results/{{dataset}}/figures/{name}.png"
            for name in FIGURE_INPUTS
        },
    output:
        "results/{dataset}/report.html",
    params:
        dataset=dataset_settings,
        conf_level=ANALYSIS.conf_level,
        conf_type=ANALYSIS.conf_type,
        min_cell=PRIVACY,
        analysis=canonical(config.get("analysis", {})),
    threads: 1
    resources:
        mem_mb=mem_mb(2),
    benchmark:
        "results/{dataset}/logs/benchmarks/report.tsv",
    log:
        "results/{dataset}/logs/report.log",
    script:
        "../scripts/report.py"
