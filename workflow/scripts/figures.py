"""Adapter: draw the cumulative-improvement figure as PNG (300 dpi) and PDF."""

import pandas as pd
from _adapter import log_errors, save_figure

from dosecurve import config as cfg
from dosecurve.figures import PDF_METADATA, PNG_METADATA, plot_improvement

log_errors(snakemake.log[0])
p = snakemake.params
curves = pd.read_csv(snakemake.input[0], dtype={"stratum": str})
primary = cfg.primary_definition(p.dataset)
fig = plot_improvement(
    curves, [b.name for b in cfg.dataset_bands(p.dataset)],
    event_label=primary.definition.replace("_", " "),
    subtitle=f"Kaplan-Meier, {p.conf_level:.0%} {p.conf_type} CI; {primary.describe()}",
)  # fmt: skip
save_figure(fig, snakemake.output.png, dpi=300, metadata=PNG_METADATA)
save_figure(fig, snakemake.output.pdf, metadata=PDF_METADATA)
open(snakemake.log[0], "w").write(f"drew {curves['stratum'].nunique()} curves\n")
