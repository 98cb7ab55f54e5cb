"""Adapter: how much the answer depends on why clients stop (IPCW, bounds, tipping point),
and the IPCW review points."""

from _adapter import dataset_settings, read_result, read_sessions, start, write_csv

from dosecurve.stats.ending_sensitivity import ending_tables

start(snakemake)
p = snakemake.params
tables = ending_tables(
    read_sessions(snakemake.input.sessions),
    read_result(snakemake.input.events),
    dataset_settings(snakemake),
    p.improved_at,
    ending=p.ending,
    review=p.review,
    conf_level=p.conf_level,
    conf_type=p.conf_type,
)
for key, table in tables.items():  # keys: the rule's outputs
    write_csv(table, snakemake.output[key])
