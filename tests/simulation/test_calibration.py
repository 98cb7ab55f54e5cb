"""The calibration table: published figures beside their reading, and each estimate of an
estimand beside the simulator's truth, which the estimate recovers when ending is unrelated
to progress and misses in the known direction when clients stop once they feel good enough."""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import simulated_run

from dosecurve.figures.data import first_last
from dosecurve.measures.severity import PRESET_BANDS
from dosecurve.simulation.calibration import calibration_table
from dosecurve.simulation.simulate import PRESETS
from dosecurve.stats.estimands import estimands_table


def calibrate(spec):
    _, truth, sessions, events = simulated_run(spec)
    inst = spec.instrument_preset()
    bands = PRESET_BANDS[spec.instrument]
    estimands = estimands_table(events, [b.name for b in bands], [13, 26, 52])
    table = calibration_table(
        spec,
        preset="nordmo2021",
        instrument=inst,
        truth=truth,
        first_last=first_last(sessions),
        events=events,
        estimands=estimands,
    )
    return table.set_index("measure")


# ending unrelated to progress or severity: every client's length is drawn alone
INDEPENDENT = replace(
    PRESETS["nordmo2021"], n_clients=8000, seed=3, length_severity=0.0, long_share=0.0
)


def test_estimates_recover_the_truth_when_ending_is_unrelated_to_progress():
    table = calibrate(INDEPENDENT)
    for k in (13, 26, 52):
        row = table.loc[f"% with CSI by session {k} if therapy had continued"]
        assert row["simulated"] == pytest.approx(row["truth"], abs=2.5), k
        during = table.loc[f"% with CSI by session {k} during therapy as delivered"]
        assert during["simulated"] == pytest.approx(during["truth"], abs=1e-9), k  # no one censored
    median = table.loc["median sessions to CSI if therapy had continued"]
    assert median["simulated"] == pytest.approx(median["truth"], abs=3)


def test_good_enough_endings_bias_the_plain_curve_in_the_known_direction():
    # clients near the cutoff stop: they were about to improve, so the Kaplan-Meier curve
    # (every ending censored) falls short of the truth had therapy continued
    spec = replace(INDEPENDENT, good_enough_rate=0.15, good_enough_slope=1.5)
    table = calibrate(spec)
    row = table.loc["% with CSI by session 52 if therapy had continued"]
    assert row["simulated"] < row["truth"] - 3
    median = table.loc["median sessions to CSI if therapy had continued"]
    assert median["simulated"] > median["truth"]


def test_published_figures_stand_beside_their_reading():
    table = calibrate(replace(PRESETS["nordmo2021"], n_clients=362))
    row = table.loc["% of eligible clients with CSI at termination"]
    assert row["published"] == 47 and row["reading"].startswith("at_termination")
    assert table.loc["sessions attended, median", "published"] == 36
    assert list(table.columns) == ["reading", "simulated", "truth", "published", "source"]


def test_an_administrative_end_of_follow_up_leaves_the_plain_curve_unbiased():
    # clients cut at session 40 whatever their progress: censoring unrelated to prognosis,
    # so Kaplan-Meier still recovers the truth had therapy continued (up to the cut)
    table = calibrate(replace(INDEPENDENT, follow_up_max=40))
    for k in (13, 26):
        row = table.loc[f"% with CSI by session {k} if therapy had continued"]
        assert row["simulated"] == pytest.approx(row["truth"], abs=2.5), k
