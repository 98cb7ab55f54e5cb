"""Adapter: one figure of a data set: its data as CSV, then PNG (300 dpi) and PDF drawn
from the written (privacy-suppressed) tables."""

from _adapter import dataset_settings, read_result, read_sessions, save_figure, start, write_csv

from dosecurve.config import figure_settings
from dosecurve.figures.catalog import draw_figure, figure_context
from dosecurve.figures.curves import PDF_METADATA, PNG_METADATA

start(snakemake)
p, out = snakemake.params, snakemake.output
inputs = {
    key: read_sessions(path) if key == "sessions" else read_result(path)
    for key, path in snakemake.input.items()
}
settings = dataset_settings(snakemake)
context = figure_context(
    settings,
    conf_level=p.conf_level,
    conf_type=p.conf_type,
    min_cell=p.min_cell,
    figures=figure_settings({"figures": p.figures}),
)
files, fig = draw_figure(snakemake.wildcards.figure, inputs, context)
for key, table in files.items():
    write_csv(table, out[key])
save_figure(fig, out.png, dpi=300, metadata=PNG_METADATA)
save_figure(fig, out.pdf, metadata=PDF_METADATA)
