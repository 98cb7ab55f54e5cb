"""Reading and validating the long session table: clear errors, counted decisions."""

from __future__ import annotations

import pandas as pd
import pytest

from dosecurve.data.readers import read_table
from dosecurve.data.sessions import validate_sessions
from dosecurve.measures.instruments import PRESETS

COLUMNS = {"client": "id", "session": "visit", "score": "core"}


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)


def read(text: str, **options) -> pd.DataFrame:
    with open("clinic.csv", "w", encoding="utf-8") as fh:
        fh.write(text)
    return read_table("clinic.csv", **options)


def validate(text: str, columns=COLUMNS, **options):
    raw = read(text, **options)
    return validate_sessions(
        raw, columns=columns, instrument=PRESETS["core-om"], source="clinic.csv"
    )


def test_valid_table_is_typed_sorted_and_summarised():
    table, summary = validate("id,visit,core\n2,1,12\n1,0,20\n1,1,\n2,0,18\n2,0,18\n")
    assert table.to_dict("list") == {
        "client": ["1", "1", "2", "2"],
        "session": [0, 1, 0, 1],
        "score": pytest.approx([20.0, float("nan"), 18.0, 12.0], nan_ok=True),
    }
    assert (summary.rows_read, summary.clients_read) == (5, 2)
    assert (summary.duplicate_rows_dropped, summary.rows_missing_score) == (1, 1)


def test_utf8_bom_is_read():
    raw = read("\ufeffid,visit,core\n1,0,20\n")
    assert list(raw.columns) == ["id", "visit", "core"]


def test_missing_column_names_the_column_and_the_fix():
    with pytest.raises(
        ValueError, match=r"clinic.csv: mapped column\(s\) not found: score -> 'core'"
    ):
        validate("id,visit,CORE\n1,0,20\n")


def test_text_in_score_column():
    with pytest.raises(
        ValueError, match=r"'core' \(score\) has non-numeric values \('n/k'\) in data rows 2"
    ):
        validate("id,visit,core\n1,0,20\n1,1,n/k\n")


def test_scores_out_of_range_name_rows_and_clients():
    with pytest.raises(
        ValueError, match=r"outside CORE-OM's range 0-40 in data rows 2 \(clients 7\)"
    ):
        validate("id,visit,core\n7,0,20\n7,1,41\n")


@pytest.mark.parametrize("session", ["-1", "1.5"])
def test_negative_or_fractional_sessions(session):
    with pytest.raises(
        ValueError, match=r"'visit' \(session\) has negative or fractional values in data rows 2"
    ):
        validate(f"id,visit,core\n1,0,20\n1,{session},12\n")


def test_conflicting_duplicates():
    with pytest.raises(
        ValueError,
        match=r"same client and session appear with different values \(clients 1; data rows 2, 3\)",
    ):
        validate("id,visit,core\n1,0,20\n1,1,12\n1,1,13\n")


def test_empty_file():
    with pytest.raises(ValueError, match=r"clinic.csv: the file is empty"):
        validate("")


def test_header_only():
    with pytest.raises(ValueError, match=r"clinic.csv: the table has no rows"):
        validate("id,visit,core\n")


def test_wrong_delimiter_is_named():
    with pytest.raises(ValueError, match="seems to use ';' as delimiter"):
        validate("id;visit;core\n1;0;20\n", delimiter=",")
    table, _ = validate("id;visit;core\n1;0;20\n")  # sniffed when not given
    assert table["score"].tolist() == [20]


def test_missing_client_id():
    with pytest.raises(ValueError, match=r"column 'id' is empty in data rows 2"):
        validate("id,visit,core\n1,0,20\n,1,12\n")


def test_therapist_column_is_carried():
    table, _ = validate("id,visit,core,th\n1,0,20,T9\n", columns={**COLUMNS, "therapist": "th"})
    assert table["therapist"].tolist() == ["T9"]


def test_end_reasons_are_mapped_and_unmapped_values_named():
    text = "id,visit,core,end\n1,0,20,\n1,1,12,Completed\n2,0,20,\n2,1,18,DNA\n"
    cols = {**COLUMNS, "end_reason": "end"}
    raw = read(text)
    table, _ = validate_sessions(
        raw,
        columns=cols,
        instrument=PRESETS["core-om"],
        source="clinic.csv",
        end_reasons={"planned": ["completed"], "dropout": ["DNA"]},
    )
    assert table["end_reason"].tolist() == ["unknown", "planned", "unknown", "dropout"]
    with pytest.raises(ValueError, match=r"end reason value\(s\) 'DNA' are not mapped"):
        validate_sessions(
            raw,
            columns=cols,
            instrument=PRESETS["core-om"],
            source="clinic.csv",
            end_reasons={"planned": ["completed"]},
        )


def test_second_outcome_and_covariates_are_checked_and_carried():
    text = "id,visit,core,gad,arm\n1,0,20,15,cbt\n1,1,12,22,cbt\n"
    raw = read(text)
    cols = {**COLUMNS, "score_2": "gad", "covariates": ["arm"]}
    with pytest.raises(ValueError, match=r"'gad' \(score_2\) has 1 value\(s\) outside GAD-7's"):
        validate_sessions(
            raw,
            columns=cols,
            instrument=PRESETS["core-om"],
            source="clinic.csv",
            second_instrument=PRESETS["gad-7"],
        )
    raw.loc[1, "gad"] = 9
    table, _ = validate_sessions(
        raw,
        columns=cols,
        instrument=PRESETS["core-om"],
        source="clinic.csv",
        second_instrument=PRESETS["gad-7"],
    )
    assert table["score_2"].tolist() == [15, 9] and table["arm"].tolist() == ["cbt", "cbt"]


def test_id_codes_sort_as_text_and_find_repeated_keys():
    from dosecurve.data.idcodes import per_distinct, sorted_keys, text_order

    ids = pd.Series(pd.Categorical(["b10", "a", "b2", "a"], categories=["b10", "a", "b2"]))
    assert text_order(ids).tolist() == [1, 0, 2, 0]  # a < b10 < b2, as text
    frame = pd.DataFrame({"client": ids, "session": [0, 1, 0, 0]})
    order, repeated = sorted_keys(frame)
    assert order.tolist() == [3, 1, 0, 2] and not repeated
    _, repeated = sorted_keys(frame.assign(session=[0, 0, 0, 0]))
    assert repeated
    in_order = frame.iloc[[3, 1, 0, 2]]
    assert sorted_keys(in_order) == (None, False)  # already sorted: no sort at all
    order, repeated = sorted_keys(in_order.assign(session=[1, 1, 0, 0]))  # a repeats
    assert order.tolist() == [0, 1, 2, 3] and repeated
    mapped = per_distinct(pd.Series([" X", "x", None]), lambda u: u.str.strip().str.lower())
    assert mapped.astype(object).tolist()[:2] == ["x", "x"] and pd.isna(mapped.iloc[2])
    as_read = pd.Series(pd.Categorical([" X", "x", None, "y"]))  # as Parquet text is read
    mapped = per_distinct(as_read, lambda u: u.str.strip().str.lower(), missing="nan")
    assert mapped.astype(object).tolist() == ["x", "x", "nan", "y"]
    same = per_distinct(as_read, lambda u: u)  # nothing changes: the codes are reused
    assert same.astype(object).tolist()[:2] == [" X", "x"] and pd.isna(same.iloc[2])
