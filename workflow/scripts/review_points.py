"""Adapter: review points (Kaplan-Meier, with the IPCW rows of the ending sensitivity) and
expected-recovery bands."""

import pandas as pd
from _adapter import dataset_settings, read_result, read_sessions, read_table, start, write_csv

from dosecurve.stats.review_points import Settings, expected_recovery, review_points

start(snakemake)
p, out = snakemake.params, snakemake.output
settings = dataset_settings(snakemake)
events = read_result(snakemake.input.events)
km = review_points(
    events, settings.strata, Settings(**p.review), conf_level=p.conf_level, conf_type=p.conf_type
)
ipcw = read_table(snakemake.input.ipcw)
write_csv(pd.concat([km, ipcw], ignore_index=True) if len(ipcw) else km, out.points)
write_csv(
    expected_recovery(read_sessions(snakemake.input.sessions), events, settings.strata), out.bands
)
