"""Adapter: therapist cluster-bootstrap intervals beside Greenwood's, with the design effect."""

from _adapter import dataset_settings, read_events, start, write_csv

from dosecurve.config import landmarks
from dosecurve.stats.cluster_bootstrap import cluster_bootstrap

start(snakemake)
p = snakemake.params
events = read_events(snakemake.input[0])
table = cluster_bootstrap(
    events,
    dataset_settings(snakemake).strata,
    landmarks(p.improved_at, events["time"].max()),
    replicates=int(p.bootstrap.get("replicates", 200)),
    seed=int(p.bootstrap.get("seed", 1)),
    conf_level=p.conf_level,
    conf_type=p.conf_type,
)
write_csv(table, snakemake.output[0])
