"""Adapter: simulate or read the data set, validate it, write the session table."""

from dosecurve import config as cfg
from dosecurve.layouts import Layout
from dosecurve.readers import read_table
from dosecurve.sessions import validate_sessions
from dosecurve.simulate import simulate_sessions

ds, out = snakemake.params.dataset, snakemake.output
if "simulate" in ds:
    spec = cfg.simulation_spec(ds["simulate"])
    raw, source = simulate_sessions(spec), f"simulated data set ({spec})"
else:
    raw, source = read_table(snakemake.input.raw[0], **cfg.reader_options(ds)), ds["path"]
table, summary = validate_sessions(
    raw, columns=cfg.column_map(ds), instrument=cfg.dataset_instrument(ds), source=source,
    second_instrument=cfg.second_instrument(ds), end_reasons=ds.get("end_reasons"),
    layout=Layout.from_config(ds),
)  # fmt: skip
table.to_csv(out.sessions, index=False)
summary.checks().to_csv(out.checks, index=False)
open(snakemake.log[0], "w").write(f"{source}: {summary}\n")
