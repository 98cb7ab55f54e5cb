"""Adapter: simulate or read the data set, validate it, write the session table."""

import logging

from dosecurve import config as cfg
from dosecurve.sessions import read_long_csv, validate_sessions
from dosecurve.simulate import simulate_sessions

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(message)s")
ds = snakemake.params.dataset
if "simulate" in ds:
    spec = cfg.simulation_spec(ds["simulate"])
    raw, source = simulate_sessions(spec), f"simulated data set ({spec})"
else:
    with open(snakemake.input.raw[0], "rb") as handle:
        raw = read_long_csv(handle, source=ds["path"], delimiter=ds.get("delimiter", ","))
    source = ds["path"]
table, summary = validate_sessions(
    raw, columns=cfg.column_map(ds), instrument=cfg.dataset_instrument(ds), source=source,
    second_instrument=cfg.second_instrument(ds), end_reasons=ds.get("end_reasons"),
)  # fmt: skip
table.to_csv(snakemake.output[0], index=False)
logging.info("%s: %s", source, summary)
