"""Result files: written whole or not at all, read back typed; one log per step."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from dosecurve.results import read_frame, read_table, write_table


def test_an_error_reaches_the_log(tmp_path):
    log = tmp_path / "rule.log"
    code = (
        "from dosecurve.results import log, start_log; "
        f"start_log({str(log)!r}); log({str(log)!r}, '12 clients read'); "
        "raise ValueError('data/x.csv: column score missing')"
    )
    log.write_text("a previous run's log\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    # one log, begun empty: what the step said, then the error
    assert log.read_text() == "12 clients read\nValueError: data/x.csv: column score missing\n"
    assert "column score missing" in result.stderr


def test_parquet_intermediates_keep_ids_as_codes_in_one_row_group(tmp_path):
    import pyarrow.parquet as pq

    ids = pd.Categorical([f"c{i // 3}" for i in range(3000)])
    table = pd.DataFrame({"client": ids, "session": [i % 3 for i in range(3000)]})
    target = str(tmp_path / "sessions.parquet")
    write_table(table, target)
    meta = pq.ParquetFile(target)
    # one dictionary of ids for the whole file, not one per row group
    assert meta.metadata.num_row_groups == 1
    assert str(meta.schema_arrow.field("session").type) == "int32"
    back = read_frame(target, ["client"])
    assert isinstance(back["client"].dtype, pd.CategoricalDtype)
    assert back["client"].astype(str).tolist() == ids.astype(str).tolist()


def test_result_tables_keep_names_as_text_and_only_empty_cells_missing(tmp_path):
    target = tmp_path / "medians.csv"
    target.write_text("stratum,median,note\n1,12.5,\n2,,NA\n")
    table = read_table(str(target))
    assert table["stratum"].tolist() == ["1", "2"]  # strata named by numbers stay names
    assert table["note"].tolist()[1] == "NA" and pd.isna(table["note"].iloc[0])
    assert table["median"].dtype == float and pd.isna(table["median"].iloc[1])
