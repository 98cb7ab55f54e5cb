"""Adapter: set every data set's overall medians and curves side by side."""

import pandas as pd
from _errors import log_errors

from dosecurve.comparison import comparison_table, plot_comparison
from dosecurve.figures import PDF_METADATA, PNG_METADATA

log_errors(snakemake.log[0])
names, inp, out = snakemake.params.datasets, snakemake.input, snakemake.output


def read(paths):
    return {n: pd.read_csv(p, dtype={"stratum": str}) for n, p in zip(names, paths, strict=True)}


table = comparison_table(read(inp.medians), read(inp.improved))
table.to_csv(out.table, index=False)
fig = plot_comparison(read(inp.curves))
fig.savefig(out.png, dpi=300, metadata=PNG_METADATA)
fig.savefig(out.pdf, metadata=PDF_METADATA)
open(snakemake.log[0], "w").write(table.to_string(index=False) + "\n")
