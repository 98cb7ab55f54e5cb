"""Adapter: Kaplan-Meier by severity, medians, % improved by session, log-rank, sensitivity."""

import pandas as pd
from _errors import log_errors

from dosecurve import config as cfg
from dosecurve import survival

log_errors(snakemake.log[0])
p, out = snakemake.params, snakemake.output
ds = p.dataset
events = pd.read_csv(snakemake.input.events, dtype={"client": str, "stratum": str})
bands = cfg.dataset_bands(ds)
fit = survival.fit_by_stratum(events, [b.name for b in bands], conf_level=p.conf_level)
fit.tidy().to_csv(out.curves, index=False)
survival.median_table(fit).to_csv(out.medians, index=False)
survival.improved_by_session(fit, p.improved_at).to_csv(out.improved, index=False)
survival.logrank(events).to_csv(out.logrank, index=False)
stacked = pd.read_csv(snakemake.input.by_definition, dtype={"client": str, "stratum": str})
named = [(d.name, d.describe()) for d in cfg.event_definitions(ds)]
survival.sensitivity_table(stacked, named, conf_level=p.conf_level).to_csv(
    out.sensitivity, index=False
)
open(snakemake.log[0], "w").write(f"fitted {len(fit.curves)} curves\n")
