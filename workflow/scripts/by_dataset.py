"""Adapter: median sessions per member data set of a pooled analysis, and log-rank."""

import pandas as pd
from _errors import log_errors

from dosecurve.survival import by_dataset

log_errors(snakemake.log[0])
events = pd.read_csv(snakemake.input[0], dtype={"client": str, "dataset": str})
table = by_dataset(events, snakemake.params.dataset["pool"], conf_level=snakemake.params.conf_level)
table.to_csv(snakemake.output[0], index=False)
open(snakemake.log[0], "w").write(table.to_string(index=False) + "\n")
