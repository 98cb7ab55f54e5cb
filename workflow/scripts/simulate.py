"""Adapter: simulate booked appointments and write them with the truth behind them."""

from _errors import log_errors

from dosecurve.config import simulation_spec
from dosecurve.simulate import simulate_appointments

log_errors(snakemake.log[0])
spec = simulation_spec(snakemake.params.dataset["simulate"])
appointments, truth = simulate_appointments(spec)
appointments.to_csv(snakemake.output.appointments, index=False)
truth.to_csv(snakemake.output.truth, index=False)
open(snakemake.log[0], "w").write(f"{spec}\n{len(appointments)} appointments\n")
