"""Adapter: stack the member data sets' session tables for a pooled analysis."""

import pandas as pd
from _errors import log_errors

from dosecurve.sessions import pool_sessions

log_errors(snakemake.log[0])
members = snakemake.params.dataset["pool"]
tables = {
    name: pd.read_csv(path, dtype={"client": str, "therapist": str})
    for name, path in zip(members, snakemake.input, strict=True)
}
pooled, summary = pool_sessions(tables)
pooled.to_csv(snakemake.output.sessions, index=False)
summary.checks().to_csv(snakemake.output.checks, index=False)
open(snakemake.log[0], "w").write(f"pooled {members}: {summary}\n")
