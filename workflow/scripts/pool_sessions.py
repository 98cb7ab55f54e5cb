"""Adapter: stack the member data sets' session tables for a pooled analysis."""

import pandas as pd
from _adapter import dataset_settings, read_result, start, write_csv, write_table

from dosecurve.data.sessions import pool_sessions

start(snakemake)
members = list(dataset_settings(snakemake).members)
tables = {
    name: read_result(path, dtype={"client": str, "therapist": str})
    for name, path in zip(members, snakemake.input.sessions, strict=True)
}
pooled, summary = pool_sessions(tables)
write_table(pooled, snakemake.output.sessions)
write_csv(summary.checks(), snakemake.output.checks)
sources = [
    pd.read_csv(p).assign(dataset=m)
    for m, p in zip(members, snakemake.input.provenance, strict=True)
]
write_csv(pd.concat(sources), snakemake.output.provenance)
open(snakemake.log[0], "w").write(f"pooled {members}: {summary}\n")
