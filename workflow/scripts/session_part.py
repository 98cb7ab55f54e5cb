"""Adapter: one part of one shard's session rows (dosecurve.parts), for the steps that read
the session rows of a data set read in shards."""

from _adapter import dataset_settings, read_results, start, write_table

from dosecurve.parts import PARTS, own_events, part_table

start(snakemake)
s, name = dataset_settings(snakemake), snakemake.wildcards.part
inputs = read_results(snakemake.input)
if PARTS[name].events == "own":  # the shard keeps every definition's events
    inputs["events"] = own_events(inputs["events"], s.primary.name)
write_table(part_table(name, inputs, s, snakemake.params.step), snakemake.output[0])
