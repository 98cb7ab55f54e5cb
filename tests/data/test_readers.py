"""Every file format and layout: import a small file and assert the long table."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from dosecurve.data.layouts import Layout
from dosecurve.data.readers import file_format, read_table
from dosecurve.data.sessions import validate_sessions
from dosecurve.measures.instruments import PRESETS

LONG = pd.DataFrame(
    {
        "id": [1, 1, 1, 2, 2],
        "visit": [0, 1, 2, 0, 3],
        "core": [20.0, 15.5, 9.0, 25.0, 24.0],
        "sex": [1, 1, 1, 2, 2],
    }
)
COLUMNS = {"client": "id", "session": "visit", "score": "core", "covariates": ["sex"]}
EXPECTED = {
    "client": ["1", "1", "1", "2", "2"],
    "session": [0, 1, 2, 0, 3],
    "score": [20.0, 15.5, 9.0, 25.0, 24.0],
}


def long_table(raw, columns=COLUMNS, layout=None, **kw):
    table, summary = validate_sessions(
        raw, columns=columns, instrument=PRESETS["core-om"], source="f", layout=layout, **kw
    )
    return table, summary


def assert_expected(table):
    assert table[["client", "session", "score"]].to_dict("list") == EXPECTED


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("data.csv", {}),
        ("data.txt", {"delimiter": ";"}),
        ("data.tsv", {}),
        ("data.csv", {"delimiter": "|"}),
    ],
)
def test_delimited_files(tmp_path, name, options):
    sep = options.get("delimiter", "\t" if name.endswith(".tsv") else ",")
    path = tmp_path / name
    LONG.to_csv(path, sep=sep, index=False)
    table, _ = long_table(read_table(str(path), **options))
    assert_expected(table)
    if name == "data.txt":  # sniffed when the delimiter is not given
        assert_expected(long_table(read_table(str(path)))[0])


def test_latin1_on_request(tmp_path):
    path = tmp_path / "latin.csv"
    frame = LONG.assign(therapist=["Åse", "Åse", "Åse", "Bjørn", "Bjørn"])
    frame.to_csv(path, index=False, encoding="latin-1")
    with pytest.raises(ValueError, match=r"is not valid utf-8 text; .* set encoding: latin-1"):
        read_table(str(path))
    table, _ = long_table(
        read_table(str(path), encoding="latin-1"), columns={**COLUMNS, "therapist": "therapist"}
    )
    assert table["therapist"].tolist()[-1] == "Bjørn"


def test_parquet(tmp_path):
    path = tmp_path / "data.parquet"
    LONG.to_parquet(path)
    assert_expected(long_table(read_table(str(path)))[0])


def test_excel_named_sheet(tmp_path):
    path = tmp_path / "data.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(writer, sheet_name="about", index=False)
        LONG.to_excel(writer, sheet_name="scores", index=False)
    assert_expected(long_table(read_table(str(path), sheet="scores"))[0])
    with pytest.raises(ValueError, match="set sheet: to one of the workbook's sheets"):
        read_table(str(path), sheet="nope")


@pytest.mark.parametrize("ext", ["sav", "dta"])
def test_spss_and_stata_keep_value_labels(tmp_path, ext):
    path = str(tmp_path / f"data.{ext}")
    labels = {"sex": {1: "female", 2: "male"}, "core": {0: "none"}}
    writer = pyreadstat.write_sav if ext == "sav" else pyreadstat.write_dta
    writer(LONG, path, variable_value_labels=labels)
    raw = read_table(path, label_columns=["sex"])
    table, _ = long_table(raw)
    assert_expected(table)  # the score's value label is not applied
    assert table["sex"].tolist() == ["female"] * 3 + ["male"] * 2


def test_format_from_extension_or_override():
    assert file_format("x.SAV") == "sav" and file_format("x.dat", "csv") == "csv"
    with pytest.raises(ValueError, match="set format: to one of"):
        file_format("x.dat")


def test_wide_layout():
    wide = pd.DataFrame(
        {
            "id": [1, 2],
            "sex": [1, 2],
            "core_0": [20, 25],
            "core_1": [15.5, None],
            "core_2": [9, None],
            "core_3": [None, 24],
        }
    )
    layout = Layout(layout="wide", wide_pattern=r"core_(\d+)")
    table, summary = long_table(wide, {"client": "id", "covariates": ["sex"]}, layout)
    assert table[["client", "session", "score"]].to_dict("list") == EXPECTED
    assert summary.rows_missing_score == 0  # an empty cell is no assessment, not a session
    assert table.groupby("client", observed=True)["session"].max().to_dict() == {"1": 2, "2": 3}
    with pytest.raises(ValueError, match="exactly one group"):
        long_table(wide, {"client": "id"}, Layout(layout="wide", wide_pattern="core_.*"))
    with pytest.raises(ValueError, match="no column matches wide_pattern"):
        long_table(wide, {"client": "id"}, Layout(layout="wide", wide_pattern=r"phq_(\d+)"))


def test_dates_give_the_dose():
    raw = pd.DataFrame(
        {
            "id": [1, 1, 1, 2, 2, 2, 2],
            "when": [
                "2024-01-10",
                "2024-01-03",
                "2024-01-17",
                "2024-02-01",
                "2024-02-08",
                "2024-02-15",
                "2024-02-22",
            ],
            "core": [15.5, 20, 9, 25, None, None, 24],
        }
    )
    cols = {"client": "id", "date": "when", "score": "core"}
    table, _ = long_table(raw, cols, Layout(session_from="date"))
    assert table.dropna()[["client", "session", "score"]].to_dict("list") == EXPECTED
    first = long_table(raw, cols, Layout(session_from="date", intake="first_session"))[0]
    assert first["session"].tolist()[:3] == [1, 2, 3]
    bad = raw.assign(when=raw["when"].where(raw.index != 2, "soon"))
    with pytest.raises(
        ValueError, match=r"'when' \(date\) has missing or unreadable dates in data rows 3"
    ):
        long_table(bad, cols, Layout(session_from="date"))


def test_appointments_with_attended_flag():
    raw = pd.DataFrame(
        {
            "id": [1, 1, 1, 1, 2, 2, 2, 2, 2],
            "when": pd.to_datetime(
                [
                    "2024-01-03",
                    "2024-01-10",
                    "2024-01-17",
                    "2024-01-24",
                    "2024-02-01",
                    "2024-02-08",
                    "2024-02-15",
                    "2024-02-22",
                    "2024-03-01",
                ]
            ),
            "came": ["yes", "yes", "DNA", "yes", "1", "1", "0", "1", "1"],
            "core": [20, 15.5, 12, 9, 25, None, 30, None, 24],
        }
    )
    cols = {"client": "id", "date": "when", "attended": "came", "score": "core"}
    table, summary = long_table(raw, cols, Layout(session_from="appointments"))
    # client 1: the score at the missed appointment (12) is dropped, and the missed
    # appointment adds no dose; client 2: sessions 0, 1, (missed), 2, 3
    assert table.dropna()[["client", "session", "score"]].to_dict("list") == EXPECTED
    assert summary.missed_assessments_dropped == 2
    assert table.groupby("client", observed=True)["session"].max().tolist() == [2, 3]
    with pytest.raises(ValueError, match=r"'came' \(attended\) has values 'maybe'"):
        long_table(raw.assign(came="maybe"), cols, Layout(session_from="appointments"))


def test_missing_layout_columns_are_named():
    with pytest.raises(
        ValueError, match=r"columns.date must be mapped for layout long with session_from date"
    ):
        long_table(LONG, {"client": "id", "score": "core"}, Layout(session_from="date"))


def test_data_checks_count_recoverable_problems():
    raw = pd.DataFrame(
        {
            "id": [1, 1, 1, 2, 2, 3],
            "visit": [0, 1, 1, 0, 2, 1],
            "core": [20, 15, 15, np.nan, 12, 18],
        }
    )
    columns = {"client": "id", "session": "visit", "score": "core"}
    with pytest.raises(ValueError, match="2 of 3 clients with a score have none at session 0"):
        long_table(raw, columns)  # most clients lacking an intake: the numbering is in doubt
    _, summary = long_table(raw, columns, Layout(intake="first_scored"))
    checks = summary.checks().set_index("check")["n"]
    assert checks["rows read"] == 6 and checks["clients read"] == 3
    assert checks["exact duplicate rows"] == 1
    assert checks["rows with a missing score"] == 1
    assert checks["clients without an intake score"] == 2  # client 2 (missing), 3 (no session 0)


def test_ids_keep_leading_zeros(tmp_path):
    path = tmp_path / "ids.csv"
    path.write_text("id,visit,core\n007,0,20\n007,1,9\n")
    table, _ = long_table(
        read_table(str(path), text_columns=["id"]),
        {"client": "id", "session": "visit", "score": "core"},
    )
    assert table["client"].tolist() == ["007", "007"]


def test_parquet_text_ids_are_read_as_codes(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from dosecurve.data.readers import read_parquet

    path = str(tmp_path / "export.parquet")  # plain text, as another program writes it
    pq.write_table(pa.table({"id": ["007", "8", "007"], "arm": ["a", "b", "a"]}), path)
    table = read_parquet(path, ["id", "absent"])
    assert isinstance(table["id"].dtype, pd.CategoricalDtype)
    assert table["id"].astype(str).tolist() == ["007", "8", "007"]
    assert table["arm"].dtype == object  # not an id: left as text


def wide_file(**columns) -> pd.DataFrame:
    return pd.DataFrame({"id": ["a", "b", "c"], **columns})


def test_wide_columns_map_occasions_to_sessions():
    raw = wide_file(**{"bdi.pre": [30, 25, 28], "bdi.2m": [20, None, 18], "bdi.4m": [9, 12, None]})
    layout = Layout(layout="wide", wide_columns=(("bdi.pre", 0), ("bdi.2m", 2), ("bdi.4m", 4)))
    table, _ = long_table(raw, {"client": "id"}, layout)
    assert table.groupby("client", observed=True)["session"].apply(list).to_dict() == {
        "a": [0, 2, 4],
        "b": [0, 4],
        "c": [0, 2],
    }


def test_an_intake_column_the_pattern_misses_stops_the_run():
    raw = wide_file(pre=[30, 25, 28], score_2=[20, 22, 18], score_4=[9, 12, 15])
    layout = Layout(layout="wide", wide_pattern=r"score_(\d+)")
    with pytest.raises(ValueError, match=r"3 of 3 clients have no score at session 0.*\['pre'\]"):
        long_table(raw, {"client": "id"}, layout)
    allowed = Layout(layout="wide", wide_pattern=r"score_(\d+)", intake="first_scored")
    table, summary = long_table(raw, {"client": "id"}, allowed)
    assert table["session"].min() == 2 and summary.clients_without_intake_score == 3


def test_a_pattern_whose_group_captures_nothing_is_named():
    raw = wide_file(core_=[30, 25, 28], core_0=[20, 22, 18])
    with pytest.raises(ValueError, match=r"matches columns \['core_'\] but its group captures"):
        long_table(raw, {"client": "id"}, Layout(layout="wide", wide_pattern=r"core_(\d+)?"))


def test_sessions_attended_come_from_their_column_in_a_wide_file():
    raw = wide_file(score_0=[30, 25, 28], score_4=[20, 22, None], n_sessions=[12, 4, 7])
    layout = Layout(layout="wide")
    table, _ = long_table(raw, {"client": "id", "sessions_attended": "n_sessions"}, layout)
    last = table.groupby("client", observed=True)["session"].max().to_dict()
    assert last == {"a": 12, "b": 4, "c": 7}  # not the last column's 4
    short = wide_file(score_0=[30, 25, 28], score_4=[20, 22, 9], n_sessions=[12, 3, 7])
    with pytest.raises(ValueError, match="below the session of a scored occasion on file lines 3"):
        long_table(short, {"client": "id", "sessions_attended": "n_sessions"}, layout)


def test_errors_in_a_wide_file_name_its_lines():
    raw = wide_file(score_0=[30, 25, 28], score_4=[20, 52, 9])
    with pytest.raises(ValueError, match="range 0-40 in file lines 3"):
        long_table(raw, {"client": "id"}, Layout(layout="wide"))


def test_a_path_that_is_not_a_file_is_named_for_what_it_is(tmp_path):
    import os

    from dosecurve.data.readers import check_input_path

    with pytest.raises(ValueError, match="is a directory"):
        check_input_path(str(tmp_path))
    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"is a named pipe \(FIFO\)"):
        check_input_path(str(fifo))
    with pytest.raises(ValueError, match="file not found"):
        check_input_path(str(tmp_path / "nope.csv"))


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"\xd0\xcf\x11\xe0" + bytes(60), "an Excel 97-2003"),
        (b"PAR1" + bytes(60), "a Parquet file"),
        (b"$FL2" + bytes(60), "an SPSS"),
    ],
)
def test_other_containers_named_as_csv_are_named(tmp_path, content, what):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=re.escape(what)):
        read_table(str(path))


def test_utf16_with_its_encoding_given_is_read(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes("id,session,score\na,0,20\n".encode("utf-16"))
    assert read_table(str(path), encoding="utf-16").shape == (1, 3)


def test_ids_in_another_unicode_form_are_one_client_and_blank_therapists_unknown():
    composed, decomposed = "Jos\u00e9", "Jose\u0301"  # the same name, NFC and NFD
    raw = pd.DataFrame(
        {
            "id": [composed, decomposed, "b ", "b"],
            "visit": [0, 1, 0, 2],
            "core": [20, 8, 25, 9],
            "th": ["t1", "", None, "t2"],
        }
    )
    columns = {"client": "id", "session": "visit", "score": "core", "therapist": "th"}
    table, summary = long_table(raw, columns)
    assert table["client"].tolist() == ["José", "José", "b", "b"]
    assert table["therapist"].isna().tolist() == [False, True, True, False]
    checks = summary.checks().set_index("check")["n"]
    assert checks["ids with surrounding spaces or another Unicode form"] == 2
    assert checks["rows without a therapist"] == 2
