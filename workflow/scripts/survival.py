"""Adapter: Kaplan-Meier by severity, medians, quantiles, % improved, log-rank tests."""

import pandas as pd
from _adapter import log_errors, write_csv

from dosecurve import config as cfg
from dosecurve import survival
from dosecurve.privacy import suppress

log_errors(snakemake.log[0])
p, out, a = snakemake.params, snakemake.output, snakemake.params.analysis
events = pd.read_csv(snakemake.input.events, dtype={"client": str, "stratum": str})
strata = [b.name for b in cfg.dataset_bands(p.dataset)]
fit = survival.fit_by_stratum(events, strata, conf_level=a.conf_level, conf_type=a.conf_type)
tests, pairwise = survival.logrank_tests(events, strata, rho=a.fh_rho, gamma=a.fh_gamma)
stacked = pd.read_csv(snakemake.input.by_definition, dtype={"client": str, "stratum": str})
named = [(d.name, d.describe()) for d in cfg.event_definitions(p.dataset)]
tables = {
    "curves": fit.tidy(), "medians": survival.median_table(fit),
    "quantiles": survival.quantile_table(fit), "logrank": tests, "pairwise": pairwise,
    "improved": survival.improved_by_session(fit, a.improved_at),
    "sensitivity": survival.sensitivity_table(
        stacked, named, conf_level=a.conf_level, conf_type=a.conf_type
    ),
}  # fmt: skip
for name, table in tables.items():
    write_csv(suppress(table, p.min_cell), out[name])
