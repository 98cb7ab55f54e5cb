"""Adapter: the median sessions to improvement when the clock is imperfect, read five ways."""

from _adapter import read_events, start, write_csv

from dosecurve.stats.interval_censoring import median_sensitivity

start(snakemake)
events = read_events(snakemake.input[0])
write_csv(median_sensitivity(events), snakemake.output[0])
