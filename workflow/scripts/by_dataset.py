"""Adapter: median sessions per member data set of a pooled analysis, and log-rank."""

from _adapter import read_result, start, write_csv

from dosecurve.estimates import by_dataset

start(snakemake)
events = read_result(snakemake.input[0], dtype={"client": str, "dataset": str})
table = by_dataset(events, snakemake.params.dataset["pool"], conf_level=snakemake.params.conf_level)
write_csv(table, snakemake.output[0])
open(snakemake.log[0], "w").write(table.to_string(index=False) + "\n")
