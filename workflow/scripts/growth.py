"""Adapter: growth models, the good-enough-level test, recovery by treatment length and
the therapists' share of variance (with their ranked, shrunken estimates)."""

from _adapter import dataset_settings, read_results, start, write_csv

from dosecurve.parts import part_table
from dosecurve.stats.growth import Settings
from dosecurve.stats.growth_step import growth_tables

start(snakemake)
p, s = snakemake.params, dataset_settings(snakemake)
inputs = read_results(snakemake.input)
tables = growth_tables(
    part_table("growth_rows", inputs, s, p.growth),  # the sampled clients' session rows
    inputs["events"],
    s.instrument,
    Settings(**p.growth),
    min_cell=p.min_cell,
    show_therapists=p.show_therapists,
    conf_level=p.conf_level,
)
for key, table in tables.items():  # keys: the rule's outputs
    write_csv(table, snakemake.output[key])
