"""Scale: the simulator's fast path, the benchmark, per-rule scheduling declarations, the
profiles, and count-based estimators equal to their per-client fits."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from lifelines import KaplanMeierFitter
from lifelines.statistics import multivariate_logrank_test

from dosecurve import benchmark
from dosecurve.simulation.simulate import simulate_appointments, simulate_sessions
from dosecurve.simulation.spec import PRESETS
from dosecurve.stats.kaplan_meier import kaplan_meier
from dosecurve.stats.logrank import logrank_tests

ROOT = Path(__file__).resolve().parents[2]
RULES = sorted((ROOT / "workflow/rules").glob("*.smk"))


def test_fast_path_simulates_the_same_clients_with_narrow_types():
    spec = replace(PRESETS["nordmo2021"], n_clients=500, seed=3)
    fast = simulate_sessions(spec)
    _, truth = simulate_appointments(spec)
    last = fast.groupby("client", observed=True)["session"].max()
    assert last.to_numpy().tolist() == truth["sessions_attended"].tolist()
    assert len(fast) == (truth["sessions_attended"] + 1).sum()
    assert fast["session"].dtype == np.int32
    assert isinstance(fast["client"].dtype, pd.CategoricalDtype)
    ending = fast.groupby("client", observed=True)["end_reason"].first().astype(str)
    assert ending.tolist() == truth["end_reason"].tolist()
    pd.testing.assert_frame_equal(fast, simulate_sessions(spec))  # seeded
    low, high = spec.instrument_preset().score_range
    assert fast["score"].between(low, high).all()


def rule_blocks() -> dict[str, str]:
    blocks = {}
    for path in RULES:
        text = path.read_text()
        for match in re.finditer(r"^rule (\w+):\n(.*?)(?=^\S|\Z)", text, re.S | re.M):
            blocks[match.group(1)] = match.group(2)
    return blocks


def test_every_rule_declares_threads_memory_benchmark_and_log():
    blocks = rule_blocks()
    assert {"sessions", "events", "survival", "cox", "figure", "report"} <= set(blocks)
    for name, body in blocks.items():
        for keyword in ("threads:", "resources:", "mem_mb=", "benchmark:", "log:"):
            assert keyword in body, f"rule {name} lacks {keyword}"


def test_profiles_use_real_options_and_rules():
    help_text = subprocess.run(
        [sys.executable, "-m", "snakemake", "--help"], capture_output=True, text=True
    ).stdout
    rules = set(rule_blocks())
    for name in ("local", "slurm"):
        profile = yaml.safe_load((ROOT / f"config/profiles/{name}/config.yaml").read_text())
        for key in profile:
            assert f"--{key}" in help_text, f"{name} profile: unknown option {key}"
        for rule in profile.get("set-resources", {}):
            assert rule in rules, f"{name} profile: no rule {rule}"
    slurm = yaml.safe_load((ROOT / "config/profiles/slurm/config.yaml").read_text())
    assert slurm["executor"] == "slurm" and "mem_mb" in slurm["default-resources"]


def test_local_profile_plans_the_default_run(tmp_path):
    config = {"datasets": {"s": {"simulate": {"n_clients": 50, "seed": 1}}}}
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.yaml").write_text(yaml.safe_dump(config))
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(ROOT / "Snakefile"),
        "-d",
        str(tmp_path),
        "--profile",
        str(ROOT / "config/profiles/local"),
        "-n",
    ]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "rule report" in result.stdout + result.stderr


def random_events(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    time = rng.integers(1, 60, n) + 10 * group
    event = rng.random(n) < 0.6
    return time, event, group


def test_count_based_kaplan_meier_equals_the_per_client_fit():
    time, event, _ = random_events(5000, 1)
    ours = kaplan_meier(time, event)
    theirs = KaplanMeierFitter().fit(time, event).survival_function_
    at = theirs.loc[ours["time"].to_numpy(), "KM_estimate"].to_numpy()
    np.testing.assert_allclose(ours["surv"].to_numpy(), at, rtol=1e-12)


def test_count_based_logrank_equals_the_per_client_test():
    time, event, group = random_events(5000, 2)
    events = pd.DataFrame(
        {"time": time, "event": event.astype(int), "stratum": group.astype(str), "eligible": True}
    )
    tests, _ = logrank_tests(events, ["0", "1", "2"])
    theirs = multivariate_logrank_test(time, group, event)
    assert tests["statistic"].iloc[0] == pytest.approx(theirs.test_statistic, rel=1e-9)


@pytest.mark.workflow
@pytest.mark.heavy  # the benchmark tool runs the whole workflow: with the heavy tests
def test_benchmark_runs_the_workflow_in_shards_and_checks_them_against_a_whole_run(tmp_path):
    def bench(folder, *options):
        cmd = [sys.executable, "-m", "dosecurve.benchmark", "--clients", "400"]
        result = subprocess.run(
            [*cmd, "--workdir", str(folder), *options], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr[-3000:]
        assert "whole workflow:" in result.stdout
        return result.stdout

    bench(tmp_path / "whole")
    out = bench(tmp_path / "split", "--shards", "3", "--compare-with", str(tmp_path / "whole"))
    assert "every table, figure CSV and the report the same" in out
    table = benchmark.stage_table(tmp_path / "split").set_index("step")
    for step in ("bench/split_sessions", "bench/events", "bench/survival", "bench/report"):
        assert step in table.index
    assert table.loc["bench/sessions_shard", "runs"] == 3
    assert table.loc["bench/first_last_shard", "runs"] == 3
    assert (table["seconds"] > 0).all()
    # memory is sampled while a step runs: a very short step may have no reading
    assert (pd.to_numeric(table["peak_mb"], errors="coerce") > 0).any()
    flow = pd.read_csv(tmp_path / "split/results/bench/flow.csv")
    assert flow.loc[flow["status"] == "read", "n"].iloc[0] == 400
    assert benchmark.compare_runs(tmp_path / "split", tmp_path / "whole") == []
    (tmp_path / "whole/results/bench/flow.csv").write_text("changed")
    assert benchmark.compare_runs(tmp_path / "split", tmp_path / "whole") == ["bench/flow.csv"]


def test_benchmark_writes_a_large_file_a_million_clients_at_a_time(tmp_path, monkeypatch):
    monkeypatch.setattr(benchmark, "CHUNK_CLIENTS", 300)
    rows, _ = benchmark.generate(700, tmp_path, shards=4)
    sessions = pd.read_parquet(tmp_path / "data/sessions.parquet")
    assert len(sessions) == rows
    assert sessions["client"].nunique() == 700  # each chunk's ids prefixed with its number
    prefixes = sessions.drop_duplicates("client")["client"].str[:3]
    assert prefixes.value_counts().to_dict() == {
        "B0-": 300,
        "B1-": 300,
        "B2-": 100,
    }
    assert sessions["therapist"].str.startswith(("B0-", "B1-", "B2-")).all()
    config = yaml.safe_load((tmp_path / "config/config.yaml").read_text())
    assert config["datasets"]["bench"]["shards"] == 4


def test_benchmark_sums_a_step_over_its_shards(tmp_path):
    logs = tmp_path / "results/bench/logs/benchmarks"
    logs.mkdir(parents=True)
    for name, seconds, rss in [
        ("events_shard_0", 2.0, 100),
        ("events_shard_1", 3.0, 150),
        ("cox", 1.0, 50),
    ]:
        (logs / f"{name}.tsv").write_text(f"s\tmax_rss\n{seconds}\t{rss}\n")
    table = benchmark.stage_table(tmp_path).set_index("step")
    assert table.loc["bench/events_shard", ["seconds", "peak_mb", "runs"]].tolist() == [5.0, 150, 2]
    assert table.loc["bench/cox", "runs"] == 1


def test_intermediates_are_narrowed_only_where_values_fit():
    from dosecurve.results import narrow_integers

    table = pd.DataFrame(
        {
            "session": [0, 364],
            "big": [0, 2**40],
            "score": [1.5, 2.0],
            "time": pd.array([3, None], dtype="Int64"),
        }
    )
    narrow = narrow_integers(table)
    assert str(narrow["session"].dtype) == "int32" and str(narrow["time"].dtype) == "Int32"
    assert str(narrow["big"].dtype) == "int64" and str(narrow["score"].dtype) == "float64"
    pd.testing.assert_frame_equal(narrow.astype(table.dtypes.to_dict()), table)


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads Linux's /proc")
def test_benchmark_memory_counts_every_process_of_the_run():
    tool = benchmark
    own = tool.tree_rss_mb(os.getpid())
    assert own > 10  # this Python process at least
    hold = (
        "import time; b = bytearray(300 * 2**20); b[::4096] = b'x' * len(b[::4096]); time.sleep(3)"
    )
    # a child holding 300 MB and a grandchild holding 300 MB: both are counted
    cmd = [
        sys.executable,
        "-c",
        f"import subprocess, sys; p = subprocess.Popen([sys.executable, "
        f"'-c', {hold!r}]); {hold}; p.wait()",
    ]
    result, peak = tool.run_sampled(cmd, every=0.2)
    assert result.returncode == 0, result.stderr
    assert 600 <= peak < 600 + 3 * own
