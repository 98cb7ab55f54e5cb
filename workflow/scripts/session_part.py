"""Adapter: one part of one shard's session rows (dosecurve.parts), for the steps that read
the session rows of a data set read in shards."""

from _adapter import dataset_settings, read_frame, read_sessions, start, write_table

from dosecurve.parts import EVENT_COLUMNS, PARTS, own_events, part_table

start(snakemake)
s, name = dataset_settings(snakemake), snakemake.wildcards.part
inputs = {"sessions": read_sessions(snakemake.input.sessions, PARTS[name].columns(s))}
if "events" in snakemake.input.keys():
    inputs["events"] = read_frame(snakemake.input.events, columns=EVENT_COLUMNS)
if "sample" in snakemake.input.keys():  # the clients drawn for a sampled part
    inputs["sample"] = read_frame(snakemake.input.sample)
if PARTS[name].events == "own":  # the shard keeps every definition's events
    inputs["events"] = own_events(inputs["events"], s.primary.name)
write_table(part_table(name, inputs, s, snakemake.params.step), snakemake.output[0])
