"""Adapter: the clients a sampled part of the session rows is drawn for (the growth models'
or the ending sensitivity's sample), drawn once from every client's events for all shards."""

from _adapter import read_frame, start, write_table

from dosecurve.parts import EVENT_COLUMNS, sample

start(snakemake)
events = read_frame(snakemake.input[0], columns=EVENT_COLUMNS)
write_table(sample(snakemake.wildcards.part, events, snakemake.params.step), snakemake.output[0])
