"""Each event definition and timing on small hand-made clients, with boundary cases."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import histories, long_table
from hypothesis import given, settings
from hypothesis import strategies as st

from dosecurve.measures.instruments import PRESETS, resolve_instrument
from dosecurve.measures.severity import resolve_bands
from dosecurve.outcomes.events import EventDefinition, derive_events, participant_flow

CORE = PRESETS["core-om"]
BANDS = resolve_bands("core-om")


def run(clients, definition="clinically_significant", timing="first", k=1, **kw):
    spec = EventDefinition("x", definition, timing, k)
    table = long_table(clients)
    return derive_events(table, instrument=CORE, bands=BANDS, spec=spec, **kw).set_index("client")


def outcome(ev, client):
    row = ev.loc[client]
    return (row["time"], row["event"], row["time_lower"], row["time_upper"])


NA = pd.NA


def test_interval_bounds_first_timing():
    # assessed at 0, 4, 8: fall 11 first seen at 8; the last assessment not meeting it is 4.
    ev = run({"c": {0: 20, 4: 16, 8: 9}})
    assert outcome(ev, "c") == (8, 1, 4, 8)
    ev = run({"c": {0: 20, 4: 16, 8: 14}})
    assert outcome(ev, "c")[:3] == (8, 0, 8) and ev.loc["c", "time_upper"] is NA


def test_reliable_improvement_needs_only_a_baseline():
    # intake 8 is functional: not eligible for CSI, eligible for reliable improvement.
    clients = {"low": {0: 8, 2: 3}, "high": {0: 20, 3: 15}}
    ri = run(clients, "reliable_improvement")
    assert outcome(ri, "low")[:2] == (2, 1) and outcome(ri, "high")[:2] == (3, 1)
    csi = run(clients)
    assert csi.loc["low", "excluded"] == "not_clinical"
    assert outcome(csi, "high")[:2] == (3, 0)  # 15 is still clinical


def test_response_is_half_the_baseline():
    ev = run({"a": {0: 20, 2: 10.5, 4: 10}, "b": {0: 30, 5: 15.1, 6: 15}}, "response")
    assert outcome(ev, "a")[:2] == (4, 1)  # 10 is exactly 50 % of 20
    assert outcome(ev, "b")[:2] == (6, 1)  # 15.1 is a 49.7 % reduction


def test_remission_is_crossing_the_cutoff_only():
    ev = run({"a": {0: 11, 1: 9.9}, "b": {0: 12, 1: 10}}, "remission")
    assert outcome(ev, "a")[:2] == (1, 1)  # a fall of 1.1 is enough for remission
    assert outcome(ev, "b")[:2] == (1, 0)  # exactly at the cutoff is clinical


def test_reliable_deterioration():
    ev = run({"a": {0: 12, 2: 16, 3: 17}, "b": {0: 5, 1: 10}}, "reliable_deterioration")
    assert outcome(ev, "a")[:2] == (3, 1)  # +4 is not reliable, +5 is
    assert outcome(ev, "b")[:2] == (1, 1)  # a functional intake is eligible


def test_sustained_next_k_assessments():
    # CSI at 2, relapse at 3, CSI again from 4 on.
    clients = {"c": {0: 20, 2: 8, 3: 16, 4: 8, 5: 7, 6: 9}}
    assert outcome(run(clients), "c")[:2] == (2, 1)
    assert outcome(run(clients, timing="sustained", k=1), "c") == (4, 1, 3, 4)
    assert outcome(run(clients, timing="sustained", k=2), "c")[:2] == (4, 1)
    # improvement at the last assessment: no later assessment contradicts it
    assert outcome(run({"c": {0: 20, 2: 16, 3: 8}}, timing="sustained", k=2), "c")[:2] == (3, 1)


def test_sustained_at_every_later_assessment():
    clients = {"c": {0: 20, 2: 8, 3: 9, 4: 16, 5: 8, 6: 9}, "d": {0: 20, 2: 8, 3: 12}}
    ev = run(clients, timing="sustained", k=0)
    assert outcome(ev, "c")[:2] == (5, 1)
    assert outcome(ev, "d")[:3] == (3, 0, 3)


def test_termination_uses_last_assessment_and_sessions_attended():
    table = long_table({"a": {0: 20, 5: 8, 10: 15}, "b": {0: 20, 5: 15, 10: 8}})
    table = pd.concat([table, pd.DataFrame({"client": ["b"], "session": [12], "score": [np.nan]})])
    table = table.sort_values(["client", "session"]).reset_index(drop=True)
    spec = EventDefinition("t", "clinically_significant", "termination")
    ev = derive_events(table, instrument=CORE, bands=BANDS, spec=spec).set_index("client")
    assert outcome(ev, "a")[:2] == (10, 0)  # improved at 5, relapsed by the end
    assert outcome(ev, "b") == (12, 1, 5, 12)  # status at 10, 12 sessions attended
    first = derive_events(table, instrument=CORE, bands=BANDS).set_index("client")
    assert outcome(first, "a")[:2] == (5, 1)  # the first crossing counts as the event,
    assert first["met_at_end"].tolist() == [False, True]  # but "a" is not improved at the end


def test_recovery_across_two_instruments():
    gad = PRESETS["gad-7"]
    rows = [
        # PHQ-like score on CORE scale stands in; second outcome GAD-7 (cutoff 8, RC 4).
        ("a", 0, 20, 12),
        ("a", 2, 9, 9),
        ("a", 4, 9, 7),  # both functional at 4
        ("b", 0, 8, 12),
        ("b", 3, 7, 7),  # functional on the first, improved by 5 on GAD
        ("c", 0, 8, 6),
        ("c", 2, 2, 1),  # functional on both at intake: not eligible
    ]
    table = pd.DataFrame(rows, columns=["client", "session", "score", "score_2"])
    spec = EventDefinition("r", "recovery_two_instruments")
    ev = derive_events(table, instrument=CORE, bands=BANDS, spec=spec, second=gad)
    ev = ev.set_index("client")
    assert outcome(ev, "a")[:2] == (4, 1)
    assert outcome(ev, "b")[:2] == (3, 1)
    assert ev.loc["c", "excluded"] == "not_clinical"
    with pytest.raises(ValueError, match="needs a second outcome"):
        derive_events(table.drop(columns="score_2"), instrument=CORE, bands=BANDS, spec=spec)


def test_norm_based_reliable_change_is_strict():
    # RC = 1.959964 * sqrt(2) * 5 * sqrt(1 - 0.9) = 4.382613; a change must exceed it.
    norms = {"reliability": 0.9, "clinical_mean": 20, "clinical_sd": 5}
    inst = resolve_instrument({"range": [0, 40], "cutoff": 10, "norms": norms})
    assert inst.rc_strict and inst.reliable_change == pytest.approx(4.382613, abs=1e-6)
    assert not inst.is_reliable(inst.reliable_change) and inst.is_reliable(4.3827)
    table = long_table({"a": {0: 20, 1: 15.62}, "b": {0: 20, 1: 15.61}})
    ev = derive_events(
        table, instrument=inst, bands=BANDS, spec=EventDefinition("r", "reliable_improvement")
    ).set_index("client")
    assert ev.loc["a", "event"] == 0 and ev.loc["b", "event"] == 1
    # raw-point constants: a change of exactly the value counts
    assert PRESETS["core-om"].is_reliable(5.0) and not PRESETS["core-om"].rc_strict


def test_end_reason_is_carried():
    table = long_table({"a": {0: 20, 1: 9}, "b": {0: 20, 1: 19}})
    table["end_reason"] = ["planned", "planned", "dropout", "dropout"]
    ev = derive_events(table, instrument=CORE, bands=BANDS).set_index("client")
    assert ev["end_reason"].to_dict() == {"a": "planned", "b": "dropout"}


specs = st.sampled_from(
    [
        ("clinically_significant", "first", 1),
        ("reliable_improvement", "first", 1),
        ("response", "first", 1),
        ("remission", "sustained", 2),
        ("clinically_significant", "sustained", 0),
        ("reliable_deterioration", "first", 1),
        ("clinically_significant", "termination", 1),
    ]
)


@settings(max_examples=120, deadline=None)
@given(histories, specs)
def test_event_properties_for_every_definition(clients, spec):
    ev = run(clients, *spec)
    flow = participant_flow(ev.reset_index())
    assert flow.loc[flow["status"] != "read", "n"].sum() == len(clients)
    ok = ev[ev["eligible"]]
    events = ok[ok["event"] == 1]
    assert (events["time_lower"] < events["time"]).all()
    assert (events["time"] <= events["time_upper"]).all()
    censored = ok[ok["event"] == 0]
    assert censored["time_upper"].isna().all()
    assert (censored["time_lower"] == censored["time"]).all()
    if spec[1] == "first":
        for client, row in ok.iterrows():
            hist = {s: v for s, v in clients[client].items() if v is not None}
            sessions = sorted(hist)
            single = run({client: hist}, *spec).loc[client]
            assert single["time"] == row["time"]
            if row["event"] == 0:
                assert row["time"] == sessions[-1]
            else:  # an assessed session; at the earlier ones the client did not meet it
                assert row["time"] in sessions
                assert row["time_lower"] == max(s for s in sessions if s < row["time"])
