"""Adapter: derive event records per client and definition, and the participant flow."""

import logging

from _adapter import read_result, start, write_csv, write_table

from dosecurve import config as cfg
from dosecurve.events import derive_all
from dosecurve.storage import SESSION_IDS

start(snakemake)
logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(message)s")
ds = snakemake.params.dataset
sessions = read_result(snakemake.input[0], SESSION_IDS)
events, flow = derive_all(
    sessions, instrument=cfg.dataset_instrument(ds), bands=cfg.dataset_bands(ds),
    definitions=cfg.event_definitions(ds), second=cfg.second_instrument(ds),
)  # fmt: skip
primary = events["definition"] == cfg.primary_definition(ds).name
write_table(events[primary].drop(columns="definition"), snakemake.output.events)
write_table(events, snakemake.output.by_definition)
write_csv(flow, snakemake.output.flow)
logging.info("flow:\n%s", flow.to_string(index=False))
