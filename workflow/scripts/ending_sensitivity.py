"""Adapter: how much the answer depends on why clients stop (IPCW, bounds, tipping point),
and the IPCW review points."""

from _adapter import dataset_settings, log, read_result, read_sessions, start, write_csv

from dosecurve.config import landmarks
from dosecurve.stats import review_points
from dosecurve.stats.ending_sensitivity import Settings, ending_sensitivity

start(snakemake)
p, out = snakemake.params, snakemake.output
settings = dataset_settings(snakemake)
events = read_result(snakemake.input.events)
table, tipping, review = ending_sensitivity(
    read_sessions(snakemake.input.sessions),
    events,
    settings.strata,
    landmarks(p.improved_at, events["time"].max()),
    settings.instrument,
    settings=Settings(**p.ending),
    conf_level=p.conf_level,
    conf_type=p.conf_type,
    review_pairs=review_points.Settings(**p.review).pairs,
)
write_csv(table, out.table)
write_csv(tipping, out.tipping)
write_csv(review, out.review)
log(tipping.to_string(index=False))
