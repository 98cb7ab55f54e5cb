"""Adapter: median sessions per member data set of a pooled analysis, and log-rank."""

from _adapter import dataset_settings, read_result, start, write_csv

from dosecurve.stats.curve_summaries import by_dataset

start(snakemake)
events = read_result(snakemake.input[0], dtype={"client": str, "dataset": str})
members = list(dataset_settings(snakemake).members)
table = by_dataset(events, members, conf_level=snakemake.params.conf_level)
write_csv(table, snakemake.output[0])
open(snakemake.log[0], "w").write(table.to_string(index=False) + "\n")
