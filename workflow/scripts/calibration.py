"""Adapter: compare a simulated data set with the study its preset was calibrated to."""

from _adapter import dataset_settings, log, read_results, start, write_csv

from dosecurve.parts import part_table
from dosecurve.simulation.calibration import calibration_table

start(snakemake)
s = dataset_settings(snakemake)
inputs = read_results(snakemake.input)
table = calibration_table(
    s.simulation,
    preset=s.preset,
    instrument=s.instrument,
    truth=inputs["truth"],
    first_last=part_table("first_last", inputs, s),
    events=inputs["events"],
    estimands=inputs["estimands"],
)
write_csv(table, snakemake.output[0])
log(table.to_string(index=False) + "\n")
