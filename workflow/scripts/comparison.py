"""Adapter: set every data set's overall medians and curves side by side."""

from _adapter import log, read_table, save_figure, start, write_csv

from dosecurve.figures.curves import PDF_METADATA, PNG_METADATA
from dosecurve.labels import Clock
from dosecurve.report.comparison import comparison_table, plot_comparison

start(snakemake)
names, inp, out = snakemake.params.datasets, snakemake.input, snakemake.output


def read(paths):
    return {n: read_table(p) for n, p in zip(names, paths, strict=True)}


table = comparison_table(read(inp.medians), read(inp.improved))
write_csv(table, out.table)
units = set(snakemake.params.units.values())
label = Clock(units.pop()).axis if len(units) == 1 else "Time since intake (each data set's unit)"
fig = plot_comparison(read(inp.curves), conf_type=snakemake.params.conf_type, time_label=label)
save_figure(fig, out.png, dpi=300, metadata=PNG_METADATA)
save_figure(fig, out.pdf, metadata=PDF_METADATA)
log(table.to_string(index=False) + "\n")
