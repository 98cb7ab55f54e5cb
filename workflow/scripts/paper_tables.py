"""Adapter: write every summary table of a data set as Markdown and as LaTeX (booktabs)."""

from _adapter import read_table, start, write_text

from dosecurve.report.paper_tables import to_latex, to_markdown

start(snakemake)
for table, md, tex in zip(
    snakemake.params.tables, snakemake.output.md, snakemake.output.tex, strict=True
):
    frame = read_table(snakemake.input[table])
    write_text(to_markdown(frame), md)
    write_text(
        to_latex(frame, caption=f"{snakemake.wildcards.dataset}: {table.replace('_', ' ')}"), tex
    )
