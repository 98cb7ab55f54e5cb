"""Adapter: compare a simulated data set with the study its preset was calibrated to."""

from _adapter import dataset_settings, log, read_result, read_sessions, read_table, start, write_csv

from dosecurve.simulation.calibration import calibration_table

start(snakemake)
s, inp = dataset_settings(snakemake), snakemake.input
table = calibration_table(
    s.simulation,
    preset=s.preset,
    instrument=s.instrument,
    truth=read_result(inp.truth),
    sessions=read_sessions(inp.sessions),
    events=read_result(inp.events),
    estimands=read_table(inp.estimands),
)
write_csv(table, snakemake.output[0])
log(table.to_string(index=False) + "\n")
