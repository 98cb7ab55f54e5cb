"""Adapter: read the data set (or the simulator's appointments), validate, write sessions."""

from _adapter import dataset_settings, log, start, write_csv, write_table

from dosecurve.data.readers import provenance, read_table
from dosecurve.data.sessions import validate_sessions

start(snakemake)
s, out = dataset_settings(snakemake), snakemake.output
path = snakemake.input.raw
table, summary = validate_sessions(
    read_table(path, **s.reader),
    columns=dict(s.columns),
    source=s.path or path,
    instrument=s.instrument,
    second_instrument=s.second_instrument,
    end_reasons=s.end_reasons,
    layout=s.layout,
    max_sessions=s.max_sessions,
)
write_table(table, out.sessions)
write_csv(summary.checks(), out.checks)
write_csv(provenance(path, source=s.source), out.provenance)
log(f"{path}: {summary}\n")
