"""Adapter: one figure of a data set: its data as CSV, then PNG (300 dpi) and PDF drawn
from the written (privacy-suppressed) tables."""

from _adapter import (
    dataset_settings,
    private,
    read_result,
    read_sessions,
    save_figure,
    start,
    write_csv,
)

from dosecurve.figures.catalog import FIGURES, figure_context
from dosecurve.figures.curves import PDF_METADATA, PNG_METADATA

start(snakemake)
p, out, name = snakemake.params, snakemake.output, snakemake.wildcards.figure
inputs = {
    key: read_sessions(path) if key == "sessions" else read_result(path)
    for key, path in snakemake.input.items()
}
context = figure_context(
    dataset_settings(snakemake), conf_level=p.conf_level, conf_type=p.conf_type, min_cell=p.min_cell
)
tables = {key: private(t) for key, t in FIGURES[name].data(inputs, context).items()}
for i, (key, table) in enumerate(tables.items()):  # the first is <figure>.csv
    write_csv(table, out.csv if i == 0 else out[key])
fig = FIGURES[name].plot(tables, context)
save_figure(fig, out.png, dpi=300, metadata=PNG_METADATA)
save_figure(fig, out.pdf, metadata=PDF_METADATA)
