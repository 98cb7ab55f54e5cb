"""End-to-end runs of the Snakemake workflow in a temporary folder, asserting numbers."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from dosecurve.stats.kaplan_meier import kaplan_meier, km_quantile

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.workflow

BANDS = {"bands": [{"name": "lower", "from": 10, "to": 20}, {"name": "higher", "from": 20}]}


def write_csv(folder: Path, clients: dict) -> None:
    rows = [
        (c, s, "" if v is None else v) for c, scores in clients.items() for s, v in scores.items()
    ]
    frame = pd.DataFrame(rows, columns=["id", "session_no", "core_om"])
    (folder / "data").mkdir(parents=True, exist_ok=True)
    frame.to_csv(folder / "data" / "clinic.csv", index=False)


def write_config(folder: Path, datasets: dict, **extra) -> None:
    (folder / "config").mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump({"datasets": datasets, **extra}, sort_keys=False)
    (folder / "config" / "config.yaml").write_text(text)


def clinic(**overrides) -> dict:
    return {
        "path": "data/clinic.csv",
        "columns": {"client": "id", "session": "session_no", "score": "core_om"},
        "severity": BANDS,
        **overrides,
    }


def snakemake(folder: Path, *args: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "snakemake", "-s", str(ROOT / "Snakefile"), "-d", str(folder)]
    return subprocess.run([*cmd, "--cores", "2", *args], capture_output=True, text=True)


TINY = {
    "A1": {0: 15, 1: 12, 2: 9.5}, "A2": {0: 12, 2: 11, 4: 7}, "A3": {0: 18, 3: 14, 6: 13},
    "A4": {0: 10, 5: 5}, "B1": {0: 25, 3: 19, 6: 9}, "B2": {0: 30, 4: 10, 8: 24},
    "B3": {0: 22, 2: 8, 4: 21}, "X1": {0: 8, 3: 4}, "X2": {0: 20}, "X3": {0: None, 1: None},
}  # fmt: skip


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):

    folder = tmp_path_factory.mktemp("tiny")
    clients = TINY
    write_csv(folder, clients)
    write_config(
        folder, {"clinic_a": clinic(), "clinic_b": clinic()}, analysis={"improved_at": [4, 8]}
    )
    result = snakemake(folder)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder


def test_medians_match_r(tiny_run):
    # time <- c(2,4,6,5,6,8,2); event <- c(1,1,0,1,1,0,1)
    # grp <- c(rep("lower", 4), rep("higher", 3))
    # quantile(survfit(Surv(time, event) ~ grp, conf.type = "log-log"), .5): higher 6 (2, NA),
    # lower 4.5 (2, NA); overall ~ 1: 5 (2, NA)
    medians = pd.read_csv(tiny_run / "results/clinic_a/tables/median_sessions.csv")
    assert medians["stratum"].tolist() == ["lower", "higher", "all"]
    assert medians["n"].tolist() == [4, 3, 7]
    assert medians["events"].tolist() == [3, 2, 5]
    np.testing.assert_allclose(medians["median"], [4.5, 6, 5])
    np.testing.assert_allclose(medians["ci_lower"], [2, 2, 2])
    assert medians["ci_upper"].isna().all()  # not reached: empty, never a number


def test_flow_accounts_for_every_client(tiny_run):
    flow = pd.read_csv(tiny_run / "results/clinic_a/flow.csv")
    n = dict(zip(flow["reason"], flow["n"], strict=True))
    assert flow.loc[flow["status"] == "read", "n"].item() == 10
    assert flow.loc[flow["status"] == "analysed", "n"].item() == 7
    assert n["no score recorded"] == 1
    assert n["no scored assessment after the baseline"] == 1
    assert n["not clinical at intake (baseline on the functional side of the cutoff)"] == 1
    assert flow.loc[flow["status"] != "read", "n"].sum() == 10


def test_improved_by_session_and_logrank_match_r(tiny_run):
    # summary(survfit(Surv(time, event) ~ 1, conf.type = "log-log"), times = 4):
    # n.risk 5, 1 - surv 0.428571428571428, 1 - upper 0.162917219650819, 1 - lower 0.828133984471225
    table = pd.read_csv(tiny_run / "results/clinic_a/tables/improved_by_session.csv")
    row = table[(table["stratum"] == "all") & (table["session"] == 4)].iloc[0]
    assert row["at_risk"] == 5
    assert row["improved"] == pytest.approx(0.428571428571428, abs=1e-12)
    assert row["ci_lower"] == pytest.approx(0.162917219650819, abs=1e-12)
    assert row["ci_upper"] == pytest.approx(0.828133984471225, abs=1e-12)
    # survdiff(Surv(time, event) ~ grp)$chisq = 0.160314922382562
    logrank = pd.read_csv(tiny_run / "results/clinic_a/tables/logrank.csv").iloc[0]
    assert logrank["statistic"] == pytest.approx(0.160314922382562, abs=1e-9)


def test_events_table_has_the_documented_columns(tiny_run):
    events = pd.read_parquet(tiny_run / "results/clinic_a/events.parquet")
    expected = ["client", "stratum", "baseline", "eligible", "time", "event", "sessions_attended"]
    assert list(events.columns[:7]) == expected
    assert events.set_index("client").loc["A2", "time"] == 4


def test_report_is_self_contained_with_headline_numbers(tiny_run):
    page = (tiny_run / "results/clinic_a/report.html").read_text()
    assert "median number of sessions to improvement was 5 (2 to not reached)" in page
    assert "data:image/png;base64," in page
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert ">A1<" not in page and ">B3<" not in page


def test_figure_is_written_as_png_and_pdf(tiny_run):
    png = (tiny_run / "results/clinic_a/figures/improvement_by_severity.png").read_bytes()
    pdf = (tiny_run / "results/clinic_a/figures/improvement_by_severity.pdf").read_bytes()
    assert png.startswith(b"\x89PNG") and pdf.startswith(b"%PDF")
    width = int.from_bytes(png[16:20], "big")  # IHDR: 7.5 inches at 300 dpi
    assert width == 2250
    assert b"CreationDate" not in pdf  # no timestamp, so reruns are byte-identical


def test_rerun_does_nothing_and_a_change_reruns_only_its_data_set(tiny_run):
    again = snakemake(tiny_run, "-n")
    assert "Nothing to be done" in again.stdout + again.stderr
    config = yaml.safe_load((tiny_run / "config/config.yaml").read_text())
    config["datasets"]["clinic_b"]["severity"] = {"bands": [{"name": "any", "from": 10}]}
    (tiny_run / "config/config.yaml").write_text(yaml.safe_dump(config))
    dry = snakemake(tiny_run, "-n")
    out = dry.stdout + dry.stderr
    assert "dataset=clinic_b" in out and "dataset=clinic_a" not in out
    assert "rule sessions" not in out  # severity does not change the session table
    assert "rule events" in out


def test_wrong_config_key_stops_the_run(tmp_path):
    write_config(tmp_path, {"x": {"simulate": {"n_clients": 20, "seeed": 1}}})
    result = snakemake(tmp_path)
    assert result.returncode != 0
    assert "datasets.x.simulate.seeed not recognised" in result.stderr + result.stdout
    assert not (tmp_path / "results").exists()


def test_missing_column_stops_the_run_and_leaves_no_results(tmp_path):
    write_csv(tmp_path, {"A": {0: 20, 1: 8}})
    ds = clinic(columns={"client": "id", "session": "session_no", "score": "phq9"})
    write_config(tmp_path, {"clinic": ds})
    result = snakemake(tmp_path)
    assert result.returncode != 0
    assert "mapped column(s) not found: score -> 'phq9'" in result.stderr + result.stdout
    assert not (tmp_path / "results/clinic/sessions.parquet").exists()
    assert not (tmp_path / "results/clinic/report.html").exists()


def test_missing_file_names_the_config_key(tmp_path):
    write_config(tmp_path, {"clinic": clinic(path="data/nope.csv")})
    result = snakemake(tmp_path)
    assert result.returncode != 0
    assert "datasets.clinic.path: data/nope.csv: file not found" in result.stderr + result.stdout


def test_default_simulated_run(tmp_path):
    write_config(
        tmp_path, {"sim": {"simulate": {"preset": "nordmo2021", "n_clients": 120, "seed": 5}}}
    )
    result = snakemake(tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    events = pd.read_parquet(tmp_path / "results/sim/events.parquet")
    flow = pd.read_csv(tmp_path / "results/sim/flow.csv")
    assert flow.loc[flow["status"] == "read", "n"].item() == 120 == len(events)
    assert flow.loc[flow["status"] != "read", "n"].sum() == 120
    medians = pd.read_csv(tmp_path / "results/sim/tables/median_sessions.csv").set_index("stratum")
    eligible = events[events["eligible"]]
    curve = kaplan_meier(eligible["time"].to_numpy(), eligible["event"].to_numpy())
    assert medians.loc["all", "median"] == km_quantile(curve, 0.5)[0]
    assert medians.loc["all", "events"] == eligible["event"].sum()
    assert 10 < medians.loc["all", "median"] < 150


@pytest.fixture(scope="module")
def definitions_run(tmp_path_factory):
    """The tiny clinic with three event definitions, covariates and mapped end reasons."""
    folder = tmp_path_factory.mktemp("definitions")
    write_csv(folder, TINY)
    frame = pd.read_csv(folder / "data" / "clinic.csv")
    frame["arm"] = np.where(frame["id"].str.startswith("B"), "y", "x")
    frame["ending"] = frame["id"].map({"A1": "completed", "B3": "dropped out"}).fillna("")
    frame.to_csv(folder / "data" / "clinic.csv", index=False)
    columns = {
        "client": "id",
        "session": "session_no",
        "score": "core_om",
        "end_reason": "ending",
        "covariates": ["arm"],
    }
    ds = clinic(
        columns=columns,
        end_reasons={"planned": ["completed"], "dropout": ["dropped out"]},
        events={
            "primary": "csi",
            "definitions": [
                {"name": "csi", "definition": "clinically_significant"},
                {"name": "ri", "definition": "reliable_improvement"},
                {"definition": "clinically_significant", "timing": "sustained", "sustained_for": 1},
            ],
        },
        prepost={"method": "jt", "group_by": ["arm"]},
        groups={"columns": ["arm"], "cross_with_severity": True},
        severity={
            "bands": [{"name": "lower", "from": 0, "to": 20}, {"name": "higher", "from": 20}]
        },
    )
    write_config(folder, {"clinic": ds})
    result = snakemake(folder)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder / "results" / "clinic"


def test_sensitivity_sets_definitions_side_by_side(definitions_run):
    # R: quantile(survfit(Surv(c(2,4,6,5,3,4,2,3), c(1,1,1,1,1,1,1,0)) ~ 1,
    #    conf.type = "log-log"), .5) = 4 (2, 5)           # reliable improvement, 8 eligible
    # R: quantile(survfit(Surv(c(2,4,6,5,6,8,4), c(1,1,0,1,1,0,0)) ~ 1,
    #    conf.type = "log-log"), .5) = 6 (2, NA)          # CSI sustained at the next assessment
    table = pd.read_csv(definitions_run / "tables/sensitivity.csv").set_index("definition")
    assert list(table.index) == ["csi", "ri", "csi_sustained1"]
    assert table["n"].tolist() == [7, 8, 7]
    assert table["events"].tolist() == [5, 7, 4]
    np.testing.assert_allclose(table["median"], [5, 4, 6])
    np.testing.assert_allclose(table["ci_lower"], [2, 2, 2])
    np.testing.assert_allclose(table["ci_upper"], [np.nan, 5, np.nan])
    assert table["improved_26"].isna().all()  # session 26 is beyond every follow-up here


def test_flow_per_definition(definitions_run):
    flow = pd.read_csv(definitions_run / "flow.csv")
    for name, analysed in {"csi": 7, "ri": 8, "csi_sustained1": 7}.items():
        part = flow[flow["definition"] == name]
        assert part.loc[part["status"] == "analysed", "n"].item() == analysed
        assert part.loc[part["status"] != "read", "n"].sum() == 10


def test_events_carry_interval_bounds_and_end_reasons(definitions_run):
    events = pd.read_parquet(definitions_run / "events.parquet")
    events = events.set_index("client")
    assert events.loc["A2", ["time_lower", "time", "time_upper"]].tolist() == [2, 4, 4]
    assert events.loc["A3", "time_lower"] == 6 and pd.isna(events.loc["A3", "time_upper"])
    assert events["end_reason"].to_dict()["A1"] == "planned"
    assert (
        events.loc["B3", "end_reason"] == "dropout" and events.loc["A2", "end_reason"] == "unknown"
    )
    stacked = pd.read_parquet(definitions_run / "events_by_definition.parquet")
    sustained = stacked[stacked["definition"] == "csi_sustained1"].set_index("client")
    assert sustained.loc["B3", "event"] == 0  # improved at 2 but relapsed at 4


def test_prepost_tables(definitions_run):
    # by hand (CORE-OM, fall >= 5 reliable, < 10 functional): A1 15->9.5, A2 12->7, A4 10->5,
    # B1 25->9 recovered; A3 18->13 and B2 30->24 improved; B3 22->21 and X1 8->4 unchanged;
    # X2 (intake only) and X3 (no score) are not used.
    cats = pd.read_csv(definitions_run / "tables/prepost_categories.csv").set_index("category")
    assert cats["n"].to_dict() == {
        "recovered": 4,
        "improved": 2,
        "unchanged": 2,
        "deteriorated": 0,
        "harmed": 0,
    }
    assert cats["percent"]["recovered"] == 50.0
    assert (cats["clients_read"] == 10).all() and (cats["clients_used"] == 8).all()
    by = pd.read_csv(definitions_run / "tables/prepost_by_group.csv")
    x = by[(by["grouping"] == "arm") & (by["group"] == "x")].set_index("category")["n"]
    assert x[["recovered", "improved", "unchanged"]].tolist() == [3, 1, 1]
    effects = pd.read_csv(definitions_run / "tables/prepost_effects.csv").set_index("group")
    # mean pre (15+12+18+10+25+30+22+8)/8 = 17.5; mean post (9.5+7+13+5+9+24+21+4)/8 = 11.5625
    assert effects.loc["all", "m_pre"] == pytest.approx(17.5)
    assert effects.loc["all", "m_post"] == pytest.approx(11.5625)
    report = (definitions_run / "report.html").read_text()
    assert "Sensitivity to the event definition" in report and "csi_sustained1" in report
    groups = pd.read_csv(definitions_run / "tables/by_group.csv").set_index(["grouping", "group"])
    # arm x: A1-A4 (events at 2, 4, 5; A3 censored at 6) -> median 4.5 as the lower stratum
    assert groups.loc[("arm", "x"), "n"] == 4 and groups.loc[("arm", "x"), "median"] == 4.5
    assert groups.loc[("arm", "y"), "median"] == 6
    assert ("arm x severity", "x / lower") in groups.index


@pytest.fixture(scope="module")
def several_run(tmp_path_factory):
    """Two simulated services, their pool, and a clinic file with two outcomes."""
    folder = tmp_path_factory.mktemp("several")
    (folder / "data").mkdir()
    rows = [
        (c, s, v, p)
        for c, scores in TINY.items()
        for s, v in scores.items()
        for p in [None if v is None else min(27, round(v * 0.6))]
    ]
    frame = pd.DataFrame(rows, columns=["id", "session_no", "core_om", "phq9"])
    frame.to_csv(folder / "data" / "clinic.csv", index=False)
    clinic_two = {
        "path": "data/clinic.csv",
        "columns": {"client": "id", "session": "session_no"},
        "outcomes": [
            {"name": "core", "column": "core_om", "instrument": "core-om", "severity": BANDS},
            {"name": "phq", "column": "phq9", "instrument": "phq-9"},
        ],
    }
    write_config(
        folder,
        {
            "sim_a": {"simulate": {"preset": "nordmo2021", "n_clients": 80, "seed": 1}},
            "sim_b": {"simulate": {"preset": "hirschfeld2024", "n_clients": 70, "seed": 2}},
            "both": {"pool": ["sim_a", "sim_b"]},
            "clinic": clinic_two,
            "brief": {"simulate": {"preset": "brief_iapt", "n_clients": 60, "seed": 3}},
        },
    )
    result = snakemake(folder)
    assert result.returncode == 0, result.stderr[-3000:]
    return folder / "results"


def test_comparison_sets_every_data_set_side_by_side(several_run):
    table = pd.read_csv(several_run / "comparison/medians.csv").set_index("dataset")
    assert list(table.index) == ["sim_a", "sim_b", "both", "clinic-core", "clinic-phq", "brief"]
    for name in table.index:
        own = pd.read_csv(several_run / name / "tables/median_sessions.csv").set_index("stratum")
        assert table.loc[name, "n"] == own.loc["all", "n"]
        assert table.loc[name, "median"] == pytest.approx(own.loc["all", "median"], nan_ok=True)
    assert table.loc["clinic-core", "median"] == 5  # the tiny clinic, as in the R check above
    assert (several_run / "comparison/overall_curves.png").read_bytes()[:4] == b"\x89PNG"


def test_pooled_data_set_keeps_every_client_and_its_source(several_run):
    flow = pd.read_csv(several_run / "both/flow.csv")
    assert flow.loc[flow["status"] == "read", "n"].item() == 150
    by = pd.read_csv(several_run / "both/tables/by_dataset.csv").set_index("stratum")
    members = [
        pd.read_csv(several_run / m / "tables/median_sessions.csv").set_index("stratum")
        for m in ("sim_a", "sim_b")
    ]
    assert by.loc["sim_a", "n"] == members[0].loc["all", "n"]
    assert by.loc["sim_b", "events"] == members[1].loc["all", "events"]
    assert by.loc["all", "n"] == members[0].loc["all", "n"] + members[1].loc["all", "n"]
    assert np.isfinite(by["logrank_statistic"]).all()
    cox = pd.read_csv(several_run / "both/tables/cox.csv")
    assert set(cox["note"]) == {"robust SE by therapist"}  # therapists nested in data sets
    assert np.isfinite(cox["coef"]).all()
    sessions = pd.read_parquet(several_run / "both/sessions.parquet")
    assert sessions["client"].str.startswith(("sim_a:", "sim_b:")).all()


def test_each_outcome_is_analysed_with_its_instrument(several_run):
    core = (several_run / "clinic-core/report.html").read_text()
    phq = (several_run / "clinic-phq/report.html").read_text()
    assert "Instrument: CORE-OM" in core and "Instrument: PHQ-9" in phq
    brief = (several_run / "brief/report.html").read_text()
    assert "Instrument: PHQ-9" in brief  # the simulator's instrument, not the CORE-OM default
    strata = pd.read_csv(several_run / "brief/tables/median_sessions.csv")["stratum"]
    assert set(strata) <= {"moderate", "moderately severe", "severe", "all"}
    calib = pd.read_csv(several_run / "sim_b/tables/calibration.csv").set_index("measure")
    assert calib.loc["% of booked appointments missed", "published"] == 26


def test_pool_of_different_instruments_is_refused(tmp_path):
    write_config(
        tmp_path,
        {
            "a": {"simulate": {"n_clients": 20}},
            "b": {"simulate": {"preset": "brief_iapt", "n_clients": 20}},
            "ab": {"pool": ["a", "b"]},
        },
    )
    result = snakemake(tmp_path)
    assert result.returncode != 0
    assert (
        "datasets.ab.pool: the members use different instruments" in result.stderr + result.stdout
    )


def test_messy_file_accounts_for_every_client(tmp_path):
    """One client per recoverable problem; every one ends up in flow.csv."""
    rows = [
        ("ok", 0, 20),
        ("ok", 1, 15),
        ("ok", 2, 9),
        ("dup", 0, 20),
        ("dup", 0, 20),
        ("dup", 3, 8),  # exact duplicate row: dropped
        ("gap", 0, 22),
        ("gap", 1, None),
        ("gap", 2, 21),  # a missing score: kept as a visit
        ("single", 0, 25),  # only an intake
        ("late", 2, 18),
        ("late", 5, 8),  # no intake row: baseline at session 2
        ("blank", 0, None),
        ("blank", 1, None),  # no score at all
        ("well", 0, 7),
        ("well", 4, 5),  # functional at intake
    ]
    (tmp_path / "data").mkdir()
    pd.DataFrame(rows, columns=["id", "session_no", "core_om"]).to_csv(
        tmp_path / "data/clinic.csv", index=False
    )
    ds = clinic(severity="core-om")
    write_config(tmp_path, {"messy": ds})
    result = snakemake(tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    flow = pd.read_csv(tmp_path / "results/messy/flow.csv")
    n = dict(zip(flow["reason"], flow["n"], strict=True))
    assert flow.loc[flow["status"] == "read", "n"].item() == 7
    assert flow.loc[flow["status"] != "read", "n"].sum() == 7
    assert n["no score recorded"] == 1  # blank
    assert n["no scored assessment after the baseline"] == 1  # single
    assert n["not clinical at intake (baseline on the functional side of the cutoff)"] == 1
    assert flow.loc[flow["status"] == "analysed", "n"].item() == 4  # ok, dup, gap, late
    checks = pd.read_csv(tmp_path / "results/messy/data_checks.csv").set_index("check")["n"]
    assert checks["rows read"] == 16 and checks["clients read"] == 7
    assert checks["exact duplicate rows"] == 1
    assert checks["rows with a missing score"] == 3
    assert checks["clients without an intake score"] == 1  # late ('blank' has no score at all)
    events = pd.read_parquet(tmp_path / "results/messy/events.parquet").set_index("client")
    assert events.loc["late", ["baseline", "time", "event"]].tolist() == [18, 5, 1]
    report = (tmp_path / "results/messy/report.html").read_text()
    assert "exact duplicate rows" in report


def test_unreadable_file_is_named(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data/clinic.xlsx").write_text("this is not a workbook")
    write_config(tmp_path, {"clinic": clinic(path="data/clinic.xlsx")})
    result = snakemake(tmp_path)
    assert result.returncode != 0
    assert "data/clinic.xlsx: cannot be read as excel" in result.stderr + result.stdout
    assert not (tmp_path / "results/clinic/sessions.parquet").exists()


def test_same_config_gives_byte_identical_results(tmp_path):
    """Two runs of the same config in two folders write the same bytes, figures included
    (all but the timings in benchmarks/, which measure the run)."""
    outputs = []
    for run in ("first", "second"):
        folder = tmp_path / run
        write_config(
            folder, {"sim": {"simulate": {"preset": "hirschfeld2024", "n_clients": 60, "seed": 11}}}
        )
        result = snakemake(folder)
        assert result.returncode == 0, result.stderr[-2000:]
        files = sorted(p for p in (folder / "results").rglob("*") if p.is_file())
        outputs.append({p.relative_to(folder): p.read_bytes() for p in files})
    assert outputs[0].keys() == outputs[1].keys()
    differing = [str(k) for k in outputs[0] if outputs[0][k] != outputs[1][k]]
    assert differing and all("/benchmarks/" in k for k in differing)
    assert any(str(k).endswith(".pdf") for k in outputs[0])


def test_min_cell_suppresses_small_counts_everywhere(tmp_path):
    write_csv(tmp_path, TINY)
    write_config(tmp_path, {"clinic": clinic()}, privacy={"min_cell": 5})
    result = snakemake(tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    out = tmp_path / "results/clinic"
    read = {"keep_default_na": False, "na_values": [""], "dtype": str}
    medians = pd.read_csv(out / "tables/median_sessions.csv", **read).set_index("stratum")
    assert medians["n"].to_dict() == {"lower": "<5", "higher": "<5", "all": "7"}
    assert medians.loc["all", "events"] == "5" and medians.loc["lower", "events"] == "<5"
    flow = pd.read_csv(out / "flow.csv", **read).set_index("reason")["n"]
    assert flow["no score recorded"] == "<5" and flow["clients in the input"] == "10"
    assert flow["baseline outside the severity bands"] == "0"
    curves = pd.read_csv(out / "tables/km_curves.csv", **read)
    assert set(curves["at_risk"]) <= {"<5", "7", "5", "6"}
    cats = pd.read_csv(out / "tables/prepost_categories.csv", **read).set_index("category")
    assert cats.loc["recovered", "percent"] == "<5"  # built on a suppressed count
    page = (out / "report.html").read_text()
    assert "7 clients were analysed and 5 showed" in page and "&lt;5" in page


def test_config_templates_are_refused(tmp_path):
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.yaml").write_text(
        "__use_yte__: true\ndatasets:\n  x:\n    simulate:\n      n_clients: ?20 + 1\n"
    )
    result = snakemake(tmp_path)
    assert result.returncode != 0
    assert "uses YTE templates (__use_yte__)" in result.stderr + result.stdout
    assert not (tmp_path / "results").exists()
