"""The simulator: deterministic, calibrated to its published studies, and honest about truth."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from conftest import simulated_run

from dosecurve.data.layouts import Layout
from dosecurve.data.sessions import validate_sessions
from dosecurve.measures.severity import PRESET_BANDS
from dosecurve.simulation.simulate import (
    PRESETS,
    SIMULATED_COLUMNS,
    simulate_appointments,
    spec_from_config,
)
from dosecurve.stats.kaplan_meier import fit_by_stratum, median_table


def analyse(spec):
    appointments, truth, sessions, events = simulated_run(spec)
    bands = PRESET_BANDS[spec.instrument]
    medians = median_table(fit_by_stratum(events, [b.name for b in bands])).set_index("stratum")
    return appointments, truth, sessions, events, medians


@pytest.fixture(scope="module")
def default_run():
    return analyse(PRESETS["nordmo2021"])


def test_same_spec_same_bytes():
    a1, t1 = simulate_appointments(replace(PRESETS["hirschfeld2024"], n_clients=50))
    a2, t2 = simulate_appointments(replace(PRESETS["hirschfeld2024"], n_clients=50))
    assert a1.to_csv(index=False) == a2.to_csv(index=False)
    assert t1.to_csv(index=False) == t2.to_csv(index=False)
    a3, _ = simulate_appointments(replace(PRESETS["hirschfeld2024"], n_clients=50, seed=1))
    assert a3.to_csv(index=False) != a1.to_csv(index=False)


def test_nordmo_default_run_reproduces_the_paper_read_as_the_paper_read_it(default_run):
    # Nordmo et al. (2021), read at termination (first against last assessment): 47 % showed
    # CSI, after a median of 57 sessions; sessions attended mean 52, SD 59, median 36, up to
    # 364; longer for the more severe (workflow/docs/methods.md, section 7).
    _, truth, _, events, medians = default_run
    eligible = events[events["eligible"]]
    met = eligible["met_at_end"].astype(bool)
    assert 0.42 <= met.mean() <= 0.52
    assert 50 <= eligible.loc[met, "sessions_attended"].median() <= 65
    attended = truth["sessions_attended"]
    assert len(truth) == 362 and attended.max() == 364
    assert attended.median() == pytest.approx(36, abs=2)
    assert attended.mean() == pytest.approx(52, abs=3)
    assert attended.std() == pytest.approx(59, abs=5)
    by_stratum = medians.drop(index="all")["median"].to_numpy()
    assert np.all(np.diff(by_stratum) > 0)  # mild < moderate < moderate-severe < severe


def test_nordmo_preset_is_calibrated_in_expectation_not_only_for_its_seed():
    # the default seed is a typical draw: 20,000 clients land near the same figures
    _, truth, _, events, _ = analyse(replace(PRESETS["nordmo2021"], n_clients=20000, seed=7))
    eligible = events[events["eligible"]]
    met = eligible["met_at_end"].astype(bool)
    assert 0.42 <= met.mean() <= 0.52
    assert 50 <= eligible.loc[met, "sessions_attended"].median() <= 65
    assert truth["sessions_attended"].median() == pytest.approx(36, abs=2)
    assert truth["sessions_attended"].mean() == pytest.approx(52, abs=3)


def test_hirschfeld_preset_matches_its_service():
    # 474 clients, CORE-OM 22.7 -> 17.8, 31.7 sessions attended, 26 % of appointments missed
    appointments, truth, sessions, _, _ = analyse(PRESETS["hirschfeld2024"])
    scored = sessions.dropna(subset=["score"]).groupby("client", observed=True)["score"]
    assert len(truth) == 474
    assert scored.first().mean() == pytest.approx(22.7, abs=1.0)
    assert scored.last().mean() == pytest.approx(17.8, abs=1.0)
    assert truth["sessions_attended"].mean() == pytest.approx(31.7, abs=3.5)
    missed = 1 - appointments["attended"].mean()
    assert missed == pytest.approx(0.26 * 0.98, abs=0.04)  # intake rows are always attended
    # more missed appointments with higher intake severity
    per_client = appointments.groupby("client").agg(miss=("attended", lambda a: 1 - a.mean()))
    intake = truth.set_index("client")["latent_intake"]
    assert np.corrcoef(per_client["miss"], intake.reindex(per_client.index))[0, 1] > 0.1


def test_brief_iapt_preset():
    # PHQ-9, mostly 4 to 12 sessions, about half reliably improved (fall of 6 or more)
    _, truth, sessions, _, _ = analyse(PRESETS["brief_iapt"])
    within = truth["sessions_attended"].between(4, 12).mean()
    assert within > 0.6
    scored = sessions.dropna(subset=["score"]).groupby("client", observed=True)["score"]
    improved = (scored.first() - scored.last() >= 6).mean()
    assert improved == pytest.approx(0.5, abs=0.08)
    assert sessions["score"].max() <= 27 and (sessions["score"].dropna() % 1 == 0).all()


def test_truth_is_consistent_with_the_latent_trajectory(default_run):
    _, truth, _, events, _ = default_run
    reached = truth.dropna(subset=["latent_csi_session"])
    assert (reached["latent_csi_session"] >= 1).all()
    assert (reached["latent_csi_session"] <= reached["sessions_attended"]).all()
    # most clients whose noise-free score improved are seen to improve in the data
    merged = events.merge(truth, on="client")
    seen = merged.loc[merged["latent_csi_session"].notna() & merged["eligible"], "event"]
    assert seen.mean() > 0.8


@pytest.mark.parametrize(("schedule", "k", "per_client"), [("every_k", 4, None), ("prepost", 1, 2)])
def test_schedules(schedule, k, per_client):
    spec = replace(PRESETS["nordmo2021"], n_clients=40, schedule=schedule, schedule_k=k)
    appointments, _ = simulate_appointments(spec)
    sessions, _ = validate_sessions(
        appointments,
        columns=SIMULATED_COLUMNS,
        instrument=spec.instrument_preset(),
        source="sim",
        layout=Layout(session_from="appointments"),
    )
    assessed = sessions.dropna(subset=["score"])
    last = sessions.groupby("client", observed=True)["session"].max()
    if schedule == "every_k":
        ok = (assessed["session"] % 4 == 0) | (assessed["session"] == assessed["client"].map(last))
        assert ok.all()
    else:
        assert (assessed.groupby("client", observed=True).size() <= per_client).all()
        assert set(assessed["session"]) <= {0, *last}


@pytest.mark.parametrize("trajectory", ["linear", "loglinear", "scaled"])
def test_trajectories_fall_to_the_floor(trajectory):
    spec = replace(
        PRESETS["nordmo2021"],
        n_clients=200,
        trajectory=trajectory,
        rate_median=0.5 if trajectory != "loglinear" else 3.0,
    )
    appointments, _ = simulate_appointments(spec)
    scored = appointments.dropna(subset=["score"]).groupby("client")["score"]
    assert (scored.first() - scored.last()).mean() > 3


def test_endings_and_overrides():
    spec = spec_from_config(
        {"preset": "nordmo2021", "n_clients": 2000, "ongoing_rate": 0.1, "dropout_rate": 0.2}
    )
    _, truth = simulate_appointments(spec)
    share = truth["end_reason"].value_counts(normalize=True)
    assert share["ongoing"] == pytest.approx(0.1, abs=0.03)
    assert share["dropout"] == pytest.approx(0.2 * 0.9, abs=0.05)
    with pytest.raises(ValueError, match="unknown parameter"):
        spec_from_config({"sessions": 3})
    with pytest.raises(ValueError, match=r"simulate.preset 'x' unknown"):
        spec_from_config({"preset": "x"})
