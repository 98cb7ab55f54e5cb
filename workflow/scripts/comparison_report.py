"""Adapter: the comparison across data sets as one self-contained HTML page."""

import pandas as pd
from _adapter import read_result, start, write_text

from dosecurve.report.comparison import render_comparison_report

start(snakemake)
p, inp = snakemake.params, snakemake.input
table = pd.read_csv(inp.table, keep_default_na=False, na_values=[""])
medians, improved = (
    {n: read_result(f, dtype={"stratum": str}) for n, f in zip(p.datasets, files, strict=True)}
    for files in (inp.medians, inp.improved)
)
with open(inp.png, "rb") as fh:
    png = fh.read()
page = render_comparison_report(
    table, medians, improved, png, events=p.events, conf_level=p.conf_level, units=p.units
)
write_text(page, snakemake.output[0])
