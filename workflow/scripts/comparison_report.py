"""Adapter: the comparison across data sets as one self-contained HTML page."""

from _adapter import read_bytes, read_table, start, write_text

from dosecurve.report.comparison import render_comparison_report

start(snakemake)
p, inp = snakemake.params, snakemake.input
table = read_table(inp.table)
medians, improved = (
    {n: read_table(f) for n, f in zip(p.datasets, files, strict=True)}
    for files in (inp.medians, inp.improved)
)
png = read_bytes(inp.png)
page = render_comparison_report(
    table, medians, improved, png, events=p.events, conf_level=p.conf_level, units=p.units
)
write_text(page, snakemake.output[0])
