"""Adapter: Kaplan-Meier by severity, medians, quantiles, % improved, restricted means."""

from _adapter import dataset_settings, read_events, start, write_csv

from dosecurve import config as cfg
from dosecurve.stats import curve_summaries as est
from dosecurve.stats import kaplan_meier as km

start(snakemake)
p, out = snakemake.params, snakemake.output
a = cfg.analysis_settings({"analysis": p.analysis})
events = read_events(snakemake.input[0])
strata = dataset_settings(snakemake).strata
fit = km.fit_by_stratum(events, strata, conf_level=a.conf_level, conf_type=a.conf_type)
tables = {
    "curves": fit.tidy(),
    "medians": km.median_table(fit),
    "quantiles": est.quantile_table(fit),
    "improved": km.improved_by_session(fit, cfg.landmarks(p.improved_at, events["time"].max())),
    "rmst": est.restricted_mean_table(fit, a.rmst_horizon, conf_level=a.conf_level),
}
for name, table in tables.items():
    write_csv(table, out[name])
