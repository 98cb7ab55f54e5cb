"""Adapter: parametric dose-response models of sessions to improvement on intake score."""

import pandas as pd
from _adapter import log_errors, write_csv

from dosecurve.doseresponse import fit_aft, howard_probit

log_errors(snakemake.log[0])
events = pd.read_csv(snakemake.input[0], dtype={"client": str, "stratum": str})
models, predictions = fit_aft(events)
write_csv(models, snakemake.output.models)
write_csv(predictions, snakemake.output.predictions)
write_csv(howard_probit(events), snakemake.output.howard)
