"""Adapter: growth models, the good-enough-level test, recovery by treatment length and
the therapists' share of variance (with their ranked, shrunken estimates)."""

from _adapter import dataset_settings, read_result, read_sessions, start, write_csv

from dosecurve.stats.growth import Settings
from dosecurve.stats.growth_step import growth_tables

start(snakemake)
p = snakemake.params
tables = growth_tables(
    read_sessions(snakemake.input.sessions),
    read_result(snakemake.input.events),
    dataset_settings(snakemake).instrument,
    Settings(**p.growth),
    min_cell=p.min_cell,
    show_therapists=p.show_therapists,
    conf_level=p.conf_level,
)
for key, table in tables.items():  # keys: the rule's outputs
    write_csv(table, snakemake.output[key])
