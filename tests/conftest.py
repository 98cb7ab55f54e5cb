"""Shared fixtures and test data: small hand-made session tables, random histories, the
event table the R comparisons share, and the paths of the checkout and the shared data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
# Small real data sets beside the checkout (never on a user's machine): tests that read them skip
# without them.
EXTERNAL = ROOT.parent / "shared" / "data" / "external"


def long_table(clients: dict[str, dict[int, float | None]]) -> pd.DataFrame:
    """Build a validated-style session table from {client: {session: score}}."""
    rows = [
        {"client": c, "session": s, "score": float("nan") if v is None else v}
        for c, scores in clients.items()
        for s, v in scores.items()
    ]
    return pd.DataFrame(rows).sort_values(["client", "session"]).reset_index(drop=True)


# Random score histories {client: {session: score or None}} for property-based tests.
scores = st.floats(min_value=0, max_value=40, allow_nan=False).map(lambda v: round(v, 1))
histories = st.dictionaries(
    st.text("abcdef", min_size=1, max_size=3),
    st.dictionaries(st.integers(0, 30), st.one_of(scores, st.none()), min_size=1, max_size=8),
    min_size=1,
    max_size=12,
)


@pytest.fixture
def tiny_clients() -> dict[str, dict[int, float | None]]:
    """Ten clients on CORE-OM, one per case; the expected results are worked in the tests."""
    return {
        "A1": {0: 15, 1: 12, 2: 9.5},  # falls 5.5 and below 10 at session 2: event at 2
        "A2": {0: 12, 2: 11, 4: 7},  # falls exactly 5 to 7 at session 4: event at 4
        "A3": {0: 18, 3: 14, 6: 13},  # never improves: censored at 6
        "A4": {0: 10, 5: 5},  # intake exactly at the cutoff is clinical: event at 5
        "B1": {0: 25, 3: 19, 6: 9},  # event at 6
        "B2": {0: 30, 4: 10, 8: 24},  # 10 is at the cutoff (clinical): censored at 8
        "B3": {0: 22, 2: 8, 4: 21},  # improves at 2 then relapses: event at 2
        "X1": {0: 8, 3: 4},  # not clinical at intake
        "X2": {0: 20},  # a single assessment
        "X3": {0: None, 1: None},  # no score at all
    }


# Shared fixture for the R comparisons (35 clients, ties, censoring at event times).
R_TIME = [2, 3, 3, 5, 6, 6, 6, 8, 9, 12, 1, 2, 2, 4, 4, 5, 7, 7, 10, 11]
R_TIME += [3, 5, 8, 8, 9, 13, 13, 15, 16, 20, 4, 4, 4, 6, 9]
R_EVENT = [1, 1, 0, 1, 1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0]
R_EVENT += [0, 1, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0]
R_GROUP = ["a"] * 10 + ["b"] * 10 + ["c"] * 10 + ["a"] * 5


def r_events() -> pd.DataFrame:
    return pd.DataFrame({"time": R_TIME, "event": R_EVENT, "stratum": R_GROUP, "eligible": True})


def simulated_run(spec) -> tuple[pd.DataFrame, ...]:
    """A simulated data set as the workflow reads it: ``(appointments, truth, sessions,
    events)``, the events under the default definition with the preset's bands."""
    from dosecurve.data.layouts import Layout
    from dosecurve.data.sessions import validate_sessions
    from dosecurve.measures.severity import PRESET_BANDS
    from dosecurve.outcomes.events import derive_events
    from dosecurve.simulation.simulate import SIMULATED_COLUMNS, simulate_appointments

    appointments, truth = simulate_appointments(spec)
    inst = spec.instrument_preset()
    sessions, _ = validate_sessions(
        appointments,
        columns=SIMULATED_COLUMNS,
        instrument=inst,
        source="sim",
        layout=Layout(session_from="appointments"),
    )
    events = derive_events(sessions, instrument=inst, bands=PRESET_BANDS[spec.instrument])
    return appointments, truth, sessions, events
