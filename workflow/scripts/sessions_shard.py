"""Adapter: validate one shard of the data set's rows (whole clients) as the sessions step
validates the whole file; its summary is kept for the gather step."""

import os

from _adapter import dataset_settings, log, read_rows, start, write_table

from dosecurve.data.sessions import validate_sessions
from dosecurve.data.shards import summary_frame

start(snakemake)
s, out = dataset_settings(snakemake), snakemake.output
path = os.path.join(snakemake.input.rows, f"{snakemake.wildcards.shard}.arrow")
table, summary = validate_sessions(
    read_rows(path, s.reader.get("text_columns", ())),
    columns=dict(s.columns),
    source=s.path or "simulated appointments",
    instrument=s.instrument,
    second_instrument=s.second_instrument,
    end_reasons=s.end_reasons,
    layout=s.layout,
    max_sessions=s.max_sessions,
    whole_file=False,
)
write_table(table, out.sessions)
write_table(summary_frame(summary), out.summary)
log(f"shard {snakemake.wildcards.shard}: {summary}\n")
