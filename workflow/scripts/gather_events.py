"""Adapter: the shards' events gathered as the whole file's (same rows, same order), the
participant flow counted from them, and the data checks summed over the shards."""

from _adapter import dataset_settings, log, read_frame, start, write_csv, write_table

from dosecurve.data.shards import gather_clients, gather_summaries, summary_of
from dosecurve.outcomes.events import flow_by_definition

start(snakemake)
s, inp, out = dataset_settings(snakemake), snakemake.input, snakemake.output
events = gather_clients([read_frame(p) for p in inp.events], [d.name for d in s.definitions])
summary = gather_summaries(
    [summary_of(read_frame(p)) for p in inp.summaries],
    check=s.layout.session_from == "session" and s.layout.intake != "first_scored",
    source=s.path or "simulated appointments",
)
flow = flow_by_definition(events)
write_table(events[events["definition"] == s.primary.name].drop(columns="definition"), out.events)
write_table(events, out.by_definition)
write_csv(flow, out.flow)
write_csv(summary.checks(), out.checks)
log(f"{len(inp.events)} shards gathered: {summary}\nflow:\n" + flow.to_string(index=False))
