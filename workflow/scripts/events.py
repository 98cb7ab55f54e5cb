"""Adapter: derive event records per client and definition, and the participant flow."""

import logging

import pandas as pd
from _errors import log_errors

from dosecurve import config as cfg
from dosecurve.events import derive_all

log_errors(snakemake.log[0])
logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(message)s")
ds = snakemake.params.dataset
sessions = pd.read_csv(snakemake.input[0], dtype={"client": str, "therapist": str})
events, flow = derive_all(
    sessions, instrument=cfg.dataset_instrument(ds), bands=cfg.dataset_bands(ds),
    definitions=cfg.event_definitions(ds), second=cfg.second_instrument(ds),
)  # fmt: skip
primary = events["definition"] == cfg.primary_definition(ds).name
events[primary].drop(columns="definition").to_csv(snakemake.output.events, index=False)
events.to_csv(snakemake.output.by_definition, index=False)
flow.to_csv(snakemake.output.flow, index=False)
logging.info("flow:\n%s", flow.to_string(index=False))
