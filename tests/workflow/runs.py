"""Helpers for the end-to-end tests: write a config and data files into a folder, run the
workflow there, and the small data sets the runs share."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import yaml

from dosecurve.outputs import paper_tables

ROOT = Path(__file__).resolve().parents[2]

BANDS = {"bands": [{"name": "lower", "from": 10, "to": 20}, {"name": "higher", "from": 20}]}

# Ten clients on CORE-OM, one per case (see tests/conftest.py's tiny_clients for the cases).
TINY = {
    "A1": {0: 15, 1: 12, 2: 9.5},
    "A2": {0: 12, 2: 11, 4: 7},
    "A3": {0: 18, 3: 14, 6: 13},
    "A4": {0: 10, 5: 5},
    "B1": {0: 25, 3: 19, 6: 9},
    "B2": {0: 30, 4: 10, 8: 24},
    "B3": {0: 22, 2: 8, 4: 21},
    "X1": {0: 8, 3: 4},
    "X2": {0: 20},
    "X3": {0: None, 1: None},
}


def snakemake(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the workflow in ``folder`` on 2 cores."""
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(folder)]
    return subprocess.run([*cmd, "--cores", "2", *args], capture_output=True, text=True)


def run_ok(folder: Path, *args: str) -> str:
    """Run the workflow and require success; its printed output."""
    result = snakemake(folder, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def write_config(folder: Path, datasets: dict, **extra) -> None:
    (folder / "config").mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"datasets": datasets, **extra}, sort_keys=False)
    (folder / "config" / "config.yaml").write_text(text)


def tiny_frame(clients: dict = TINY) -> pd.DataFrame:
    rows = [
        (c, s, "" if v is None else v) for c, scores in clients.items() for s, v in scores.items()
    ]
    return pd.DataFrame(rows, columns=["id", "session_no", "core_om"])


def write_csv(folder: Path, clients: dict, name: str = "clinic.csv") -> None:
    (folder / "data").mkdir(parents=True, exist_ok=True)
    tiny_frame(clients).to_csv(folder / "data" / name, index=False)


def clinic(**overrides) -> dict:
    return {
        "path": "data/clinic.csv",
        "columns": {"client": "id", "session": "session_no", "score": "core_om"},
        "severity": BANDS,
        **overrides,
    }


# What the clinics run makes: every output of one data set of each kind (a file, a simulated
# service, a pool) and of the one with several definitions, groups and end reasons; only the
# tables the tests read of the others (their figures and reports are drawn the same way, and
# each step is mostly Python start-up: a full data set is about 50 jobs, a seventh of the
# suite's time).
FULL = ("clinic-core", "defs", "both", "brief")
TABLES_ONLY = {
    "sim_a": ("flow.csv", "events.parquet", "tables/median_sessions.csv"),
    "sim_b": ("flow.csv", "events.parquet", "tables/median_sessions.csv"),
    "clinic-phq": ("tables/median_sessions.csv", "tables/reliable_change.csv"),
    "messy": ("flow.csv", "data_checks.csv", "events.parquet"),
}
# What a data set read in shards gathers, and every step that reads what the shards made
# of the session rows (dosecurve.parts): every other step reads only these files' equals.
SPLIT_FILES = (
    "events.parquet",
    "events_by_definition.parquet",
    "flow.csv",
    "data_checks.csv",
    "provenance.csv",
    *(f"tables/{t}.csv" for t in ("prepost_categories", "prepost_by_group", "prepost_effects")),
    *(f"tables/{t}.csv" for t in ("reliable_change", "growth_models", "gel_test")),
    *(f"tables/{t}.csv" for t in ("recovery_by_length", "therapist_effects", "review_points")),
    *(f"tables/{t}.csv" for t in ("expected_recovery", "ending_sensitivity")),
    *(f"tables/{t}.csv" for t in ("ending_tipping_point", "ending_review_points")),
    *(f"figures/{f}.csv" for f in ("jacobson", "jacobson_at_event", "trajectories")),
)
CLINICS_TARGETS = [
    *(f"results/defs_split/{file}" for file in SPLIT_FILES),
    *(f"results/{name}/report.html" for name in FULL),
    *(
        f"results/{name}/tables/paper/{table}.{ext}"
        for name in FULL
        for table in paper_tables()
        for ext in ("md", "tex")
    ),
    *(f"results/{name}/{file}" for name, files in TABLES_ONLY.items() for file in files),
    "results/sim_b/tables/calibration.csv",
    "results/comparison/medians.csv",
    "results/comparison/overall_curves.png",
    "results/comparison/report.html",
]
