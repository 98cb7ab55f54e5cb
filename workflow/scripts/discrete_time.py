"""Adapter: the discrete-time (complementary log-log) hazard model on person-sessions."""

from _adapter import read_events, start, write_csv

from dosecurve.stats.discrete_time import fit_discrete

start(snakemake)
events = read_events(snakemake.input[0])  # unknown therapists: one cluster per row
write_csv(fit_discrete(events, conf_level=snakemake.params.conf_level), snakemake.output[0])
