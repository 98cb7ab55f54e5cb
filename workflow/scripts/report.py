"""Adapter: assemble the self-contained HTML report from the tables and the figures."""

from _adapter import dataset_settings, start, write_text

from dosecurve.config import analysis_settings
from dosecurve.report.page import effective_config_text, read_report_inputs, render_dataset_report

start(snakemake)
p, name = snakemake.params, snakemake.wildcards.dataset
tables, figures = read_report_inputs(dict(snakemake.input.items()))
page = render_dataset_report(
    name,
    dataset_settings(snakemake),
    tables,
    figures,
    p.conf_level,
    analysis_settings({"analysis": p.analysis}),
    p.conf_type,
    p.min_cell,
    effective_config=effective_config_text(name, p.dataset, p.analysis),
    figures_settings=p.figures,
)
write_text(page, snakemake.output[0])
