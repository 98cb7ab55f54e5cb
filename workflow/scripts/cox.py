"""Adapter: Cox models of improvement on intake severity, and their PH checks."""

from _adapter import dataset_settings, read_events, start, write_csv

from dosecurve.stats.cox import event_columns, fit_cox

start(snakemake)
p = snakemake.params
s = dataset_settings(snakemake)
columns = event_columns(s.cox.covariates)
events = read_events(snakemake.input[0], columns=columns, categorical=["therapist"])
models, checks = fit_cox(
    events,
    s.strata,
    covariates=list(s.cox.covariates),
    interactions=[list(pair) for pair in s.cox.interactions],
    conf_level=p.conf_level,
)
write_csv(models, snakemake.output.models)
write_csv(checks, snakemake.output.checks)
