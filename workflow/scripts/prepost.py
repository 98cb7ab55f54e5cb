"""Adapter: pre-post reliable and clinically significant change, overall and by group."""

from _adapter import dataset_settings, log, read_results, start, write_csv

from dosecurve.outcomes.prepost import client_groups, paired, prepost_analysis
from dosecurve.parts import part_table

start(snakemake)
s, out = dataset_settings(snakemake), snakemake.output
inputs = read_results(snakemake.input)
clients = part_table("prepost", inputs, s)  # every client read, with its pair and groups
pairs = paired(clients)
result = prepost_analysis(
    pairs[["client", "pre", "post"]],
    client_groups(pairs, s.bands, s.prepost.group_by),
    method=s.prepost.method,
    instrument=s.instrument,
    clients_read=len(clients),
    conf_level=snakemake.params.conf_level,
)
for name in ("categories", "by_group", "effects", "reliable_change"):
    write_csv(getattr(result, name), out[name])
log(f"{len(pairs)} of {len(clients)} clients classified\n")
