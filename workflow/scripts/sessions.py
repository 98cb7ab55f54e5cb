"""Adapter: read the data set (or the simulator's appointments), validate, write sessions."""

from _adapter import dataset_settings, log, start, write_csv, write_table

from dosecurve.data.readers import provenance, read_table
from dosecurve.data.shards import validate_dataset

start(snakemake)
s, out = dataset_settings(snakemake), snakemake.output
path = snakemake.input.raw
table, summary = validate_dataset(read_table(path, **s.reader), s)
write_table(table, out.sessions)
write_csv(summary.checks(), out.checks)
write_csv(provenance(path, source=s.source), out.provenance)
log(f"{path}: {summary}\n")
