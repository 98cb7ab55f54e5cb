"""Adapter: compare a simulated data set with the study its preset was calibrated to."""

import pandas as pd
from _adapter import log_errors, write_csv

from dosecurve import config as cfg
from dosecurve.calibration import calibration_table

log_errors(snakemake.log[0])
ds, inp = snakemake.params.dataset, snakemake.input
table = calibration_table(
    cfg.simulation_spec(ds["simulate"]), preset=ds["simulate"].get("preset", "nordmo2021"),
    instrument=cfg.dataset_instrument(ds), truth=pd.read_csv(inp.truth),
    sessions=pd.read_csv(inp.sessions, dtype={"client": str}),
    events=pd.read_csv(inp.events, dtype={"client": str}), medians=pd.read_csv(inp.medians),
)  # fmt: skip
write_csv(table, snakemake.output[0])
open(snakemake.log[0], "w").write(table.to_string(index=False) + "\n")
