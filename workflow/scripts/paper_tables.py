"""Adapter: write every summary table of a data set as Markdown and as LaTeX (booktabs),
formatted for reading as the report shows it."""

from _adapter import read_table, start, write_text

from dosecurve.labels import Clock
from dosecurve.report.paper_tables import paper_table

start(snakemake)
p = snakemake.params
for table, md, tex in zip(p.tables, snakemake.output.md, snakemake.output.tex, strict=True):
    markdown, latex = paper_table(
        read_table(snakemake.input[table]),
        clock=Clock(p.time_unit),
        conf_level=p.conf_level,
        caption=f"{snakemake.wildcards.dataset}: {table.replace('_', ' ')}",
    )
    write_text(markdown, md)
    write_text(latex, tex)
