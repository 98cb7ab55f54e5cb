"""Adapter: the discrete-time (complementary log-log) hazard model on person-sessions."""

from _adapter import log_errors, read_result, write_csv

from dosecurve.discrete import fit_discrete

log_errors(snakemake.log[0])
events = read_result(snakemake.input[0], dtype={"client": str, "stratum": str, "therapist": str})
write_csv(fit_discrete(events, conf_level=snakemake.params.conf_level), snakemake.output[0])
