"""Small, sparse and odd data sets run to the end: every estimate that cannot be made is
labelled "not estimable" with the reason, in its table and the report, and the run exits 0.

All data sets of the grid run in one workflow invocation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from runs import snakemake

# A grid of tiny data sets, each run to its report: exhaustive, so run with the heavy tests.
pytestmark = [pytest.mark.workflow, pytest.mark.heavy]

COLS = {"client": "id", "session": "session_no", "score": "core_om"}
ONE_BAND = {"bands": [{"name": "clinical", "from": 10}]}
TWO_BANDS = {"bands": [{"name": "lower", "from": 10, "to": 20}, {"name": "higher", "from": 20}]}


def rows(clients: dict[str, dict[int, float]]) -> str:
    lines = ["id,session_no,core_om"]
    lines += [f"{c},{s},{v}" for c, scores in clients.items() for s, v in scores.items()]
    return "\n".join(lines) + "\n"


def pilot(n: int, seed: int = 1) -> dict[str, dict[int, float]]:
    rng = np.random.default_rng(seed)
    out = {}
    for i in range(n):
        intake = float(rng.integers(12, 34))
        out[f"p{i}"] = {s: max(0.0, intake - s * float(rng.uniform(0, 2))) for s in range(0, 9, 2)}
    return out


# name: (clients, extra data set keys)
GRID = {
    "one_stratum": (pilot(20), {"severity": ONE_BAND}),
    "two_occasions": (
        {f"c{i}": {0: 15 + i, 6: 5 + 2 * i} for i in range(8)},
        {"time_unit": "weeks", "instrument": {"preset": "core-om", "name": "My $x$ scale"}},
    ),
    "no_events": ({f"c{i}": {0: 25, 2: 24, 4: 23} for i in range(6)}, {}),
    "all_events": ({f"c{i}": {0: 15 + 2 * i, 2 + i: 4} for i in range(4)}, {}),
    "one_client_per_stratum": ({"a": {0: 15, 2: 5}, "b": {0: 25, 3: 8}}, {"severity": TWO_BANDS}),
    "five_clients": (pilot(5, seed=3), {}),
    "twelve_client_pilot": (pilot(12, seed=4), {"severity": TWO_BANDS}),
}


@pytest.fixture(scope="module")
def grid(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grid")
    (folder / "data").mkdir()
    datasets = {}
    for name, (clients, extra) in GRID.items():
        (folder / "data" / f"{name}.csv").write_text(rows(clients))
        datasets[name] = {"path": f"data/{name}.csv", "columns": COLS, **extra}
    (folder / "config").mkdir()
    (folder / "config/config.yaml").write_text(yaml.safe_dump({"datasets": datasets}))
    return folder, snakemake(folder, "--keep-going")


def test_every_data_set_of_the_grid_runs_to_the_end(grid):
    folder, result = grid
    failed = [n for n in GRID if not (folder / "results" / n / "report.html").exists()]
    assert result.returncode == 0 and not failed, (failed, result.stderr[-3000:])


def notes(folder: Path, name: str, table: str) -> set[str]:
    frame = pd.read_csv(folder / "results" / name / "tables" / table)
    return {n for n in frame.get("note", pd.Series(dtype=str)).dropna() if n}


def test_no_events_is_labelled_everywhere(grid):
    folder, _ = grid
    assert notes(folder, "no_events", "median_sessions.csv") == {"no events"}
    assert any(n.startswith("not estimable") for n in notes(folder, "no_events", "cox.csv"))
    assert any(n.startswith("not estimable") for n in notes(folder, "no_events", "aft_models.csv"))
    report = (folder / "results/no_events/report.html").read_text()
    assert "not estimable" in report


def test_one_stratum_labels_the_comparisons(grid):
    folder, _ = grid
    cox = pd.read_csv(folder / "results/one_stratum/tables/cox.csv").set_index("model")
    assert cox.loc["severity strata", "note"] == "not estimable: fewer than two severity strata"
    logrank = notes(folder, "one_stratum", "logrank.csv")
    assert logrank == {"not estimable: fewer than two strata"}


def test_all_events_gives_a_median_and_labels_what_cannot_be_fitted(grid):
    folder, _ = grid
    medians = pd.read_csv(folder / "results/all_events/tables/median_sessions.csv")
    overall = medians.set_index("stratum").loc["all"]
    assert overall["events"] == overall["n"] == 4 and not np.isnan(overall["median"])


def test_an_infinite_hazard_ratio_is_labelled_not_drawn(grid):
    folder, _ = grid
    cox = pd.read_csv(folder / "results/five_clients/tables/cox.csv")
    wide = cox["coef"].notna() & ~(cox["ci_upper"] < 1e10 * cox["ci_lower"])
    assert wide.any()  # five clients, two events: the Wald intervals are unbounded
    assert cox.loc[wide, "note"].str.startswith("not estimable").all()


def test_a_weekly_clock_is_named_everywhere_and_drops_session_benchmarks(grid):
    folder, _ = grid
    page = (folder / "results/two_occasions/report.html").read_text()
    assert "<h1>Weeks to clinically significant improvement" in page
    assert "If no one had left therapy" in page and "by week 4" in page
    assert "Howard et al. 1986" not in page.split("<h2>References")[0]
    assert "by session" not in page
    improved = pd.read_csv(folder / "results/two_occasions/tables/improved_by_session.csv")
    assert sorted(set(improved["session"])) == [1, 4]  # the default landmarks within 6 weeks
