"""Adapter: simulate booked appointments and write them with the truth behind them."""

from _adapter import dataset_settings, log, start, write_table

from dosecurve.simulation.simulate import simulate_appointments

start(snakemake)
spec = dataset_settings(snakemake).simulation
appointments, truth = simulate_appointments(spec)
write_table(appointments, snakemake.output.appointments)
write_table(truth, snakemake.output.truth)
log(f"{spec}\n{len(appointments)} appointments\n")
