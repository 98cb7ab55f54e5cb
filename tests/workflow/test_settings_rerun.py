"""A setting change re-runs exactly what it affects, and only the config given is used.

Runs the workflow on a small file in one folder, changes settings and re-runs without
``--forceall``, and compares every result file byte for byte with a fresh run of the new
config in another folder.
"""

from __future__ import annotations

import copy
import hashlib
import os
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from runs import snakemake

pytestmark = pytest.mark.workflow

COLUMNS = {"client": "id", "session": "session_no", "score": "core_om", "covariates": ["arm"]}
BANDS = {"bands": [{"name": "lower", "from": 10, "to": 20}, {"name": "higher", "from": 20}]}
BASE = {
    "datasets": {
        "clinic": {
            "path": "data/clinic.csv",
            "columns": COLUMNS,
            "severity": BANDS,
            "groups": {"columns": ["arm"]},
        }
    },
    "analysis": {"improved_at": [4, 8], "conf_level": 0.95},
}
# Every analysis key, then data set keys, each changed from BASE.
ANALYSIS_CHANGES = {
    "conf_level": 0.9,
    "conf_type": "log",
    "improved_at": [2, 6, 10],
    "rmst_horizon": 12,
    "fleming_harrington": {"rho": 1, "gamma": 0},
    "primary_estimand": "during_therapy",
    "ending_sensitivity": {"bootstrap": 20, "seed": 3},
    "cluster_bootstrap": {"replicates": 20},
    "growth": {"length_bands": [4, 10], "max_clients": 50},
    "review_points": {"at": [2, 4], "within": [2, 6]},
}
DATASET_CHANGES = {
    "severity": {"bands": [{"name": "all_clinical", "from": 10}]},
    "events": {
        "definitions": [
            {"name": "csi", "definition": "clinically_significant"},
            {"name": "ri", "definition": "reliable_improvement"},
        ],
        "primary": "ri",
    },
    "prepost": {"method": "jt", "post": 6, "group_by": ["stratum", "arm"]},
    "cox": {"covariates": ["arm"]},
    "groups": {"columns": ["arm"], "cross_with_severity": True},
    "time_unit": "weeks",
    "improved_at": [3, 5],
    "max_sessions": 500,
    "instrument": {"preset": "core-om", "cutoff": 12},
}


def clinic_table(seed: int = 7, n: int = 60) -> pd.DataFrame:
    """Sessions of ``n`` clients: intake 12-32, falling on average, every second session."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        intake = rng.uniform(12, 32)
        slope = rng.uniform(0.2, 1.5)
        for s in range(0, int(rng.integers(4, 16)), 2):
            score = float(np.clip(round(intake - slope * s + rng.normal(0, 2), 1), 0, 40))
            rows.append((f"c{i:03d}", s, score, "cbt" if i % 2 else "pdt"))
    return pd.DataFrame(rows, columns=["id", "session_no", "core_om", "arm"])


def setup(folder: Path, config: dict, table: pd.DataFrame | None = None) -> Path:
    (folder / "config").mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    (clinic_table() if table is None else table).to_csv(folder / "data/clinic.csv", index=False)
    (folder / "config/config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    return folder


def set_config(folder: Path, config: dict) -> None:
    (folder / "config/config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))


def run(folder: Path, *args: str) -> str:
    result = snakemake(folder, *args)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout + result.stderr


def rules_run(output: str) -> set[str]:
    return set(re.findall(r"^\s*(?:local)?rule (\w+):", output, flags=re.M))


def results(folder: Path) -> dict[str, bytes]:
    """Every result file but logs and benchmark records."""
    root = folder / "results"
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "logs" not in p.relative_to(root).parts
    }


def assert_same_results(folder: Path, fresh: Path) -> None:
    got, want = results(folder), results(fresh)
    assert sorted(got) == sorted(want)
    stale = [name for name in want if got[name] != want[name]]
    assert not stale, f"stale after the change (differ from a fresh run): {stale}"


@pytest.fixture(scope="module")
def base_run(tmp_path_factory):
    folder = setup(tmp_path_factory.mktemp("base"), BASE)
    output = run(folder)
    assert "Warning" not in output  # a clean run prints no warnings
    assert "open the report(s) in a browser:" in output  # and says where to look
    assert str(folder / "results/clinic/report.html") in output
    return folder


def with_analysis(**changes) -> dict:
    config = copy.deepcopy(BASE)
    config["analysis"].update(changes)
    return config


def with_dataset(config: dict, **changes) -> dict:
    config = copy.deepcopy(config)
    config["datasets"]["clinic"].update(changes)
    return config


@pytest.mark.parametrize("key", list(ANALYSIS_CHANGES))
def test_each_analysis_key_reruns_the_estimates_but_never_reads_the_data_again(base_run, key):
    set_config(base_run, with_analysis(**{key: ANALYSIS_CHANGES[key]}))
    try:
        planned = rules_run(run(base_run, "-n"))
    finally:
        set_config(base_run, BASE)
    assert planned, f"changing analysis.{key} re-runs nothing"
    assert not planned & {"sessions", "events"}, planned
    if key != "conf_level":  # the pre-post effect sizes and Cox CIs use only the level
        assert not planned & {"prepost", "cox"}, planned
    assert "report" in planned  # every label and number follows the settings
    if key == "primary_estimand":  # which estimand leads the answer: the report alone
        assert planned - {"all"} == {"report"}, planned
    if key in ("ending_sensitivity", "cluster_bootstrap", "growth"):  # its own step, and what
        assert key in planned  # shows it
        assert not planned & {"survival", "estimands", "compare_strata"}, planned
    if key == "growth":
        assert not planned & {"ending_sensitivity", "review_points", "cluster_bootstrap"}
    if key == "review_points":  # read by the ending sensitivity (IPCW rows) and its own step
        assert {"ending_sensitivity", "review_points"} <= planned
        assert not planned & {"survival", "estimands", "compare_strata", "growth"}, planned


@pytest.mark.parametrize(
    ("key", "must", "never"),
    [
        ("severity", {"events", "survival", "cox", "report"}, {"sessions"}),
        ("events", {"events", "survival", "report"}, {"sessions"}),
        ("prepost", {"prepost", "report"}, {"sessions", "events", "survival", "cox"}),
        ("cox", {"cox", "report"}, {"sessions", "events", "survival", "prepost"}),
        ("groups", {"by_group", "group_figure", "report"}, {"sessions", "events", "survival"}),
        ("time_unit", {"figure", "report"}, {"sessions", "events", "survival", "cox"}),
        ("improved_at", {"survival", "report"}, {"sessions", "events", "cox", "prepost"}),
        ("max_sessions", {"sessions", "events"}, set()),
        ("instrument", {"sessions", "events", "survival", "prepost", "report"}, set()),
    ],
)
def test_each_dataset_key_reruns_what_reads_it(base_run, key, must, never):
    set_config(base_run, with_dataset(BASE, **{key: DATASET_CHANGES[key]}))
    try:
        planned = rules_run(run(base_run, "-n"))
    finally:
        set_config(base_run, BASE)
    assert must <= planned, (key, planned)
    assert not planned & never, (key, planned)


FIGURE_RULES = {"figure", "figure_with_risk_table", "figure_with_incidence_risk_table"}


@pytest.mark.parametrize(
    ("change", "drawn"),
    [
        ({"width": "single"}, FIGURE_RULES | {"group_figure"}),
        ({"horizon": 12}, {"figure_with_risk_table", "figure_with_incidence_risk_table"}),
        ({"log_dose": True}, {"figure_with_risk_table", "group_figure"}),
    ],
)
def test_each_figures_key_redraws_the_figures_it_changes_and_the_report(base_run, change, drawn):
    config = copy.deepcopy(BASE)
    config["figures"] = change
    set_config(base_run, config)
    try:
        planned = rules_run(run(base_run, "-n"))
    finally:
        set_config(base_run, BASE)
    assert drawn | {"report"} <= planned, (change, planned)
    assert planned <= FIGURE_RULES | {"group_figure", "report", "all"}, (change, planned)


def changed_everything() -> dict:
    """Every analysis key, data set key and figures key changed from BASE, and
    privacy.min_cell 5."""
    config = with_dataset(with_analysis(**ANALYSIS_CHANGES), **DATASET_CHANGES)
    config["privacy"] = {"min_cell": 5}
    config["figures"] = {"width": "single", "horizon": 12, "log_dose": True}
    return config


@pytest.mark.heavy
def test_reading_a_data_set_in_shards_reruns_it_by_shard_to_the_same_files(base_run, tmp_path):
    """shards: 3 on a data set read whole: its rows are read again shard by shard, and every
    table, figure CSV and the flow are the files they were (the whole session table of the
    earlier run is left where it was, unread)."""
    folder = tmp_path / "split"
    shutil.copytree(base_run, folder, symlinks=True)
    set_config(folder, with_dataset(BASE, shards=3))
    ran = rules_run(run(folder))
    assert {"split_sessions", "sessions_shard", "events_shard", "gather_events"} <= ran
    assert {"session_part"} <= ran and "sessions" not in ran
    before, after = results(base_run), results(folder)
    kept = [n for n in before if n.endswith(".csv") and "/shards/" not in n]
    assert len(kept) > 50
    assert [n for n in kept if after[n] != before[n]] == []


def test_changed_settings_give_the_results_of_a_fresh_run(base_run, tmp_path):
    """Every key changed at once: the results of a re-run equal those of a fresh run with the
    new config, byte for byte; labels follow the new settings and small counts are hidden."""
    folder = tmp_path / "changed"
    shutil.copytree(base_run, folder, symlinks=True)  # results, metadata and times as they are
    config = changed_everything()
    set_config(folder, config)
    run(folder)
    fresh = setup(tmp_path / "fresh", config)
    run(fresh)
    assert_same_results(folder, fresh)
    assert_labels_follow_conf_level(folder, with_cox=True)
    assert_no_small_counts(folder, 5)


@pytest.mark.heavy
def test_successive_changes_give_the_results_of_a_fresh_run(base_run, tmp_path):
    """Analysis keys, then data set keys and privacy: after each change, the results of a
    re-run equal those of a fresh run with the new config, byte for byte."""
    folder = tmp_path / "changed"
    shutil.copytree(base_run, folder, symlinks=True)
    for step, config in enumerate([with_analysis(**ANALYSIS_CHANGES), changed_everything()]):
        set_config(folder, config)
        ran = rules_run(run(folder))
        if step == 0:
            assert "sessions" not in ran and "events" not in ran
        fresh = setup(tmp_path / f"fresh{step}", config)
        run(fresh)
        assert_same_results(folder, fresh)
        shutil.rmtree(fresh)
        assert_labels_follow_conf_level(folder, with_cox=step == 1)
    assert_no_small_counts(folder, 5)


def assert_no_small_counts(folder: Path, min_cell: int) -> None:
    """With privacy.min_cell, no aggregate output shows a count from 1 to min_cell - 1, nor
    an estimate read off fewer clients at risk; and the suppression did happen."""
    from dosecurve.privacy import AT_RISK_ESTIMATES, COUNT_COLUMNS

    suppressed = 0
    for path in sorted((folder / "results").rglob("*.csv")):
        if "logs" in path.parts:
            continue
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in [c for c in COUNT_COLUMNS if c in table]:
            values = pd.to_numeric(table[column], errors="coerce")
            small = (values > 0) & (values < min_cell)
            assert not small.any(), f"{path.name}: {column} shows {table[column][small].tolist()}"
            suppressed += int((table[column] == f"<{min_cell}").sum())
        if "at_risk" in table:
            few = table["at_risk"] == f"<{min_cell}"
            for column in [c for c in AT_RISK_ESTIMATES if c in table]:
                assert (table.loc[few, column] == f"<{min_cell}").all(), (path.name, column)
    assert suppressed > 0  # the small run has small cells: the scan saw them hidden
    page = (folder / "results/clinic/report.html").read_text()
    headline = re.search(r"<p class='answer' id='headline'>(.*?)</p>", page, re.S).group(1)
    assert not re.search(rf"\b[1-{min_cell - 1}] clients\b", headline)


def assert_labels_follow_conf_level(folder: Path, with_cox: bool) -> None:
    """conf_level 0.9: every label says 90 %, and Cox limits use qnorm(0.95)."""
    page = (folder / "results/clinic/report.html").read_text()
    unit = "weeks" if with_cox else "sessions"  # the second change counts weeks
    assert "(90 % CI " in page and f"Median {unit} (90 % CI)" in page  # sentences, tables
    assert "95 % CI" not in page and "95 % log" not in page
    if with_cox:
        cox = pd.read_csv(folder / "results/clinic/tables/cox.csv")
        row = cox.loc[(cox["model"] == "intake score and covariates") & cox["coef"].notna()].iloc[0]
        se = row["se"] if np.isnan(row["robust_se"]) else row["robust_se"]
        # qnorm(0.95) = 1.644853626951472
        assert row["ci_upper"] == pytest.approx(np.exp(row["coef"] + 1.644853626951472 * se))


def test_a_configfile_replaces_the_default_data_sets(tmp_path):
    default = {"datasets": {"embedded": {"simulate": {"n_clients": 20, "seed": 1}}}}
    setup(tmp_path, default)
    mine = copy.deepcopy(BASE)
    (tmp_path / "my.yaml").write_text(yaml.safe_dump(mine))
    given = run(tmp_path, "-n", "--configfile", str(tmp_path / "my.yaml"))
    assert "dataset=clinic" in given and "dataset=embedded" not in given
    alone = run(tmp_path, "-n")
    assert "dataset=embedded" in alone and "dataset=clinic" not in alone
    # --config pairs still apply on top of the files given
    tuned = run(
        tmp_path,
        "-n",
        "--configfile",
        str(tmp_path / "my.yaml"),
        "--config",
        "privacy={min_cell: 5}",
    )
    assert "dataset=embedded" not in tuned


def test_same_config_gives_byte_identical_results(base_run, tmp_path):
    """A second run of the same config in another folder writes the same bytes, figures
    included (all but the timings in benchmarks/, which measure the run)."""
    fresh = setup(tmp_path / "again", BASE)
    run(fresh)
    outputs = []
    for folder in (base_run, fresh):
        files = sorted(p for p in (folder / "results").rglob("*") if p.is_file())
        outputs.append({p.relative_to(folder): p.read_bytes() for p in files})
    assert outputs[0].keys() == outputs[1].keys()
    differing = [str(k) for k in outputs[0] if outputs[0][k] != outputs[1][k]]
    assert differing and all("/benchmarks/" in k for k in differing)
    assert any(str(k).endswith(".pdf") for k in outputs[0])


def test_a_restored_older_file_with_other_content_reruns_its_data_set(base_run):
    """Runs last: it changes the base run's file."""
    folder = base_run
    path = folder / "data/clinic.csv"
    clinic_table(seed=8).to_csv(path, index=False)
    os.utime(path, (978307200, 978307200))  # 2001: older than every result
    assert "sessions" in rules_run(run(folder, "-n"))
    run(folder)
    provenance = pd.read_csv(folder / "results/clinic/provenance.csv").set_index("item")
    assert provenance.loc["SHA-256", "value"] == hashlib.sha256(path.read_bytes()).hexdigest()


KEYS = [*(("analysis", k) for k in ANALYSIS_CHANGES), *(("dataset", k) for k in DATASET_CHANGES)]


@pytest.mark.heavy
@pytest.mark.parametrize(("section", "key"), KEYS)
def test_each_key_alone_gives_the_results_of_a_fresh_run(base_run, tmp_path, section, key):
    """Each analysis and data set key in turn: a re-run without --forceall after changing it
    equals, byte for byte, a fresh run with the new config (about 35 s a key: run by .ci/run
    with the heavy tests, not by the default pytest)."""
    folder = tmp_path / "rerun"
    shutil.copytree(base_run, folder, symlinks=True)  # results, metadata and times as they are
    if section == "analysis":
        config = with_analysis(**{key: ANALYSIS_CHANGES[key]})
    else:
        config = with_dataset(BASE, **{key: DATASET_CHANGES[key]})
    set_config(folder, config)
    run(folder)
    fresh = setup(tmp_path / "fresh", config)
    run(fresh)
    assert_same_results(folder, fresh)
