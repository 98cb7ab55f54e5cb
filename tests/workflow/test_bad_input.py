"""A catalogue of malformed inputs and configs, each ending the way a user needs.

Fatal data problems: a non-zero exit, a message naming the file, column, rows or config
key and the fix, and no result files of that data set. Analysable ones: a counted,
documented decision and a labelled "not estimable" instead of a made-up number.
All data cases run in one ``snakemake --keep-going`` invocation.
"""

from __future__ import annotations

import copy
import gzip
import hashlib
from pathlib import Path

import pandas as pd
import pytest
import yaml
from runs import snakemake

from dosecurve.config import check_config

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = yaml.safe_load((ROOT / "workflow/schemas/config.schema.yaml").read_text())
COLS = {"client": "id", "session": "session_no", "score": "core_om"}
GOOD = "id,session_no,core_om\nA,0,20\nA,1,9\nB,0,25\nB,2,18\n"

# name: (file name, file content (str or bytes), extra dataset keys, expected message)
FATAL = {
    "wrong_delimiter": (
        "f.csv",
        GOOD.replace(",", ";"),
        {"delimiter": ","},
        "seems to use ';' as delimiter",
    ),
    "wrong_encoding": (
        "f.csv",
        GOOD.replace("A", "Å").encode("latin-1"),
        {},
        "is not valid utf-8 text; if it was saved by Excel or SPSS",
    ),
    "missing_column": (
        "f.csv",
        GOOD.replace("core_om", "core"),
        {},
        "mapped column(s) not found: score -> 'core_om'",
    ),
    "renamed_client": (
        "f.csv",
        GOOD.replace("id,", "ID,"),
        {},
        "mapped column(s) not found: client -> 'id'",
    ),
    "text_in_score": (
        "f.csv",
        GOOD.replace("A,1,9", "A,1,seven"),
        {},
        "'core_om' (score) has non-numeric values ('seven') in data rows 2",
    ),
    "score_out_of_range": (
        "f.csv",
        GOOD.replace("B,2,18", "B,2,48"),
        {},
        "outside CORE-OM's range 0-40 in data rows 4 (clients B)",
    ),
    "negative_session": (
        "f.csv",
        GOOD.replace("B,2,", "B,-2,"),
        {},
        "'session_no' (session) has negative or fractional values",
    ),
    "fractional_session": (
        "f.csv",
        GOOD.replace("B,2,", "B,1.5,"),
        {},
        "'session_no' (session) has negative or fractional values",
    ),
    "text_session": (
        "f.csv",
        GOOD.replace("B,2,", "B,two,"),
        {},
        "'session_no' (session) has missing, infinite or non-numeric values in data rows 4",
    ),
    "missing_session": (
        "f.csv",
        GOOD.replace("B,2,", "B,,"),
        {},
        "'session_no' (session) has missing, infinite or non-numeric values",
    ),
    "missing_client": (
        "f.csv",
        GOOD.replace("B,2,", ",2,"),
        {},
        "column 'id' is empty in data rows 4",
    ),
    "conflicting_duplicate": (
        "f.csv",
        GOOD + "A,1,12\n",
        {},
        "same client and session appear with different values (clients A",
    ),
    "empty_file": ("f.csv", "", {}, "the file is empty"),
    "header_only": ("f.csv", "id,session_no,core_om\n", {}, "the table has no rows"),
    "huge_single_line": (
        "f.csv",
        "id,session_no,core_om" + ",x" * 200_000,
        {},
        "the first 64 KB hold no line break",
    ),
    "huge_header": (
        "f.csv",
        "id,session_no,core_om" + ",x" * 9_000 + "\nA,0,20\n",
        {},
        "the header has 9003 fields",
    ),
    "bad_dates": (
        "f.csv",
        "id,when,core_om\nA,2024-01-01,20\nA,soon,9\n",
        {"session_from": "date", "columns": {"client": "id", "date": "when", "score": "core_om"}},
        "'when' (date) has missing or unreadable dates in data rows 2",
    ),
    "bad_attended": (
        "f.csv",
        "id,appt,came,core_om\nA,0,1,20\nA,1,maybe,9\n",
        {
            "session_from": "appointments",
            "columns": {"client": "id", "session": "appt", "attended": "came", "score": "core_om"},
        },
        "'came' (attended) has values 'maybe'",
    ),
    "unmapped_end_reason": (
        "f.csv",
        GOOD.replace("core_om\n", "core_om,end\n")
        .replace("\n", ",\n")
        .replace("end,\n", "end\n")
        .replace("\nA,0,20,", "\nA,0,20,moved away"),
        {"columns": {**COLS, "end_reason": "end"}},
        "end reason value(s) 'moved away' are not mapped",
    ),
    "not_a_workbook": ("f.xlsx", "just text", {}, "cannot be read as excel"),
    "wide_pattern_matches_nothing": (
        "f.csv",
        "id,phq_0,phq_1\nA,20,9\n",
        {"layout": "wide", "wide_pattern": r"core_(\d+)", "columns": {"client": "id"}},
        "no column matches wide_pattern",
    ),
    "second_outcome_out_of_range": (
        "f.csv",
        GOOD.replace("core_om\n", "core_om,gad\n")
        .replace("\n", ",\n")
        .replace("gad,\n", "gad\n")
        .replace("\nA,0,20,", "\nA,0,20,30"),
        {"columns": {**COLS, "score_2": "gad"}, "second_instrument": "gad-7"},
        "'gad' (score_2) has 1 value(s) outside GAD-7's range",
    ),
    # rows and columns that would be read shifted or doubled
    "trailing_delimiter": (
        "f.csv",
        GOOD.replace("\nA,0,20\nA,1,9\n", "\nA,0,20,\nA,1,9,\n"),
        {},
        "lines 2, 3 have 4 fields but the header has 3",
    ),
    "unlabelled_column": (
        "f.csv",
        GOOD.replace("B,2,18", "B,2,18,x"),
        {},
        "line 5 has 4 fields but the header has 3",
    ),
    "missing_field": (
        "f.csv",
        GOOD.replace("B,2,18", "B,18"),
        {},
        "line 5 has 2 fields but the header has 3",
    ),
    "duplicate_column": (
        "f.csv",
        "id,session_no,core_om,core_om\nA,0,20,20\nA,1,9,9\n",
        {},
        "names a column twice: 'core_om' (columns 3 and 4)",
    ),
    "boolean_score": (
        "f.csv",
        "id,session_no,core_om\nA,0,TRUE\nA,1,FALSE\n",
        {},
        "'core_om' (score) holds TRUE/FALSE values, not scores",
    ),
    "enormous_session": ("f.csv", GOOD.replace("B,2,", "B,1e19,"), {}, "above max_sessions (1000)"),
    "date_as_session": (
        "f.csv",
        GOOD.replace("B,2,", "B,20240301,"),
        {},
        "has values up to 20240301 in data rows 4, above max_sessions",
    ),
    "infinite_score": (
        "f.csv",
        GOOD.replace("A,1,9", "A,1,inf"),
        {},
        "'core_om' (score) has infinite values in data rows 2",
    ),
    "ambiguous_dates": (
        "f.csv",
        "id,when,core_om\nA,03/01/2024,20\nA,04/01/2024,9\n",
        {"session_from": "date", "columns": {"client": "id", "date": "when", "score": "core_om"}},
        "could be day first or month first. Set date_format: '%d/%m/%Y'",
    ),
    "gzip_as_csv": ("f.csv", gzip.compress(GOOD.encode(), mtime=0), {}, "is gzip-compressed data"),
    "workbook_as_csv": (
        "f.csv",
        b"PK\x03\x04" + bytes(60),
        {},
        "is a zip archive, such as an Excel .xlsx workbook",
    ),
    "utf16_as_csv": ("f.csv", GOOD.encode("utf-16"), {}, "is UTF-16 text"),
    "visits_from_one": (
        "f.csv",
        GOOD.replace(",0,", ",1,").replace("A,1,9", "A,2,9"),
        {},
        "2 of 2 clients with a score have none at session 0",
    ),
}

# name: (file content, extra keys) for data sets that are analysable with a decision
ANALYSABLE = {
    "only_intake": GOOD + "C,0,30\n",
    "all_censored": "id,session_no,core_om\nA,0,20\nA,1,19\nB,0,25\nB,2,24\n",
    "one_client": "id,session_no,core_om\nA,0,20\nA,3,8\n",
    "none_eligible": "id,session_no,core_om\nA,0,5\nA,1,3\nB,0,8\nB,2,2\n",
    "out_of_order": "id,session_no,core_om\nB,2,18\nA,1,9\nB,0,25\nA,0,20\n",
    "empty_stratum": GOOD,  # no client is 'severe'
    "padded_ids": GOOD.replace("\nA,1,9", "\nA\u00a0,1,9").replace("\nB,2,", "\n B ,2,"),
    "day_first_dates": "id,when,core_om\nA,03/01/2024,20\nA,13/01/2024,9\nB,01/02/2024,25\n"
    "B,20/02/2024,8\nB,05/03/2024,7\n",
}


def write(folder: Path, name: str, content: str | bytes) -> str:
    path = folder / "data" / name
    path.parent.mkdir(exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return f"data/{name}"


# What the tests below read of each analysable data set: the run makes just these (and the
# steps they need), so that the catalogue runs in seconds; test_every_analysable_data_set_...
# (heavy) then runs every step of every analysable data set in the same folder.
# One degenerate data set runs to its report here (none eligible); the reports of the others
# are read by the heavy test, which makes them.
READS = {
    "only_intake": ["flow.csv"],
    "all_censored": ["tables/median_sessions.csv", "tables/logrank.csv"],
    "one_client": ["tables/logrank.csv", "tables/median_sessions.csv"],
    "none_eligible": ["report.html"],
    "out_of_order": ["events.parquet"],
    "empty_stratum": ["events.parquet"],
    "padded_ids": ["events.parquet", "data_checks.csv"],
    "day_first_dates": ["events.parquet"],
}


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad")
    datasets = {}
    for name, (fname, content, extra, _) in FATAL.items():
        path = write(folder, f"{name}_{fname}", content)
        datasets[name] = {"path": path, "columns": COLS, **extra}
    for name, content in ANALYSABLE.items():
        datasets[name] = {"path": write(folder, f"{name}.csv", content), "columns": COLS}
    datasets["day_first_dates"].update(
        session_from="date", columns={"client": "id", "date": "when", "score": "core_om"}
    )
    (folder / "config").mkdir()
    (folder / "config/config.yaml").write_text(yaml.safe_dump({"datasets": datasets}))
    digests = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.glob("data/*")}
    targets = [f"results/{name}/sessions.parquet" for name in FATAL]
    targets += [f"results/{name}/{file}" for name, files in READS.items() for file in files]
    result = snakemake(folder, "--keep-going", *targets)
    return folder, result, digests


@pytest.mark.parametrize("name", list(FATAL))
def test_fatal_input_is_named_and_leaves_no_results(catalogue, name):
    folder, result, _ = catalogue
    assert result.returncode != 0
    expected = FATAL[name][3]
    assert expected in result.stderr, f"{name}: {expected!r} not in the error output"
    log = (folder / "results" / name / "logs" / "sessions.log").read_text()
    assert expected in log  # where Snakemake tells the user to look
    assert f"data/{name}_" in result.stderr  # the message names the file
    left = [p.name for p in (folder / "results" / name).glob("**/*") if "logs" not in p.parts]
    assert left == [], f"{name} left {left}"


def test_input_files_are_only_read(catalogue):
    _, _, digests = catalogue
    for path, digest in digests.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def table(folder: Path, name: str, file: str) -> pd.DataFrame:
    path = folder / "results" / name / file
    if file.endswith(".parquet"):
        return pd.read_parquet(path)
    return pd.read_csv(path, keep_default_na=False, na_values=[""])


def test_client_with_only_an_intake_is_counted(catalogue):
    flow = table(catalogue[0], "only_intake", "flow.csv").set_index("reason")["n"]
    assert flow["no scored assessment after the baseline"] == 1
    assert flow["clients in the input"] == 3 and flow["eligible and analysed"] == 2


def test_all_censored_gives_no_median_and_no_test(catalogue):
    medians = table(catalogue[0], "all_censored", "tables/median_sessions.csv")
    assert medians["median"].isna().all() and set(medians["note"]) == {"no events"}
    logrank = table(catalogue[0], "all_censored", "tables/logrank.csv")
    assert set(logrank["note"]) == {"not estimable: no events"}


def test_one_client_runs_and_labels_the_test(catalogue):
    logrank = table(catalogue[0], "one_client", "tables/logrank.csv")
    assert set(logrank["note"]) == {"not estimable: fewer than two strata"}
    medians = table(catalogue[0], "one_client", "tables/median_sessions.csv").set_index("stratum")
    assert medians.loc["all", "median"] == 3


def test_no_eligible_client_gives_a_labelled_report(catalogue):
    medians = table(catalogue[0], "none_eligible", "tables/median_sessions.csv")
    assert medians["note"].item() == "not estimable: no eligible clients (see flow.csv)"
    report = (catalogue[0] / "results/none_eligible/report.html").read_text()
    assert "was eligible for this analysis" in report


def test_rows_out_of_order_are_sorted(catalogue):
    ordered = table(catalogue[0], "empty_stratum", "events.parquet")
    shuffled = table(catalogue[0], "out_of_order", "events.parquet")
    pd.testing.assert_frame_equal(ordered, shuffled)


def test_ids_with_spaces_are_one_client_and_counted(catalogue):
    assert_frame = table(catalogue[0], "padded_ids", "events.parquet")
    assert sorted(assert_frame["client"]) == ["A", "B"]
    checks = table(catalogue[0], "padded_ids", "data_checks.csv").set_index("check")["n"]
    assert checks["ids with surrounding spaces or another Unicode form"] == 2


def test_day_first_dates_are_read_day_first(catalogue):
    # 13/01/2024 shows the file is day first: A's sessions are 3 Jan (intake) and 13 Jan
    sessions = table(catalogue[0], "day_first_dates", "sessions.parquet")
    assert sessions.groupby("client", observed=True)["session"].max().to_dict() == {"A": 1, "B": 2}
    events = table(catalogue[0], "day_first_dates", "events.parquet").set_index("client")
    assert events.loc["A", "time"] == 1 and events.loc["B", "time"] == 1


def test_the_run_went_on_for_every_analysable_data_set(catalogue):
    assert set(READS) == set(ANALYSABLE)
    for name, files in READS.items():
        for file in files:
            assert (catalogue[0] / "results" / name / file).exists(), (name, file)


@pytest.mark.heavy
def test_every_analysable_data_set_reaches_its_report(catalogue):
    """Every step of every analysable data set runs to the end, beside the fatal ones."""
    folder = catalogue[0]
    targets = [f"results/{name}/report.html" for name in ANALYSABLE]
    result = snakemake(folder, "--keep-going", *targets)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in ANALYSABLE:
        assert (folder / "results" / name / "report.html").exists(), name
    # what the degenerate reports say
    report = (folder / "results/all_censored/report.html").read_text()
    assert "not estimable: no events" in report
    report = (folder / "results/empty_stratum/report.html").read_text()
    assert "band(s) healthy, low, mild, moderate; they have no row" in report


# Config problems stop the run before anything is done; checked without running Snakemake.
BASE = {"datasets": {"x": {"simulate": {"n_clients": 20}}}}


def with_(path: str, value) -> dict:
    conf = copy.deepcopy(BASE)
    node = conf
    keys = path.split(".")
    for key in keys[:-1]:
        node = node.setdefault(key, {})
    node[keys[-1]] = value
    return conf


CONFIGS = {
    "misspelt_key": (
        with_("datasets.x.simulate.n_client", 3),
        "datasets.x.simulate.n_client not recognised",
    ),
    "misspelt_top_key": (with_("analyses", {}), "analyses not recognised"),
    "seed_not_integer": (
        with_("datasets.x.simulate.seed", 1.5),
        "datasets.x.simulate.seed: 1.5 is not of type 'integer'",
    ),
    "name_with_separator": (
        {"datasets": {"a/b": {"simulate": {}}}},
        "use letters, digits, '_' and '-' only",
    ),
    "name_with_dots": (
        {"datasets": {"..": {"simulate": {}}}},
        "use letters, digits, '_' and '-' only",
    ),
    "reserved_name": (
        {"datasets": {"comparison": {"simulate": {}}}},
        "the name 'comparison' is reserved",
    ),
    "unknown_instrument": (with_("datasets.x.instrument", "hads"), "'hads' is not one of core-om"),
    "cutoff_outside_range": (
        with_("datasets.x.instrument", {"preset": "phq-9", "cutoff": 30}),
        "cutoff 30 lies outside instrument.range [0, 27]",
    ),
    "negative_reliable_change": (
        with_("datasets.x.instrument", {"cutoff": 10, "reliable_change": -5, "range": [0, 40]}),
        "reliable_change",
    ),
    "overlapping_bands": (
        with_(
            "datasets.x.severity",
            {"bands": [{"name": "a", "from": 0, "to": 12}, {"name": "b", "from": 10}]},
        ),
        "overlaps band 'a'",
    ),
    "gap_in_bands": (
        with_(
            "datasets.x.severity",
            {"bands": [{"name": "a", "from": 0, "to": 9}, {"name": "b", "from": 10}]},
        ),
        "leaves a gap after band 'a'",
    ),
    "band_named_all": (
        with_("datasets.x.severity", {"bands": [{"name": "all", "from": 10}]}),
        "the name 'all' is reserved",
    ),
    "repeated_band_names": (
        with_(
            "datasets.x.severity",
            {"bands": [{"name": "a", "from": 0, "to": 9}, {"name": "a", "from": 9}]},
        ),
        "repeated names",
    ),
    "conf_level_above_one": (
        with_("analysis.conf_level", 1.5),
        "analysis.conf_level: 1.5 is greater than or equal to the maximum of 1",
    ),
    "negative_session_to_tabulate": (
        with_("analysis.improved_at", [-4]),
        "analysis.improved_at.0: -4 is less than the minimum of 0",
    ),
    "both_forms": (with_("datasets.x.path", "a.csv"), "give exactly one of 'simulate"),
    "unknown_simulator_parameter": (
        with_("datasets.x.simulate.speed", 2),
        "datasets.x.simulate.speed not recognised",
    ),
    "unknown_preset": (
        with_("datasets.x.simulate.preset", "nordmo2020"),
        "'nordmo2020' is not one of ['nordmo2021'",
    ),
    "pool_of_unknown": (
        {"datasets": {"x": {"simulate": {}}, "p": {"pool": ["x", "y"]}}},
        "datasets.p.pool: ['y'] are not data sets",
    ),
    "unknown_definition": (
        with_("datasets.x.events", {"definitions": [{"definition": "cure"}]}),
        "'cure' is not one of",
    ),
    "primary_not_listed": (
        with_("datasets.x.events", {"primary": "z", "definitions": [{"definition": "remission"}]}),
        "events.primary 'z' is not among",
    ),
    "prepost_unknown_group": (
        with_("datasets.x.prepost", {"group_by": ["sex"]}),
        "prepost.group_by ['sex'] are not available",
    ),
    "two_instruments_without_second": (
        with_("datasets.x.events", {"definitions": [{"definition": "recovery_two_instruments"}]}),
        "needs columns.score_2 and second_instrument",
    ),
    "outcome_name_collision": (
        {
            "datasets": {
                "c-phq": {"simulate": {}},
                "c": {
                    "path": "f.csv",
                    "columns": {"client": "id", "session": "s"},
                    "outcomes": [{"name": "phq", "column": "p", "instrument": "phq-9"}],
                },
            }
        },
        "'c-phq' is already a data set name",
    ),
}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_config_problem_names_the_key(name):
    conf, expected = CONFIGS[name]
    with pytest.raises(ValueError) as err:
        check_config(conf, SCHEMA)
    assert expected in str(err.value)


def test_catalogue_holds_at_least_thirty_cases():
    assert len(FATAL) + len(ANALYSABLE) + len(CONFIGS) >= 30
