"""The adapter scripts' shared helpers: whole-or-nothing writes and errors in the log."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

SCRIPTS = Path(__file__).resolve().parents[1] / "workflow" / "scripts"
sys.path.insert(0, str(SCRIPTS))

from _adapter import write_csv, write_text  # noqa: E402


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
        f"import sys; sys.path.insert(0, {str(SCRIPTS)!r}); from _adapter import log_errors; "
        f"log_errors({str(log)!r}); raise ValueError('data/x.csv: column score missing')"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1
    assert log.read_text() == "ValueError: data/x.csv: column score missing\n"
    assert "column score missing" in result.stderr
