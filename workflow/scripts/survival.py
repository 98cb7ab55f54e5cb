"""Adapter: Kaplan-Meier by severity, medians, % improved by session, log-rank, sensitivity."""

import pandas as pd
from _adapter import log_errors, write_csv

from dosecurve import config as cfg
from dosecurve import survival
from dosecurve.privacy import suppress

log_errors(snakemake.log[0])
p, out = snakemake.params, snakemake.output
events = pd.read_csv(snakemake.input.events, dtype={"client": str, "stratum": str})
bands = [b.name for b in cfg.dataset_bands(p.dataset)]
fit = survival.fit_by_stratum(events, bands, conf_level=p.conf_level)
stacked = pd.read_csv(snakemake.input.by_definition, dtype={"client": str, "stratum": str})
named = [(d.name, d.describe()) for d in cfg.event_definitions(p.dataset)]
tables = {
    "curves": fit.tidy(), "medians": survival.median_table(fit),
    "improved": survival.improved_by_session(fit, p.improved_at),
    "logrank": survival.logrank(events),
    "sensitivity": survival.sensitivity_table(stacked, named, conf_level=p.conf_level),
}  # fmt: skip
for name, table in tables.items():
    write_csv(suppress(table, p.min_cell), out[name])
open(snakemake.log[0], "w").write(f"fitted {len(fit.curves)} curves\n")
