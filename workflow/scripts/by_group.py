"""Adapter: curves by configured categorical columns, alone or crossed with severity."""

from _adapter import dataset_settings, read_events, start, write_csv

from dosecurve import config as cfg
from dosecurve.stats.curve_summaries import by_groups

start(snakemake)
p = snakemake.params
a = cfg.analysis_settings({"analysis": p.analysis})
s = dataset_settings(snakemake)
events = read_events(snakemake.input[0])
table = by_groups(
    events,
    list(s.groups.columns),
    s.strata,
    cross=s.groups.cross_with_severity,
    conf_level=a.conf_level,
    conf_type=a.conf_type,
)
write_csv(table, snakemake.output[0])
