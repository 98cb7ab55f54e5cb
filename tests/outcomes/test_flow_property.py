"""Every input client is accounted for, whatever a messy table throws at the pipeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecurve.data.layouts import Layout
from dosecurve.data.sessions import validate_sessions
from dosecurve.measures.instruments import PRESETS
from dosecurve.measures.severity import resolve_bands
from dosecurve.outcomes.events import EventDefinition, derive_all, participant_flow

CORE = PRESETS["core-om"]
DEFINITIONS = [
    EventDefinition("csi"),
    EventDefinition("ri", "reliable_improvement"),
    EventDefinition("rem", "remission", "sustained", 0),
    EventDefinition("end", "clinically_significant", "termination"),
]

rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d", "e", "f", "7", "007"]),  # clients
        st.integers(0, 12),  # session
        st.one_of(st.none(), st.floats(0, 40, allow_nan=False).map(lambda v: round(v, 1))),
    ),
    min_size=1,
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(rows, st.randoms(use_true_random=False))
def test_every_client_is_counted_for_every_definition(data, rnd):
    raw = pd.DataFrame(data, columns=["id", "visit", "score"])
    raw = raw.drop_duplicates(["id", "visit"])  # conflicting duplicates are a fatal error
    raw = pd.concat([raw, raw.sample(frac=0.3, random_state=rnd.randint(0, 99))])  # exact dups
    raw = raw.sample(frac=1.0, random_state=rnd.randint(0, 99))  # rows out of order
    table, summary = validate_sessions(
        raw,
        columns={"client": "id", "session": "visit", "score": "score"},
        instrument=CORE,
        source="random",
        layout=Layout(intake="first_scored"),  # random: intakes often missing
    )
    assert summary.clients_read == raw["id"].nunique()
    events, flow = derive_all(
        table, instrument=CORE, bands=resolve_bands("core-om"), definitions=DEFINITIONS
    )
    for spec in DEFINITIONS:
        part = flow[flow["definition"] == spec.name]
        read = part.loc[part["status"] == "read", "n"].item()
        assert read == raw["id"].nunique()
        assert part.loc[part["status"] != "read", "n"].sum() == read
        ev = events[events["definition"] == spec.name]
        assert sorted(ev["client"]) == sorted(raw["id"].astype(str).unique())
        assert participant_flow(ev.drop(columns="definition"))["n"].tolist() == part["n"].tolist()
    assert np.all(events.loc[events["eligible"], "time"] >= 0)
