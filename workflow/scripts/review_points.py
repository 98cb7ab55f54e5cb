"""Adapter: review points (Kaplan-Meier, with the IPCW rows of the ending sensitivity) and
expected-recovery bands."""

import pandas as pd
from _adapter import dataset_settings, read_results, start, write_csv

from dosecurve.parts import part_table
from dosecurve.stats.review_points import Settings, expected_recovery, review_points

start(snakemake)
p, out = snakemake.params, snakemake.output
settings = dataset_settings(snakemake)
inputs = read_results(snakemake.input, clients="sessions" in snakemake.input.keys())
km = review_points(
    inputs["events"],
    settings.strata,
    Settings(**p.review),
    conf_level=p.conf_level,
    conf_type=p.conf_type,
)
ipcw = inputs["ipcw"]
write_csv(pd.concat([km, ipcw], ignore_index=True) if len(ipcw) else km, out.points)
counts = part_table("score_counts", inputs, settings)  # the eligible clients' scores counted
write_csv(expected_recovery(counts, settings.strata), out.bands)
