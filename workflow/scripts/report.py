"""Adapter: assemble the self-contained HTML report from the tables and the figure."""

import dataclasses

import pandas as pd

from dosecurve.config import primary_definition
from dosecurve.methods import settings_lines
from dosecurve.report import ReportTables, render_report

p, inp = snakemake.params, snakemake.input
read = {"keep_default_na": False, "na_values": [""], "dtype": {"stratum": str, "group": str}}
names = [f.name for f in dataclasses.fields(ReportTables) if f.name in inp.keys()]
tables = ReportTables(**{name: pd.read_csv(inp[name], **read) for name in names})
with open(inp.figure, "rb") as fh:
    png = fh.read()
page = render_report(
    dataset=snakemake.wildcards.dataset, tables=tables, figure_png=png,
    settings=settings_lines(p.dataset, conf_level=p.conf_level),
    event=primary_definition(p.dataset).definition.replace("_", " "), conf_level=p.conf_level,
)  # fmt: skip
with open(snakemake.output[0], "w", encoding="utf-8") as out:
    out.write(page)
open(snakemake.log[0], "w").write(f"report written ({len(page)} characters)\n")
