"""Adapter: Kaplan-Meier by severity, medians, quantiles, % improved, log-rank tests."""

import pandas as pd
from _adapter import log_errors, write_csv

from dosecurve import config as cfg
from dosecurve import estimates as est
from dosecurve import survival as km
from dosecurve.logrank import logrank_tests
from dosecurve.privacy import suppress

log_errors(snakemake.log[0])
p, out, a = snakemake.params, snakemake.output, snakemake.params.analysis
ci = {"conf_level": a.conf_level, "conf_type": a.conf_type}
events = pd.read_csv(snakemake.input.events, dtype={"client": str, "stratum": str})
strata = [b.name for b in cfg.dataset_bands(p.dataset)]
fit = km.fit_by_stratum(events, strata, **ci)
stacked = pd.read_csv(snakemake.input.by_definition, dtype={"client": str, "stratum": str})
named = [(d.name, d.describe()) for d in cfg.event_definitions(p.dataset)]
tests, pairwise = logrank_tests(events, strata, rho=a.fh_rho, gamma=a.fh_gamma)
tables = {
    "logrank": tests, "pairwise": pairwise, "curves": fit.tidy(), "medians": km.median_table(fit),
    "quantiles": est.quantile_table(fit), "improved": km.improved_by_session(fit, a.improved_at),
    "rmst": est.restricted_mean_table(fit, a.rmst_horizon, conf_level=a.conf_level),
    "sensitivity": est.sensitivity_table(stacked, named, **ci),
}  # fmt: skip
for name, table in tables.items():
    write_csv(suppress(table, p.min_cell), out[name])
