"""Adapter: log-rank tests, dropout as a competing event, and the definitions compared."""

from _adapter import dataset_settings, read_events, start, write_csv

from dosecurve.config import analysis_settings
from dosecurve.stats.compare_strata import compare_strata
from dosecurve.stats.curve_summaries import SENSITIVITY_COLUMNS

start(snakemake)
p = snakemake.params
tables = compare_strata(
    read_events(snakemake.input.events),
    read_events(snakemake.input.by_definition, columns=SENSITIVITY_COLUMNS),
    dataset_settings(snakemake),
    analysis_settings({"analysis": p.analysis}),
    p.improved_at,
)
for name, table in tables.items():
    write_csv(table, snakemake.output[name])
