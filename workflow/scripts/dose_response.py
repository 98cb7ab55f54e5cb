"""Adapter: parametric dose-response models of sessions to improvement on intake score."""

from _adapter import dataset_settings, read_events, start, write_csv

from dosecurve.config import landmarks
from dosecurve.stats.dose_response import dose_response_tables

start(snakemake)
events = read_events(snakemake.input[0])
sessions = landmarks(snakemake.params.improved_at, events["time"].max())
tables = dose_response_tables(events, dataset_settings(snakemake).strata, sessions)
for key, table in tables.items():
    write_csv(table, snakemake.output[key])
