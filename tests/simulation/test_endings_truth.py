"""Endings tied to progress, irregular schedules and the continued-path truth: each
mechanism does what its words say, and the truth agrees with the data wherever both exist."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import simulated_run

from dosecurve.simulation.simulate import (
    OVERRIDABLE,
    PRESETS,
    simulate_appointments,
    simulate_sessions,
)

BASE = replace(PRESETS["nordmo2021"], n_clients=3000, seed=11)


def events_and_truth(spec):
    appointments, truth, _, events = simulated_run(spec)
    return appointments, events.merge(truth, on="client", suffixes=("", "_truth"))


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"schedule": "every_k", "schedule_k": 4},
        {"schedule": "irregular", "schedule_q": 0.3},
        {"good_enough_rate": 0.1, "good_enough_slope": 1.0, "nonresponse_session": 6},
        {"nonresponse_session": 6, "nonresponse_dropout": 0.6, "follow_up_max": 40},
    ],
)
def test_the_truth_within_therapy_is_the_data_own_event(changes):
    """observed_csi_session (the continued path up to the ending) is exactly the event the
    workflow derives from the data, for every eligible client; the continued path only adds
    events, never removes them."""
    spec = replace(BASE, n_clients=600, **changes)
    _, merged = events_and_truth(spec)
    eligible = merged[merged["eligible"]]
    assert len(eligible) > 400
    observed = eligible["observed_csi_session"]
    assert (eligible["event"].astype(int) == observed.notna()).all()
    hit = eligible["event"] == 1
    assert (eligible.loc[hit, "time"].astype(float) == observed[hit]).all()
    continued = eligible["continued_csi_session"]
    assert (continued[hit] == observed[hit]).all()  # the same first event
    assert continued.notna().sum() >= observed.notna().sum()
    later = continued.notna() & observed.isna()
    assert (continued[later] > eligible.loc[later, "sessions_attended"]).all()
    assert (merged["sessions_attended"] == merged["sessions_attended_truth"]).all()


def test_good_enough_ending_stops_clients_who_feel_better():
    plain = simulate_appointments(BASE)[1]
    _, truth = simulate_appointments(replace(BASE, good_enough_rate=0.15, good_enough_slope=1.0))
    stopped = truth["ending_mechanism"] == "good_enough"
    assert stopped.mean() > 0.2
    assert (truth["sessions_attended"] <= truth["drawn_sessions"]).all()
    assert truth["sessions_attended"].mean() < plain["sessions_attended"].mean()
    # those who stopped for feeling good enough mostly had improved by then
    improved = truth["observed_csi_session"].notna()
    assert improved[stopped].mean() > improved[~stopped].mean()
    assert set(truth.loc[stopped, "end_reason"]) == {"planned"}


def test_nonresponders_leave_at_the_review_session():
    _, truth = simulate_appointments(replace(BASE, nonresponse_session=8, nonresponse_dropout=0.7))
    left = truth["ending_mechanism"] == "nonresponse"
    assert left.mean() > 0.3
    assert (truth.loc[left, "sessions_attended"] == 8).all()
    assert set(truth.loc[left, "end_reason"]) == {"dropout"}
    # they showed no reliable improvement at session 8; a few had met CSI earlier and lost it
    assert truth.loc[left, "observed_csi_session"].notna().mean() < 0.05


def test_follow_up_ends_administratively_as_ongoing():
    appointments, truth = simulate_appointments(replace(BASE, n_clients=500, follow_up_max=30))
    cut = truth["ending_mechanism"] == "follow_up"
    assert cut.any() and (truth.loc[cut, "end_reason"] == "ongoing").all()
    assert truth["sessions_attended"].max() == 30
    # every client's last booked appointment is attended, at the session therapy ended
    last = appointments.groupby("client").tail(1)
    assert last["attended"].all()


def test_irregular_schedule_assesses_about_q_of_sessions():
    appointments, _ = simulate_appointments(
        replace(BASE, n_clients=400, schedule="irregular", schedule_q=0.25)
    )
    middle = appointments[appointments["attended"] & (appointments["appointment"] > 0)]
    last = middle.groupby("client").tail(1).index
    share = middle.drop(index=last)["score"].notna().mean()
    assert share == pytest.approx(0.25, abs=0.02)
    assert appointments.groupby("client").head(1)["score"].notna().all()  # intake


def test_noise_sd_sets_the_spread_of_repeated_scores():
    spec = replace(BASE, n_clients=300, noise_sd=0.0, score_step=0.001, floor_mean=-100.0)
    appointments, truth = simulate_appointments(spec)
    intake = appointments.groupby("client").head(1).set_index("client")["score"]
    latent = truth.set_index("client")["latent_intake"]
    np.testing.assert_allclose(intake, latent.loc[intake.index].clip(0, 40), atol=1e-3)
    with pytest.raises(ValueError, match="noise_sd"):
        simulate_appointments(replace(BASE, noise_sd=-1.0))


def test_fast_path_refuses_ending_mechanisms():
    with pytest.raises(ValueError, match="no ending mechanisms"):
        simulate_sessions(replace(BASE, good_enough_rate=0.1))


def test_every_simulator_parameter_is_in_the_config_schema():
    schema = yaml.safe_load(
        (Path(__file__).parents[2] / "workflow/schemas/config.schema.yaml").read_text()
    )
    datasets = schema["properties"]["datasets"]["additionalProperties"]
    keys = set(datasets["properties"]["simulate"]["properties"])
    assert keys == {"preset", *OVERRIDABLE}
