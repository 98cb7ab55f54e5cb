"""Adapter: validate one shard of the data set's rows (whole clients) as the sessions step
validates the whole file; its summary is kept for the gather step."""

import os

from _adapter import dataset_settings, log, read_rows, start, write_table

from dosecurve.data.shards import summary_frame, validate_dataset

start(snakemake)
s, out, shard = dataset_settings(snakemake), snakemake.output, snakemake.wildcards.shard
raw = read_rows(
    os.path.join(snakemake.input.rows, f"{shard}.arrow"), s.reader.get("text_columns", ())
)
table, summary = validate_dataset(raw, s, whole_file=False)
write_table(table, out.sessions)
write_table(summary_frame(summary), out.summary)
log(f"shard {shard}: {summary}\n")
