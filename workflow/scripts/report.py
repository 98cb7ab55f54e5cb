"""Adapter: assemble the self-contained HTML report from the tables and the figures."""

import dataclasses

import pandas as pd
from _adapter import start, write_text

from dosecurve.report.page import ReportTables, render_dataset_report

start(snakemake)
p, inp = snakemake.params, snakemake.input
read = {"keep_default_na": False, "na_values": [""], "dtype": {"stratum": str, "group": str}}
names = [f.name for f in dataclasses.fields(ReportTables) if f.name in inp.keys()]
tables = ReportTables(**{name: pd.read_csv(inp[name], **read) for name in names})
figures = {}
for key in (k for k in inp.keys() if k.startswith("figure_")):
    with open(inp[key], "rb") as fh:
        figures[key.removeprefix("figure_")] = fh.read()
page = render_dataset_report(
    snakemake.wildcards.dataset,
    p.dataset,
    tables,
    figures,
    p.conf_level,
    p.analysis,
    p.conf_type,
    p.min_cell,
)
write_text(page, snakemake.output[0])
