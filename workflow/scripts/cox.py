"""Adapter: Cox models of improvement on intake severity, and their PH checks."""

from _adapter import read_result, start, write_csv

from dosecurve.config import cox_settings, dataset_bands
from dosecurve.cox import fit_cox

start(snakemake)
p = snakemake.params
events = read_result(snakemake.input[0], dtype={"client": str, "stratum": str, "therapist": str})
covariates, interactions = cox_settings(p.dataset)
strata = [b.name for b in dataset_bands(p.dataset)]
models, checks = fit_cox(
    events, strata, covariates=covariates, interactions=interactions, conf_level=p.conf_level
)
write_csv(models, snakemake.output.models)
write_csv(checks, snakemake.output.checks)
