"""Adapter: derive one event record per client and the participant flow."""

import logging

import pandas as pd

from dosecurve.config import dataset_bands, dataset_instrument
from dosecurve.events import derive_events, participant_flow

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(message)s")
ds = {k: v for k, v in snakemake.params.items() if v is not None}
sessions = pd.read_csv(snakemake.input[0], dtype={"client": str, "therapist": str})
events = derive_events(sessions, instrument=dataset_instrument(ds), bands=dataset_bands(ds))
flow = participant_flow(events)
events.to_csv(snakemake.output.events, index=False)
flow.to_csv(snakemake.output.flow, index=False)
logging.info("flow:\n%s", flow.to_string(index=False))
