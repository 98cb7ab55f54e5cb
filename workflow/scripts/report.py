"""Adapter: assemble the self-contained HTML report from the tables and the figures."""

import dataclasses

from _adapter import read_bytes, read_table, start, write_text

from dosecurve.report.page import ReportTables, render_dataset_report

start(snakemake)
p, inp = snakemake.params, snakemake.input
names = [f.name for f in dataclasses.fields(ReportTables) if f.name in inp.keys()]
tables = ReportTables(**{name: read_table(inp[name]) for name in names})
figures = {
    key.removeprefix("figure_"): read_bytes(inp[key])
    for key in inp.keys()
    if key.startswith("figure_")
}
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
