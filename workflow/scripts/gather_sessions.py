"""Adapter: the shards' validated session tables as one (for the steps that still read
every session row at once)."""

from _adapter import read_sessions, start, write_table

from dosecurve.data.shards import gather_sessions

start(snakemake)
write_table(gather_sessions([read_sessions(p) for p in snakemake.input]), snakemake.output[0])
