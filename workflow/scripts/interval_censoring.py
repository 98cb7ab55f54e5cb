"""Adapter: the median sessions to improvement when the clock is imperfect, read five ways."""

from _adapter import log_errors, read_result, write_csv

from dosecurve.interval import median_sensitivity

log_errors(snakemake.log[0])
events = read_result(snakemake.input[0], dtype={"client": str, "stratum": str})
write_csv(median_sensitivity(events), snakemake.output[0])
