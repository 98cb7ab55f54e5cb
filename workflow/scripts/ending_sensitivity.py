"""Adapter: how much the answer depends on why clients stop (IPCW, bounds, tipping point),
and the IPCW review points."""

from _adapter import dataset_settings, read_events, read_results, start, write_csv

from dosecurve.parts import part_table
from dosecurve.stats.ending_sensitivity import EVENT_COLUMNS, ending_tables

start(snakemake)
p, s = snakemake.params, dataset_settings(snakemake)
inputs = read_results({k: v for k, v in snakemake.input.items() if k != "events"})
inputs["events"] = read_events(snakemake.input.events, clients=True, columns=EVENT_COLUMNS)
tables = ending_tables(
    part_table("ending_rows", inputs, s, p.ending),  # the sampled clients' session rows
    inputs["events"],
    s,
    p.improved_at,
    ending=p.ending,
    review=p.review,
    conf_level=p.conf_level,
    conf_type=p.conf_type,
)
for key, table in tables.items():  # keys: the rule's outputs
    write_csv(table, snakemake.output[key])
