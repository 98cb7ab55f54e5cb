"""Adapter: derive event records per client and definition, and the participant flow."""

from _adapter import dataset_settings, log, read_sessions, start, write_csv, write_table

from dosecurve.outcomes.events import derive_all

start(snakemake)
s = dataset_settings(snakemake)
sessions = read_sessions(snakemake.input[0])
events, flow = derive_all(
    sessions,
    instrument=s.instrument,
    bands=s.bands,
    definitions=list(s.definitions),
    second=s.second_instrument,
)
primary = events["definition"] == s.primary.name
write_table(events[primary].drop(columns="definition"), snakemake.output.events)
write_table(events, snakemake.output.by_definition)
write_csv(flow, snakemake.output.flow)
log("flow:\n" + flow.to_string(index=False))
