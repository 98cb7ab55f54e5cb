"""Adapter: event records of one shard's clients, for every definition."""

from _adapter import dataset_settings, read_sessions, start, write_table

from dosecurve.outcomes.events import derive_all

start(snakemake)
s = dataset_settings(snakemake)
events, _ = derive_all(
    read_sessions(snakemake.input[0]),
    instrument=s.instrument,
    bands=s.bands,
    definitions=list(s.definitions),
    second=s.second_instrument,
)
write_table(events, snakemake.output[0])
