"""Adapter: compare a simulated data set with the study its preset was calibrated to."""

import pandas as pd
from _adapter import dataset_settings, read_result, start, write_csv

from dosecurve.data.storage import SESSION_IDS
from dosecurve.simulation.calibration import calibration_table

start(snakemake)
s, inp = dataset_settings(snakemake), snakemake.input
table = calibration_table(
    s.simulation,
    preset=s.preset,
    instrument=s.instrument,
    truth=read_result(inp.truth),
    sessions=read_result(inp.sessions, SESSION_IDS),
    events=read_result(inp.events, dtype={"client": str}),
    medians=pd.read_csv(inp.medians),
)
write_csv(table, snakemake.output[0])
open(snakemake.log[0], "w").write(table.to_string(index=False) + "\n")
