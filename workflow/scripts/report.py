"""Adapter: assemble the self-contained HTML report from the tables and the figure."""

import pandas as pd

from dosecurve.report import render_report, settings_lines

p = snakemake.params
inp = snakemake.input
with open(inp.figure, "rb") as fh:
    png = fh.read()
page = render_report(
    dataset=snakemake.wildcards.dataset,
    medians=pd.read_csv(inp.medians, dtype={"stratum": str}),
    improved=pd.read_csv(inp.improved, dtype={"stratum": str}),
    logrank=pd.read_csv(inp.logrank, keep_default_na=False, na_values=[""]),
    flow=pd.read_csv(inp.flow),
    figure_png=png,
    settings=settings_lines(p.dataset, conf_level=p.conf_level),
    conf_level=p.conf_level,
)
with open(snakemake.output[0], "w", encoding="utf-8") as out, open(snakemake.log[0], "w") as log:
    out.write(page)
    log.write(f"report written ({len(page)} characters)\n")
