"""Adapter: write one summary table as Markdown and as LaTeX (booktabs)."""

import pandas as pd
from _adapter import log_errors, write_text

from dosecurve.publish import to_latex, to_markdown

log_errors(snakemake.log[0])
table = pd.read_csv(snakemake.input[0], keep_default_na=False, na_values=[""])
caption = f"{snakemake.wildcards.dataset}: {snakemake.wildcards.table.replace('_', ' ')}"
write_text(to_markdown(table), snakemake.output.md)
write_text(to_latex(table, caption=caption), snakemake.output.tex)
