"""Adapter: draw the cumulative-improvement figure as PNG (300 dpi) and PDF."""

import pandas as pd

from dosecurve.config import dataset_bands
from dosecurve.figures import PDF_METADATA, PNG_METADATA, plot_improvement

p = snakemake.params
curves = pd.read_csv(snakemake.input[0], dtype={"stratum": str})
bands = dataset_bands({k: p[k] for k in ("instrument", "severity") if p[k] is not None})
fig = plot_improvement(
    curves, [b.name for b in bands], subtitle=f"Kaplan-Meier, {p.conf_level:.0%} log-log CI"
)
fig.savefig(snakemake.output.png, dpi=300, metadata=PNG_METADATA)
fig.savefig(snakemake.output.pdf, metadata=PDF_METADATA)
with open(snakemake.log[0], "w") as log:
    log.write(f"drew {curves['stratum'].nunique()} curves\n")
