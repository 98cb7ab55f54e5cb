"""The adapter scripts' helpers: tables written suppressed and whole, plain params only."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "workflow" / "scripts"
sys.path.insert(0, str(SCRIPTS))

from _adapter import check_plain, write_csv, write_text  # noqa: E402


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
