"""Benchmark the whole workflow on a simulated data set of any size.

    python -m dosecurve.benchmark --clients 100000 [--shards N] [--cores 2] [--mem-mb 8000]
                                  [--workdir DIR] [--compare-with DIR]

Generates the data with the simulator's fast path (``simulate_sessions``: the nordmo2021
preset with a median of 27 sessions, so about 45 session rows per client; above a million
clients, a million at a time, each million with its own seed and ids) as a Parquet file,
writes a config that reads it like a researcher's file (with ``shards: N`` when given, else
``auto``), runs the workflow with Snakemake, and prints one row per step with its wall time
and peak memory (Snakemake's ``benchmark:`` records of each rule: ``s`` and ``max_rss``;
memory is sampled while a step runs, so a step shorter than the sampling interval shows
none; a step run once per shard is summed over its shards, with the largest shard's peak),
then the total wall time and the peak memory of all steps at once. Snakemake is given the
memory budget ``--mem-mb`` (8,000 MB unless told otherwise) as ``--resources mem_mb``, so it
never runs steps together whose declared memory exceeds it, as a user of an 8 GB machine
would. ``--compare-with`` an earlier run's folder (of the same clients) checks that every
table and figure CSV is the same file and the report the same page (but for the shards in
the config it shows), and names those that are not.

Like the readers, this command-line tool touches files; the analysis does not. It runs the
Snakefile of the checkout it is installed from (``pip install -e .``).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd
import yaml

from dosecurve.simulation.spec import PRESETS

SNAKEFILE = Path(__file__).resolve().parents[2] / "Snakefile"
DATASET = "bench"


def peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB (Linux: kB in ru_maxrss)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


CHUNK_CLIENTS = 1_000_000  # clients simulated at a time (about 5 GB while simulating)


def generate(
    clients: int, folder: Path, seed: int = 1, shards: int | None = None
) -> tuple[int, float]:
    """Write ``data/sessions.parquet`` and the config reading it; return rows and seconds.
    Above ``CHUNK_CLIENTS`` clients the file is written a million clients at a time, each
    million simulated with its own seed, its ids and therapists' prefixed with its number."""
    import pyarrow.parquet as pq

    from dosecurve.simulation.simulate import simulate_sessions

    start = time.perf_counter()
    (folder / "data").mkdir(parents=True, exist_ok=True)
    path = folder / "data" / "sessions.parquet"
    chunks = range(0, clients, CHUNK_CLIENTS)
    rows, writer = 0, None
    for k, first in enumerate(chunks):
        n = min(CHUNK_CLIENTS, clients - first)
        spec = replace(
            PRESETS["nordmo2021"],
            n_clients=n,
            sessions_median=27.0,
            seed=seed + k,
            n_therapists=max(88, n // 40),
        )
        sessions = simulate_sessions(spec)
        if len(chunks) > 1:
            for column in ("client", "therapist"):
                sessions[column] = sessions[column].cat.rename_categories(
                    lambda v, k=k: f"B{k}-{v}"
                )
        table = export_table(sessions)
        writer = writer or pq.ParquetWriter(path, table.schema)
        writer.write_table(table)
        rows += len(sessions)
        del sessions, table
    if writer is not None:
        writer.close()
    columns = {c: c for c in ("client", "session", "score", "therapist", "end_reason")}
    dataset: dict[str, object] = {"path": "data/sessions.parquet", "columns": columns}
    if shards is not None:
        dataset["shards"] = shards
    config = {"datasets": {DATASET: dataset}}
    (folder / "config").mkdir(exist_ok=True)
    (folder / "config" / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return rows, time.perf_counter() - start


def write_like_an_export(sessions: pd.DataFrame, path: Path) -> None:
    """Write the sessions as a service's export would be (``export_table``)."""
    import pyarrow.parquet as pq

    pq.write_table(export_table(sessions), path)


def export_table(sessions: pd.DataFrame):
    """The sessions as a service's export holds them: ids and end reasons as plain text
    columns, in Parquet's default row groups (pandas would store its categoricals with the
    whole dictionary of ids repeated in every row group)."""
    import pyarrow as pa

    table = pa.Table.from_pandas(sessions, preserve_index=False).replace_schema_metadata(None)
    plain = [
        pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
        for f in table.schema
    ]
    return table.cast(pa.schema(plain))


SHARD_STEP = re.compile(r"^(?P<step>.+_shard)_\d+$")


def stage_table(folder: Path) -> pd.DataFrame:
    """Wall time and peak memory of every step, from Snakemake's benchmark files; a step
    run once per shard (``<step>_shard_<i>``) as one row (``<step>_shard``): its shards'
    seconds summed, the largest shard's peak, and how many shards ran."""
    rows = []
    for path in sorted((folder / "results").glob("*/logs/benchmarks/*.tsv")):
        record = pd.read_csv(path, sep="\t").iloc[0]
        shard = SHARD_STEP.match(path.stem)
        rows.append(
            {
                "step": f"{path.parents[2].name}/{shard['step'] if shard else path.stem}",
                "seconds": record["s"],
                "peak_mb": pd.to_numeric(record["max_rss"], errors="coerce"),
            }
        )
    if not rows:
        return pd.DataFrame(columns=["step", "seconds", "peak_mb", "runs"])
    table = pd.DataFrame(rows).groupby("step", as_index=False, sort=False)
    table = table.agg(seconds=("seconds", "sum"), peak_mb=("peak_mb", "max"), runs=("step", "size"))
    return table.sort_values("seconds", ascending=False, ignore_index=True)


def compare_runs(folder: Path, other: Path) -> list[str]:
    """The tables, figure CSVs and report of ``folder``'s run that differ from (or are
    missing in) ``other``'s, by their path under ``results/``; the reports are compared
    without the lines of the config they show that name the shards."""
    root, theirs = folder / "results", other / "results"
    files = sorted(
        p.relative_to(root)
        for p in [*root.glob(f"{DATASET}/**/*.csv"), root / DATASET / "report.html"]
        if p.exists() and "logs" not in p.parts and "shards" not in p.parts
    )

    def content(path: Path) -> bytes:
        data = path.read_bytes()
        if path.suffix == ".html":
            data = b"\n".join(line for line in data.split(b"\n") if b"shards:" not in line)
        return data

    return [
        str(f)
        for f in files
        if not (theirs / f).exists() or content(theirs / f) != content(root / f)
    ]


def tree_rss_mb(root: int) -> float:
    """Resident memory of process ``root`` and all its descendants, in MB, from Linux's
    /proc (0 elsewhere). Shared pages count once per process, so this errs high."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc") if os.path.isdir("/proc") else ():
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as fh:
                fields = dict(line.split(":", 1) for line in fh if ":" in line)
        except OSError:  # the process ended while we looked
            continue
        children.setdefault(int(fields["PPid"]), []).append(int(entry.name))
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / 1024


def run_sampled(cmd: list[str], every: float = 0.5) -> tuple[subprocess.CompletedProcess, float]:
    """Run ``cmd``; return its result and the peak of its process tree's memory (MB),
    sampled every ``every`` seconds: all steps running at once, not one step."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss_mb(proc.pid))
            time.sleep(every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err), peak[0]


def run(
    clients: int,
    cores: int,
    folder: Path,
    mem_mb: int = 8000,
    shards: int | None = None,
    compare_with: Path | None = None,
) -> pd.DataFrame:
    rows, seconds = generate(clients, folder, shards=shards)
    print(
        f"generated {clients:,} clients, {rows:,} session rows in {seconds:.1f} s "
        f"(peak {peak_rss_mb():,.0f} MB)",
        flush=True,
    )
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(SNAKEFILE),
        "-d",
        str(folder),
        "--cores",
        str(cores),
        "--quiet",
        "rules",
    ]
    if mem_mb:  # the machine's budget: Snakemake keeps big steps apart by their mem_mb
        cmd += ["--resources", f"mem_mb={mem_mb}"]
    start = time.perf_counter()
    result, whole_peak = run_sampled(cmd)
    total = time.perf_counter() - start
    if result.returncode:
        raise SystemExit(f"the workflow failed:\n{result.stderr[-4000:]}")
    table = stage_table(folder)
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
    limit = f" and --resources mem_mb={mem_mb}" if mem_mb else ""
    split = f", {shards} shards" if shards else ""
    print(
        f"whole workflow: {total:.1f} s wall time with --cores {cores}{limit}{split}; "
        f"largest step peak memory {table['peak_mb'].max():,.0f} MB; "
        f"peak memory of all steps at once {whole_peak:,.0f} MB"
    )
    if compare_with is not None:
        differ = compare_runs(folder, compare_with)
        same = "every table, figure CSV and the report the same"
        print(f"compared with {compare_with}: " + (", ".join(differ) or same))
    return table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=100_000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--mem-mb", type=int, default=8000, help="memory budget for Snakemake's scheduler (0: none)"
    )
    parser.add_argument(
        "--shards", type=int, help="shards of whole clients (default: the config's auto)"
    )
    parser.add_argument("--workdir", type=Path, help="keep the run here (default: temporary)")
    parser.add_argument(
        "--compare-with", type=Path, help="an earlier run's folder whose CSVs must be the same"
    )
    args = parser.parse_args(argv)
    options = {"mem_mb": args.mem_mb, "shards": args.shards, "compare_with": args.compare_with}
    if args.workdir:
        run(args.clients, args.cores, args.workdir, **options)
        return
    with tempfile.TemporaryDirectory(prefix="dosecurve-bench-") as folder:
        run(args.clients, args.cores, Path(folder), **options)


if __name__ == "__main__":
    main()
