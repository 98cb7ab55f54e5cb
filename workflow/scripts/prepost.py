"""Adapter: pre-post reliable and clinically significant change, overall and by group."""

from _adapter import dataset_settings, log, read_sessions, start, write_csv

from dosecurve.outcomes.prepost import client_groups, prepost_analysis, prepost_pairs

start(snakemake)
s, out = dataset_settings(snakemake), snakemake.output
sessions = read_sessions(snakemake.input[0])
pairs = prepost_pairs(sessions, post=s.prepost.post)
result = prepost_analysis(
    pairs,
    client_groups(sessions, pairs, s.bands, s.prepost.group_by),
    method=s.prepost.method,
    instrument=s.instrument,
    clients_read=sessions["client"].nunique(),
    conf_level=snakemake.params.conf_level,
)
for name in ("categories", "by_group", "effects", "reliable_change"):
    write_csv(getattr(result, name), out[name])
log(f"{len(pairs)} clients classified\n")
