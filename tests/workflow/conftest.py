"""End-to-end runs shared by the tests: each configuration is run once per session and read by
many tests (the runs take most of the suite's time)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from runs import BANDS, CLINICS_TARGETS, TINY, clinic, run_ok, tiny_frame, write_config

# One client per recoverable problem of a messy file; every one must end up in flow.csv.
MESSY = [
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

DEFINITIONS = {
    "primary": "csi",
    "definitions": [
        {"name": "csi", "definition": "clinically_significant"},
        {"name": "ri", "definition": "reliable_improvement"},
        {"definition": "clinically_significant", "timing": "sustained", "sustained_for": 1},
    ],
}


@pytest.fixture(scope="session")
def clinics(tmp_path_factory) -> Path:
    """One run of many data sets; returns its folder.

    * ``clinic``: the tiny clinic file with two outcomes, CORE-OM (``clinic-core``, the one the
      R checks are worked on) and PHQ-9 (``clinic-phq``); % improved at sessions 4 and 8.
    * ``defs``: the tiny clinic with three event definitions, covariates and end reasons.
    * ``messy``: a file with one client per recoverable problem.
    * ``sim_a``, ``sim_b``, ``brief``: simulated services (three presets); ``both`` pools the
      first two. ``sim_b`` is read in two shards.
    * ``defs_split``: ``defs`` read in three shards (``SPLIT_TARGETS``).
    """
    folder = tmp_path_factory.mktemp("clinics")
    data = folder / "data"
    data.mkdir()
    frame = tiny_frame()
    scores = pd.to_numeric(frame["core_om"], errors="coerce")
    frame["phq9"] = np.minimum(27, (scores * 0.6).round()).astype("Int64")
    frame.to_csv(data / "clinic.csv", index=False)
    defs = tiny_frame()
    defs["arm"] = np.where(defs["id"].str.startswith("B"), "y", "x")
    defs["ending"] = defs["id"].map({"A1": "completed", "B3": "dropped out"}).fillna("")
    defs.to_csv(data / "defs.csv", index=False)
    pd.DataFrame(MESSY, columns=["id", "session_no", "core_om"]).to_csv(
        data / "messy.csv", index=False
    )
    datasets = {
        "clinic": {
            "path": "data/clinic.csv",
            "columns": {"client": "id", "session": "session_no"},
            "outcomes": [
                {"name": "core", "column": "core_om", "instrument": "core-om", "severity": BANDS},
                {"name": "phq", "column": "phq9", "instrument": "phq-9"},
            ],
            "improved_at": [4, 8],
        },
        "defs": clinic(
            path="data/defs.csv",
            columns={
                "client": "id",
                "session": "session_no",
                "score": "core_om",
                "end_reason": "ending",
                "covariates": ["arm"],
            },
            end_reasons={"planned": ["completed"], "dropout": ["dropped out"]},
            events=DEFINITIONS,
            prepost={"method": "jt", "group_by": ["arm"]},
            groups={"columns": ["arm"], "cross_with_severity": True},
            severity={
                "bands": [{"name": "lower", "from": 0, "to": 20}, {"name": "higher", "from": 20}]
            },
        ),
        "messy": clinic(path="data/messy.csv", severity="core-om"),
        "sim_a": {"simulate": {"preset": "nordmo2021", "n_clients": 120, "seed": 5}},
        # read in shards: its pool then gathers its session table
        "sim_b": {
            "simulate": {"preset": "hirschfeld2024", "n_clients": 70, "seed": 2},
            "shards": 2,
        },
        "both": {"pool": ["sim_a", "sim_b"]},
        "brief": {"simulate": {"preset": "brief_iapt", "n_clients": 60, "seed": 3}},
    }
    # defs again, read in three shards of whole clients: must give the same files
    datasets = {**datasets, "defs_split": {**datasets["defs"], "shards": 3}}
    write_config(folder, datasets)
    run_ok(folder, *CLINICS_TARGETS)
    return folder


@pytest.fixture(scope="session")
def suppressed(tmp_path_factory) -> Path:
    """The tiny clinic with privacy.min_cell 5; returns its results folder."""
    folder = tmp_path_factory.mktemp("suppressed")
    (folder / "data").mkdir()
    tiny_frame(TINY).to_csv(folder / "data/clinic.csv", index=False)
    write_config(folder, {"clinic": clinic()}, privacy={"min_cell": 5})
    run_ok(folder)
    return folder / "results/clinic"
