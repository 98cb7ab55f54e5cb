"""Adapter: the estimands side by side (if continued, during therapy, among the improved,
at termination), per stratum and overall."""

from _adapter import dataset_settings, read_events, start, write_csv

from dosecurve.config import landmarks
from dosecurve.stats.estimands import estimands_table

start(snakemake)
p = snakemake.params
events = read_events(snakemake.input[0])
table = estimands_table(
    events,
    dataset_settings(snakemake).strata,
    landmarks(p.improved_at, events["time"].max()),
    conf_level=p.conf_level,
    conf_type=p.conf_type,
)
write_csv(table, snakemake.output[0])
