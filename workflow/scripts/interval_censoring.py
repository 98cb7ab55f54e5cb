"""Adapter: the median sessions to improvement when the clock is imperfect, read five ways."""

import pandas as pd
from _adapter import log_errors, write_csv

from dosecurve.interval import median_sensitivity

log_errors(snakemake.log[0])
events = pd.read_csv(snakemake.input[0], dtype={"client": str, "stratum": str})
write_csv(median_sensitivity(events), snakemake.output[0])
