"""Adapter: pre-post reliable and clinically significant change, overall and by group."""

from _adapter import read_result, start, write_csv

from dosecurve import config as cfg
from dosecurve.prepost import client_groups, prepost_analysis, prepost_pairs
from dosecurve.storage import SESSION_IDS

start(snakemake)
ds, out = snakemake.params.dataset, snakemake.output
settings = cfg.prepost_settings(ds)
sessions = read_result(snakemake.input[0], SESSION_IDS)
pairs = prepost_pairs(sessions, post=settings.post)
result = prepost_analysis(
    pairs, client_groups(sessions, pairs, cfg.dataset_bands(ds), settings.group_by),
    method=settings.method, instrument=cfg.dataset_instrument(ds),
    clients_read=sessions["client"].nunique(), conf_level=snakemake.params.conf_level,
)  # fmt: skip
for name in ("categories", "by_group", "effects", "reliable_change"):
    write_csv(getattr(result, name), out[name])
open(snakemake.log[0], "w").write(f"{len(pairs)} clients classified\n")
