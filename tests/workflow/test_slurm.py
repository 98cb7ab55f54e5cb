"""The SLURM profile, run for real: a grid of analyses submitted with sbatch to a one-node
SLURM cluster (``.ci/slurm-up`` starts one; CI does) gives the same tables as a local run."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
# A SLURM cluster (.ci/slurm-up starts one): run with the heavy tests.
pytestmark = [pytest.mark.workflow, pytest.mark.heavy]

TWO_DEFINITIONS = [
    {"definition": "clinically_significant"},
    {"definition": "reliable_improvement"},
]
# two data sets, one with two event definitions (a sensitivity grid in miniature) and read
# in three shards of whole clients, each shard's steps a job of its own
GRID = {
    "brief": {"simulate": {"preset": "brief_iapt", "n_clients": 150, "seed": 3}},
    "open": {
        "simulate": {"preset": "nordmo2021", "n_clients": 150, "seed": 4},
        "events": {"definitions": TWO_DEFINITIONS},
        "shards": 3,
    },
}
TABLES = ("median_sessions", "sensitivity", "prepost_categories", "expected_recovery")
TARGETS = [f"results/{d}/tables/{t}.csv" for d in GRID for t in TABLES]


def cluster_or_skip() -> None:
    ready = bool(shutil.which("sbatch")) and bool(
        importlib.util.find_spec("snakemake_executor_plugin_slurm")
    )
    if ready:
        states = subprocess.run(["sinfo", "-h", "-o", "%T"], capture_output=True, text=True)
        ready = bool(re.search(r"idle|mixed|alloc", states.stdout))
    if not ready:
        message = "no SLURM cluster here (.ci/slurm-up starts one) or no [slurm] extra installed"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def run(folder: Path, *args: str) -> subprocess.CompletedProcess:
    (folder / "config").mkdir(parents=True, exist_ok=True)
    (folder / "config" / "config.yaml").write_text(yaml.safe_dump({"datasets": GRID}))
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(folder)]
    return subprocess.run([*cmd, *args, *TARGETS], capture_output=True, text=True, timeout=1200)


def test_the_slurm_profile_runs_a_grid_of_analyses_on_a_cluster(tmp_path):
    cluster_or_skip()
    # the profile as a site uses it: its own account and partition filled in, nothing else
    profile = yaml.safe_load((ROOT / "config/profiles/slurm/config.yaml").read_text())
    profile["default-resources"].update(slurm_account="dosecurve", slurm_partition="main")
    (tmp_path / "profile").mkdir()
    (tmp_path / "profile" / "config.yaml").write_text(yaml.safe_dump(profile))
    on_cluster = run(
        tmp_path / "cluster",
        "--profile",
        str(tmp_path / "profile"),
        "--slurm-init-seconds-before-status-checks",
        "1",
        "--seconds-between-status-checks",
        "2",
    )
    assert on_cluster.returncode == 0, on_cluster.stderr[-4000:]
    submitted = re.findall(
        r"submitted with SLURM jobid \d+ \(log: .*?/rule_(\w+)/", on_cluster.stderr
    )
    assert {"simulate", "sessions", "events"} <= set(submitted)
    # the sharded data set: split once, then each shard's steps as separate jobs
    assert {"split_sessions", "gather_events"} <= set(submitted)
    for rule in ("sessions_shard", "events_shard", "session_part"):
        assert submitted.count(rule) >= 3, (rule, submitted)
    assert "localrule" not in on_cluster.stderr.replace("localrule all", "")
    local = run(tmp_path / "local", "--cores", "2")
    assert local.returncode == 0, local.stderr[-4000:]
    for target in TARGETS:
        ours = pd.read_csv(tmp_path / "cluster" / target)
        pd.testing.assert_frame_equal(ours, pd.read_csv(tmp_path / "local" / target))
    medians = pd.read_csv(tmp_path / "cluster" / "results/open/tables/median_sessions.csv")
    assert medians.loc[medians["stratum"] == "all", "n"].item() > 100
    sensitivity = pd.read_csv(tmp_path / "cluster" / "results/open/tables/sensitivity.csv")
    assert len(sensitivity) == 2  # both definitions of the grid
