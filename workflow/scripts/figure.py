"""Adapter: one figure of a data set: its data as CSV, then PNG (300 dpi) and PDF drawn
from the written (privacy-suppressed) tables."""

from _adapter import dataset_settings, read_results, save_figure, start, write_csv

from dosecurve.figures.catalog import FIGURES, draw_figure, figure_context
from dosecurve.figures.curves import PDF_METADATA, PNG_METADATA
from dosecurve.parts import with_parts

start(snakemake)
p, out, s, name = (
    snakemake.params,
    snakemake.output,
    dataset_settings(snakemake),
    snakemake.wildcards.figure,
)
context = figure_context(
    s, conf_level=p.conf_level, conf_type=p.conf_type, min_cell=p.min_cell, figures=p.figures
)
# the events' client ids only to make its parts here from the whole session table
inputs = read_results(snakemake.input, clients="sessions" in snakemake.input.keys())
files, fig = draw_figure(name, with_parts(inputs, FIGURES[name].inputs, s), context)
for key, table in files.items():
    write_csv(table, out[key])
save_figure(fig, out.png, dpi=300, metadata=PNG_METADATA)
save_figure(fig, out.pdf, metadata=PDF_METADATA)
