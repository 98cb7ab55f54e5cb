"""End-to-end runs of the Snakemake workflow in a temporary folder, asserting numbers.

Most tests read the shared runs of tests/workflow/conftest.py (``clinics``, ``suppressed``);
the rest run a config that must stop the workflow, which takes seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml
from runs import CLINICS_TARGETS, clinic, snakemake, write_config, write_csv

from dosecurve.stats.kaplan_meier import kaplan_meier, km_quantile

pytestmark = pytest.mark.workflow


@pytest.fixture(scope="module")
def tiny(clinics):
    """The tiny clinic's CORE-OM results (the R checks below are worked on it)."""
    return clinics / "results/clinic-core"


@pytest.fixture(scope="module")
def definitions_run(clinics):
    return clinics / "results/defs"


@pytest.fixture(scope="module")
def several_run(clinics):
    return clinics / "results"


def test_medians_match_r(tiny):
    # time <- c(2,4,6,5,6,8,2); event <- c(1,1,0,1,1,0,1)
    # grp <- c(rep("lower", 4), rep("higher", 3))
    # quantile(survfit(Surv(time, event) ~ grp, conf.type = "log-log"), .5): higher 6 (2, NA),
    # lower 4.5 (2, NA); overall ~ 1: 5 (2, NA)
    medians = pd.read_csv(tiny / "tables/median_sessions.csv")
    assert medians["stratum"].tolist() == ["lower", "higher", "all"]
    assert medians["n"].tolist() == [4, 3, 7]
    assert medians["events"].tolist() == [3, 2, 5]
    np.testing.assert_allclose(medians["median"], [4.5, 6, 5])
    np.testing.assert_allclose(medians["ci_lower"], [2, 2, 2])
    assert medians["ci_upper"].isna().all()  # not reached: empty, never a number


def test_flow_accounts_for_every_client(tiny):
    flow = pd.read_csv(tiny / "flow.csv")
    n = dict(zip(flow["reason"], flow["n"], strict=True))
    assert flow.loc[flow["status"] == "read", "n"].item() == 10
    assert flow.loc[flow["status"] == "analysed", "n"].item() == 7
    assert n["no score recorded"] == 1
    assert n["no scored assessment after the baseline"] == 1
    assert n["not clinical at intake (baseline on the functional side of the cutoff)"] == 1
    assert flow.loc[flow["status"] != "read", "n"].sum() == 10


def test_improved_by_session_and_logrank_match_r(tiny):
    # summary(survfit(Surv(time, event) ~ 1, conf.type = "log-log"), times = 4):
    # n.risk 5, 1 - surv 0.428571428571428, 1 - upper 0.162917219650819, 1 - lower 0.828133984471225
    table = pd.read_csv(tiny / "tables/improved_by_session.csv")
    row = table[(table["stratum"] == "all") & (table["session"] == 4)].iloc[0]
    assert row["at_risk"] == 5
    assert row["improved"] == pytest.approx(0.428571428571428, abs=1e-12)
    assert row["ci_lower"] == pytest.approx(0.162917219650819, abs=1e-12)
    assert row["ci_upper"] == pytest.approx(0.828133984471225, abs=1e-12)
    # survdiff(Surv(time, event) ~ grp)$chisq = 0.160314922382562
    logrank = pd.read_csv(tiny / "tables/logrank.csv").iloc[0]
    assert logrank["statistic"] == pytest.approx(0.160314922382562, abs=1e-9)


def test_events_table_has_the_documented_columns(tiny):
    events = pd.read_parquet(tiny / "events.parquet")
    expected = ["client", "stratum", "baseline", "eligible", "time", "event", "sessions_attended"]
    assert list(events.columns[:7]) == expected
    assert events.set_index("client").loc["A2", "time"] == 4


def test_report_is_self_contained_with_headline_numbers(tiny):
    page = (tiny / "report.html").read_text()
    assert "half would have improved by session 5 (95 % CI 2 to not reached)" in page
    assert "data:image/png;base64," in page
    assert "<script" not in page and "http://" not in page and "https://" not in page
    assert ">A1<" not in page and ">B3<" not in page


def test_estimands_stand_side_by_side_and_equal_their_tables(tiny):
    estimands = pd.read_csv(tiny / "tables/estimands.csv")
    assert list(estimands["estimand"].drop_duplicates()) == [
        "if_continued",
        "during_therapy",
        "among_improved",
        "at_termination",
    ]
    rows = estimands.set_index(["estimand", "stratum", "measure"])
    improved = pd.read_csv(tiny / "tables/improved_by_session.csv")
    for row in improved.itertuples():
        got = rows.loc[("if_continued", row.stratum, f"improved_by_{row.session}"), "value"]
        np.testing.assert_allclose(got, row.improved, equal_nan=True)
    medians = pd.read_csv(tiny / "tables/median_sessions.csv").set_index("stratum")
    assert rows.loc[("if_continued", "all", "median"), "value"] == medians.loc["all", "median"]
    # what happened during therapy never exceeds what would have happened had it continued
    during = rows.loc["during_therapy"]["value"]
    for (stratum, measure), value in during.items():
        if measure.startswith("improved_by_") and np.isfinite(value):
            assert value <= rows.loc[("if_continued", stratum, measure), "value"] + 1e-12
    tests = pd.read_csv(tiny / "tables/competing_risks_tests.csv")
    assert set(zip(tests["test"], tests["outcome"], strict=True)) == {
        ("gray", "improved"),
        ("gray", "ended_without_improvement"),
        ("fine_gray", "improved"),
        ("fine_gray", "ended_without_improvement"),
    }
    page = (tiny / "report.html").read_text()
    assert "<code>during_therapy</code>" in page and "<code>at_termination</code>" in page


def test_ending_sensitivity_sets_adjusted_estimates_beside_the_plain_ones(clinics):
    folder = clinics / "results/brief"
    table = pd.read_csv(folder / "tables/ending_sensitivity.csv")
    assert set(table["method"]) == {"km", "ipcw", "best_case", "worst_case"}
    improved = pd.read_csv(folder / "tables/improved_by_session.csv")
    km = table[(table["method"] == "km") & (table["measure"] == "improved")]
    merged = km.merge(improved, on=["stratum", "session"], suffixes=("", "_table"))
    assert len(merged) == len(improved)
    np.testing.assert_allclose(merged["improved"], merged["improved_table"], equal_nan=True)
    ipcw = table[(table["method"] == "ipcw") & table["improved"].notna()]
    assert ipcw["note"].str.contains("bootstrap replicates").all()
    tipping = pd.read_csv(folder / "tables/ending_tipping_point.csv")
    assert len(tipping) and (tipping["delta"].notna().all() or tipping["note"].notna().all())
    page = (folder / "report.html").read_text()
    assert "How much this depends on why clients stop" in page
    # therapists are known in simulated data: the cluster bootstrap sets its intervals beside
    # Greenwood's, around the same estimates
    cluster = pd.read_csv(folder / "tables/cluster_bootstrap.csv")
    rows = cluster[(cluster["measure"] == "improved") & cluster["estimate"].notna()]
    merged = rows.merge(improved, on=["stratum", "session"])
    np.testing.assert_allclose(merged["estimate"], merged["improved"], atol=1e-12)
    assert (merged["bootstrap_lower"] <= merged["estimate"] + 1e-12).all()
    assert "Allowing for therapists" in page
    tiny = pd.read_csv(clinics / "results/clinic-core/tables/cluster_bootstrap.csv")
    assert tiny["note"].iloc[0].startswith("not estimable")


def test_change_models_review_points_and_their_report_sections(clinics):
    """brief (60 simulated clients, therapists known): the growth models, the GEL test,
    therapist effects and review points reach their tables and the report says each in
    words; the tiny clinic (8 clients) says why the growth models are not estimable."""
    folder = clinics / "results/brief"
    models = pd.read_csv(folder / "tables/growth_models.csv")
    assert set(models["model"]) == {"linear", "log"}
    fixed = models.loc[models["term"].isin(["intercept", "time"])]
    assert fixed["std_error"].gt(0).all() and (fixed["ci_lower"] < fixed["ci_upper"]).all()
    assert models.groupby("model")["aic"].nunique().eq(1).all()  # one AIC per model
    gel = pd.read_csv(folder / "tables/gel_test.csv").set_index("band")
    assert {"interaction", "trend"} <= set(gel.index)
    recovery = pd.read_csv(folder / "tables/recovery_by_length.csv")
    events = pd.read_parquet(folder / "events.parquet")
    assert (
        recovery["n_clients"].sum()
        == (events["eligible"] & (events["sessions_attended"] >= 1)).sum()
    )
    points = pd.read_csv(folder / "tables/review_points.csv")
    assert set(points["method"]) == {"km", "ipcw"}
    estimates = pd.read_csv(folder / "tables/therapist_estimates.csv")
    assert estimates["therapist"].str.startswith("therapist ").all()  # ranks, not ids
    page = (folder / "report.html").read_text()
    for anchor in ("id='gel'", "id='therapists'", "id='review-points'"):
        assert anchor in page
    assert "Both a dose effect and a good-enough level can hold in one service" in page
    assert "For a client not improved by session" in page
    tiny = (clinics / "results/clinic-core/report.html").read_text()
    assert "The good-enough-level test was not run: not estimable: fewer than 10" in tiny


def test_primary_estimand_leads_the_answer_and_reruns_only_the_report(clinics):
    path = clinics / "config/config.yaml"
    original = path.read_text()
    config = yaml.safe_load(original)
    config.setdefault("analysis", {})["primary_estimand"] = "at_termination"
    path.write_text(yaml.safe_dump(config))
    try:
        dry = snakemake(clinics, "-n", "results/clinic-core/report.html")
    finally:
        path.write_text(original)
    out = dry.stdout + dry.stderr
    assert "rule report" in out
    for rule in ("survival", "estimands", "compare_strata", "figure", "events"):
        assert f"rule {rule}:" not in out, rule


def test_figure_is_written_as_png_and_pdf(tiny):
    png = (tiny / "figures/improvement_by_severity.png").read_bytes()
    pdf = (tiny / "figures/improvement_by_severity.pdf").read_bytes()
    assert png.startswith(b"\x89PNG") and pdf.startswith(b"%PDF")
    width = int.from_bytes(png[16:20], "big")  # IHDR: 180 mm (figures.width: double) at 300 dpi
    assert width == int(180 / 25.4 * 300)
    assert b"CreationDate" not in pdf  # no timestamp, so reruns are byte-identical


def test_rerun_does_nothing_and_a_change_reruns_only_its_data_set(clinics):
    again = snakemake(clinics, "-n", *CLINICS_TARGETS)
    assert "Nothing to be done" in again.stdout + again.stderr
    path = clinics / "config/config.yaml"
    original = path.read_text()
    config = yaml.safe_load(original)
    config["datasets"]["defs"]["severity"] = {"bands": [{"name": "any", "from": 10}]}
    path.write_text(yaml.safe_dump(config))
    try:
        dry = snakemake(clinics, "-n", *CLINICS_TARGETS)
    finally:
        path.write_text(original)
    out = dry.stdout + dry.stderr
    assert "dataset=defs" in out and "dataset=clinic-core" not in out
    assert "dataset=messy" not in out and "dataset=sim_a" not in out
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


def test_simulated_run_counts_every_client_and_its_median_is_the_km_median(clinics):
    out = clinics / "results/sim_a"
    events = pd.read_parquet(out / "events.parquet")
    flow = pd.read_csv(out / "flow.csv")
    assert flow.loc[flow["status"] == "read", "n"].item() == 120 == len(events)
    assert flow.loc[flow["status"] != "read", "n"].sum() == 120
    medians = pd.read_csv(out / "tables/median_sessions.csv").set_index("stratum")
    eligible = events[events["eligible"]]
    curve = kaplan_meier(eligible["time"].to_numpy(), eligible["event"].to_numpy())
    assert medians.loc["all", "median"] == km_quantile(curve, 0.5)[0]
    assert medians.loc["all", "events"] == eligible["event"].sum()
    assert 10 < medians.loc["all", "median"] < 150


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
    # the curve by arm: its own risk table and log-rank test, in the report
    risk = pd.read_csv(definitions_run / "figures/improvement_by_group_arm_risk_table.csv")
    at_zero = risk[risk["session"] == 0].set_index("stratum")["at_risk"]
    assert at_zero.to_dict() == {
        "x": 4,
        "y": groups.loc[("arm", "y"), "n"],
        "all": 4 + at_zero["y"],
    }
    test = pd.read_csv(definitions_run / "figures/improvement_by_group_arm_logrank.csv")
    assert len(test) == 1 and test["df"].iloc[0] == 1
    assert (
        "id='figure-improvement_by_group_arm'" in report and "Time to improvement by arm" in report
    )


def test_comparison_sets_every_data_set_side_by_side(several_run):
    table = pd.read_csv(several_run / "comparison/medians.csv").set_index("dataset")
    assert list(table.index) == [
        "clinic-core",
        "clinic-phq",
        "defs",
        "messy",
        "sim_a",
        "sim_b",
        "both",
        "brief",
        "defs_split",
    ]
    for name in table.index:
        own = pd.read_csv(several_run / name / "tables/median_sessions.csv").set_index("stratum")
        assert table.loc[name, "n"] == own.loc["all", "n"]
        assert table.loc[name, "median"] == pytest.approx(own.loc["all", "median"], nan_ok=True)
    assert table.loc["clinic-core", "median"] == 5  # the tiny clinic, as in the R check above
    assert (several_run / "comparison/overall_curves.png").read_bytes()[:4] == b"\x89PNG"


def test_pooled_data_set_keeps_every_client_and_its_source(several_run):
    flow = pd.read_csv(several_run / "both/flow.csv")
    assert flow.loc[flow["status"] == "read", "n"].item() == 120 + 70
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
    assert "Instrument: CORE-OM" in core
    phq = pd.read_csv(several_run / "clinic-phq/tables/reliable_change.csv").iloc[0]
    assert phq["reliable_change_points"] == 6  # PHQ-9's constants, not CORE-OM's 5
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


def test_messy_file_accounts_for_every_client(clinics):
    """One client per recoverable problem (conftest.MESSY); every one ends up in flow.csv."""
    out = clinics / "results/messy"
    flow = pd.read_csv(out / "flow.csv")
    n = dict(zip(flow["reason"], flow["n"], strict=True))
    assert flow.loc[flow["status"] == "read", "n"].item() == 7
    assert flow.loc[flow["status"] != "read", "n"].sum() == 7
    assert n["no score recorded"] == 1  # blank
    assert n["no scored assessment after the baseline"] == 1  # single
    assert n["not clinical at intake (baseline on the functional side of the cutoff)"] == 1
    assert flow.loc[flow["status"] == "analysed", "n"].item() == 4  # ok, dup, gap, late
    checks = pd.read_csv(out / "data_checks.csv").set_index("check")["n"]
    assert checks["rows read"] == 16 and checks["clients read"] == 7
    assert checks["exact duplicate rows"] == 1
    assert checks["rows with a missing score"] == 3
    assert checks["clients without an intake score"] == 1  # late ('blank' has no score at all)
    events = pd.read_parquet(out / "events.parquet").set_index("client")
    assert events.loc["late", ["baseline", "time", "event"]].tolist() == [18, 5, 1]


def test_unreadable_file_is_named(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data/clinic.xlsx").write_text("this is not a workbook")
    write_config(tmp_path, {"clinic": clinic(path="data/clinic.xlsx")})
    result = snakemake(tmp_path)
    assert result.returncode != 0
    assert "data/clinic.xlsx: cannot be read as excel" in result.stderr + result.stdout
    assert not (tmp_path / "results/clinic/sessions.parquet").exists()


def test_min_cell_suppresses_small_counts_everywhere(suppressed):
    out = suppressed
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


def test_every_output_is_registered_and_every_registered_output_is_written(clinics):
    """dosecurve.outputs lists exactly what a data set of each kind gets (figures aside: the
    figure catalogue lists those)."""
    from dosecurve.figures.catalog import FIGURES
    from dosecurve.outputs import OUTPUTS, paper_tables

    for name, kind in {"clinic-core": "file", "brief": "simulated", "both": "pooled"}.items():
        folder = clinics / "results" / name
        written = {
            str(p.relative_to(folder))
            for p in folder.rglob("*")
            if p.is_file() and p.relative_to(folder).parts[0] not in ("logs", "figures")
        }
        expected = {o.path for o in OUTPUTS if o.only in (None, kind)}
        expected |= {f"tables/paper/{t}.{ext}" for t in paper_tables() for ext in ("md", "tex")}
        assert written == expected, (name, written ^ expected)
        # each is written by the step the registry names (each step logs to logs/<rule>.log)
        rules = {o.rule for o in OUTPUTS if o.only in (None, kind)}
        assert all((folder / "logs" / f"{rule}.log").exists() for rule in rules), name
        drawn = {p.stem for p in (folder / "figures").glob("*.png")}
        assert drawn == set(FIGURES), name


def test_the_report_reads_every_table_the_registry_gives_it():
    import dataclasses

    from dosecurve.outputs import OUTPUTS
    from dosecurve.report.page import FIGURE_DATA, ReportTables

    fields = {f.name for f in dataclasses.fields(ReportTables)}
    assert fields - set(FIGURE_DATA) == {o.key for o in OUTPUTS if o.report}
