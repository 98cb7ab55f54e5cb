"""Adapter: curves by configured categorical columns, alone or crossed with severity."""

from _adapter import read_result, start, write_csv

from dosecurve import config as cfg
from dosecurve.estimates import by_groups

start(snakemake)
p = snakemake.params
a = cfg.analysis_settings({"analysis": p.analysis})
columns, cross = cfg.group_settings(p.dataset)
events = read_result(snakemake.input[0], dtype={"client": str, "stratum": str})
strata = [b.name for b in cfg.dataset_bands(p.dataset)]
table = by_groups(
    events, columns, strata, cross=cross, conf_level=a.conf_level, conf_type=a.conf_type
)
write_csv(table, snakemake.output[0])
