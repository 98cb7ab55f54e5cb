"""Adapter: compare a simulated data set with the study its preset was calibrated to."""

import pandas as pd
from _adapter import read_result, start, write_csv

from dosecurve import config as cfg
from dosecurve.calibration import calibration_table
from dosecurve.storage import SESSION_IDS

start(snakemake)
ds, inp = snakemake.params.dataset, snakemake.input
table = calibration_table(
    cfg.simulation_spec(ds["simulate"]), preset=ds["simulate"].get("preset", "nordmo2021"),
    instrument=cfg.dataset_instrument(ds), truth=read_result(inp.truth),
    sessions=read_result(inp.sessions, SESSION_IDS),
    events=read_result(inp.events, dtype={"client": str}), medians=pd.read_csv(inp.medians),
)  # fmt: skip
write_csv(table, snakemake.output[0])
open(snakemake.log[0], "w").write(table.to_string(index=False) + "\n")
