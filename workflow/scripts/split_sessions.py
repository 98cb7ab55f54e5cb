"""Adapter: split the data set's rows (or the simulator's appointments) into shards of whole
clients by a stable hash of the client id; record the input file's provenance."""

import os

from _adapter import dataset_settings, log, start, write_csv

from dosecurve.data.readers import file_format, provenance, read_table
from dosecurve.data.shards import as_arrow, split_frame, split_parquet
from dosecurve.results import PartWriter

start(snakemake)
s, out, n = dataset_settings(snakemake), snakemake.output, snakemake.params.shards
path, client = snakemake.input.raw, s.columns["client"]
os.makedirs(out.rows, exist_ok=True)
parts = PartWriter([os.path.join(out.rows, f"{i}.arrow") for i in range(n)])
if file_format(path, s.reader.get("fmt")) == "parquet":  # streamed a batch at a time
    rows = split_parquet(path, client, n, parts.write, s.path or path)
else:  # other formats are read whole, with every check of the reader
    frame = read_table(path, **s.reader)
    for i, table in enumerate(as_arrow(split_frame(frame, client, n, s.path or path))):
        parts.write(i, table)
    rows = len(frame)
parts.close()
write_csv(provenance(path, source=s.source), out.provenance)
log(f"{path}: {rows} rows split into {n} shards by client\n")
