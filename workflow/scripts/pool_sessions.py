"""Adapter: stack the member data sets' session tables for a pooled analysis."""

import pandas as pd
from _adapter import dataset_settings, log, read_result, read_table, start, write_csv, write_table

from dosecurve.data.sessions import pool_sessions

start(snakemake)
members = list(dataset_settings(snakemake).members)
tables = {
    name: read_result(path) for name, path in zip(members, snakemake.input.sessions, strict=True)
}
pooled, summary = pool_sessions(tables)
write_table(pooled, snakemake.output.sessions)
write_csv(summary.checks(), snakemake.output.checks)
sources = [
    read_table(p).assign(dataset=m)
    for m, p in zip(members, snakemake.input.provenance, strict=True)
]
write_csv(pd.concat(sources), snakemake.output.provenance)
log(f"pooled {members}: {summary}\n")
