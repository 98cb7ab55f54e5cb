"""Adapter: derive event records per client and definition, and the participant flow."""

import logging

from _adapter import dataset_settings, read_result, start, write_csv, write_table

from dosecurve.data.storage import SESSION_IDS
from dosecurve.outcomes.events import derive_all

start(snakemake)
logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(message)s")
s = dataset_settings(snakemake)
sessions = read_result(snakemake.input[0], SESSION_IDS)
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
logging.info("flow:\n%s", flow.to_string(index=False))
