"""The adapter scripts' shared helpers: whole-or-nothing writes and errors in the log."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "workflow" / "scripts"
sys.path.insert(0, str(SCRIPTS))

from _adapter import check_plain, read_frame, write_csv, write_table, write_text  # noqa: E402

from dosecurve.results import read_table  # noqa: E402


class Breaks(pd.DataFrame):
    """A table whose writing fails half-way, like a run interrupted mid-write."""

    def to_csv(self, path, **kw):
        Path(path).write_text("client,ses")
        raise KeyboardInterrupt


def test_a_table_is_written_whole(tmp_path):
    target = tmp_path / "t.csv"
    write_csv(pd.DataFrame({"a": [1, 2]}), str(target))
    assert target.read_text() == "a\n1\n2\n"
    assert not (tmp_path / "t.csv.partial").exists()


def test_an_interrupted_write_leaves_nothing(tmp_path):
    target = tmp_path / "t.csv"
    with pytest.raises(KeyboardInterrupt):
        write_csv(Breaks({"a": [1]}), str(target))
    assert list(tmp_path.iterdir()) == []
    write_text("<html></html>", str(tmp_path / "r.html"))
    assert (tmp_path / "r.html").read_text() == "<html></html>"


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


def test_a_param_snakemake_cannot_compare_is_refused():
    from dosecurve.config import AnalysisSettings

    check_plain({"a": [1, 2.5, "x", None, True], "b": {"c": (1, 2)}}, "params.ok")
    with pytest.raises(TypeError, match=r"params.analysis is a AnalysisSettings, not plain"):
        check_plain(AnalysisSettings(), "params.analysis")
    with pytest.raises(TypeError, match=r"params.dataset.x\[1\] is a set"):
        check_plain({"x": [1, {2}]}, "params.dataset")


def test_every_adapter_starts_with_the_params_check():
    for script in SCRIPTS.glob("*.py"):
        if script.name != "_adapter.py":
            text = script.read_text()
            assert "start(snakemake)" in text, script.name
            assert "snakemake.config" not in text, script.name  # settings come as params
