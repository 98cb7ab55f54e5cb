"""The report's inputs read from files: every table the registry gives it, the figures by
name, and an input it does not know refused."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from dosecurve.report.page import ReportTables, read_report_inputs


def test_inputs_become_tables_and_figures(tmp_path):
    medians = tmp_path / "median_sessions.csv"
    medians.write_text("stratum,n,events,median,ci_lower,ci_upper,note\n1,7,5,5,2,,\n")
    flow = tmp_path / "flow.csv"
    flow.write_text("status,reason,n\nread,clients in the input,10\n")
    png = tmp_path / "jacobson.png"
    png.write_bytes(b"\x89PNG...")
    paths = {"medians": str(medians), "flow": str(flow), "figure_jacobson": str(png)}
    with pytest.raises(ValueError, match=r"the report needs the tables \['improved', 'logrank'"):
        read_report_inputs(paths)
    required = [f.name for f in dataclasses.fields(ReportTables) if f.default is not None]
    paths |= {name: str(flow) for name in required if name not in paths}
    tables, figures = read_report_inputs(paths)
    assert tables.medians["stratum"].tolist() == ["1"]  # a stratum named "1" stays a name
    assert tables.medians["median"].tolist() == [5] and pd.isna(tables.medians["ci_upper"][0])
    assert tables.flow["n"].tolist() == [10] and tables.cox is None
    assert figures == {"jacobson": b"\x89PNG..."}
    with pytest.raises(ValueError, match=r"report inputs \['sessions'\] are neither"):
        read_report_inputs({**paths, "sessions": str(flow)})
