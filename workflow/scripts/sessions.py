"""Adapter: read the data set (or the simulator's appointments), validate, write sessions."""

from _adapter import start, write_csv, write_table

from dosecurve import config as cfg
from dosecurve.readers import provenance, read_table
from dosecurve.sessions import MAX_SESSIONS, validate_sessions

start(snakemake)
ds, out = snakemake.params.dataset, snakemake.output
path = snakemake.input.raw
options = {} if "simulate" in ds else cfg.reader_options(ds)
table, summary = validate_sessions(
    read_table(path, **options), columns=cfg.column_map(ds), source=ds.get("path", path),
    instrument=cfg.dataset_instrument(ds), second_instrument=cfg.second_instrument(ds),
    end_reasons=ds.get("end_reasons"), layout=cfg.layout(ds),
    max_sessions=ds.get("max_sessions", MAX_SESSIONS),
)  # fmt: skip
write_table(table, out.sessions)
write_csv(summary.checks(), out.checks)
write_csv(provenance(path, source=ds.get("path", "simulated appointments")), out.provenance)
open(snakemake.log[0], "w").write(f"{path}: {summary}\n")
