"""Adapter: log-rank tests, dropout as a competing event, and the definitions compared."""

from _adapter import dataset_settings, read_result, start, write_csv

from dosecurve import config as cfg
from dosecurve.stats.cumulative_incidence import competing_table
from dosecurve.stats.curve_summaries import sensitivity_table
from dosecurve.stats.logrank import logrank_tests

start(snakemake)
p, out = snakemake.params, snakemake.output
a = cfg.analysis_settings({"analysis": p.analysis})
events, stacked = (read_result(f) for f in snakemake.input)
ci = {"conf_level": a.conf_level, "conf_type": a.conf_type}
s = dataset_settings(snakemake)
strata = s.strata
named = [(d.name, d.describe()) for d in s.definitions]
tests, pairwise = logrank_tests(events, strata, rho=a.fh_rho, gamma=a.fh_gamma)
at = cfg.landmarks(p.improved_at, events["time"].max())
tables = {
    "logrank": tests,
    "pairwise": pairwise,
    "competing": competing_table(events, strata, at),
    "sensitivity": sensitivity_table(stacked, named, **ci),
}
for name, table in tables.items():
    write_csv(table, out[name])
