"""Adapter: median sessions per member data set of a pooled analysis, and log-rank."""

from _adapter import dataset_settings, log, read_events, start, write_csv

from dosecurve.stats.curve_summaries import by_dataset

start(snakemake)
events = read_events(snakemake.input[0])
members = list(dataset_settings(snakemake).members)
table = by_dataset(events, members, conf_level=snakemake.params.conf_level)
write_csv(table, snakemake.output[0])
log(table.to_string(index=False) + "\n")
