"""Adapter: the curve by one ``groups`` column (treatment arm), with its risk table and
log-rank test: its data as CSV, then PNG (300 dpi) and PDF drawn from the written tables."""

from _adapter import dataset_settings, read_events, save_figure, start, write_csv

from dosecurve.figures.catalog import draw_group_figure, figure_context
from dosecurve.figures.curves import PDF_METADATA, PNG_METADATA

start(snakemake)
p, out = snakemake.params, snakemake.output
context = figure_context(
    dataset_settings(snakemake),
    conf_level=p.conf_level,
    conf_type=p.conf_type,
    min_cell=p.min_cell,
    figures=p.figures,
)
files, fig = draw_group_figure(read_events(snakemake.input[0]), p.column, context)
for key, table in files.items():
    write_csv(table, out[key])
save_figure(fig, out.png, dpi=300, metadata=PNG_METADATA)
save_figure(fig, out.pdf, metadata=PDF_METADATA)
