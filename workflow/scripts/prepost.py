"""Adapter: pre-post reliable and clinically significant change, overall and by group."""

import pandas as pd

from dosecurve import config as cfg
from dosecurve.clinsig import prepost_analysis, prepost_pairs
from dosecurve.severity import assign_stratum

ds, out = snakemake.params.dataset, snakemake.output
settings = cfg.prepost_settings(ds)
sessions = pd.read_csv(snakemake.input[0], dtype={"client": str, "therapist": str})
pairs = prepost_pairs(sessions, post=settings.post)
per_client = sessions.groupby("client", sort=False).first().reset_index()
groups = pairs[["client"]].merge(per_client, on="client", how="left")
groups["stratum"] = assign_stratum(pairs["pre"], cfg.dataset_bands(ds)).to_numpy()
result = prepost_analysis(
    pairs, groups[["client", *settings.group_by]], method=settings.method,
    instrument=cfg.dataset_instrument(ds), clients_read=sessions["client"].nunique(),
    conf_level=snakemake.params.conf_level,
)  # fmt: skip
result.categories.to_csv(out.categories, index=False)
result.by_group.to_csv(out.by_group, index=False)
result.effects.to_csv(out.effects, index=False)
result.reliable_change.to_csv(out.reliable_change, index=False)
open(snakemake.log[0], "w").write(f"{len(pairs)} clients classified\n")
