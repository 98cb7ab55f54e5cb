"""Adapter: split the data set's rows (or the simulator's appointments) into shards of whole
clients by a stable hash of the client id; record the input file's provenance."""

import os

from _adapter import dataset_settings, log, start, write_csv

from dosecurve.data.readers import provenance
from dosecurve.data.shards import split_file
from dosecurve.results import PartWriter

start(snakemake)
s, out, n, path = (
    dataset_settings(snakemake),
    snakemake.output,
    snakemake.params.shards,
    snakemake.input.raw,
)
os.makedirs(out.rows, exist_ok=True)
parts = PartWriter([os.path.join(out.rows, f"{i}.arrow") for i in range(n)])
rows = split_file(path, s, n, parts.write)
parts.close()
write_csv(provenance(path, source=s.source), out.provenance)
log(f"{path}: {rows} rows split into {n} shards by client\n")
