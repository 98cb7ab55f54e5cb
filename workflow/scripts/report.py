"""Adapter: assemble the self-contained HTML report from the tables and the figures."""

from _adapter import start, write_text

from dosecurve.report.page import read_report_inputs, render_dataset_report

start(snakemake)
p = snakemake.params
tables, figures = read_report_inputs(dict(snakemake.input.items()))
page = render_dataset_report(
    snakemake.wildcards.dataset,
    p.dataset,
    tables,
    figures,
    p.conf_level,
    p.analysis,
    p.conf_type,
    p.min_cell,
)
write_text(page, snakemake.output[0])
