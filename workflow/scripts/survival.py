"""Adapter: Kaplan-Meier per severity stratum, medians, % improved by session, log-rank."""

import logging

import pandas as pd

from dosecurve import survival
from dosecurve.config import dataset_bands

logging.basicConfig(filename=snakemake.log[0], level=logging.INFO, format="%(message)s")
p = snakemake.params
events = pd.read_csv(snakemake.input[0], dtype={"client": str, "stratum": str})
bands = dataset_bands({k: p[k] for k in ("instrument", "severity") if p[k] is not None})
fit = survival.fit_by_stratum(events, [b.name for b in bands], conf_level=p.conf_level)
fit.tidy().to_csv(snakemake.output.curves, index=False)
survival.median_table(fit).to_csv(snakemake.output.medians, index=False)
survival.improved_by_session(fit, p.improved_at).to_csv(snakemake.output.improved, index=False)
survival.logrank(events).to_csv(snakemake.output.logrank, index=False)
logging.info("fitted %d curves", len(fit.curves))
