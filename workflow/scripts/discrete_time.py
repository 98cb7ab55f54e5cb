"""Adapter: the discrete-time (complementary log-log) hazard model on person-sessions."""

import pandas as pd
from _adapter import log_errors, write_csv

from dosecurve.discrete import fit_discrete

log_errors(snakemake.log[0])
events = pd.read_csv(snakemake.input[0], dtype={"client": str, "stratum": str, "therapist": str})
write_csv(fit_discrete(events, conf_level=snakemake.params.conf_level), snakemake.output[0])
