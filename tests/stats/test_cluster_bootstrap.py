"""Therapist cluster-bootstrap intervals: the point estimates are the Kaplan-Meier's, and the
design effect is near 1 when therapists do not matter and well above it when they do."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import simulated_run

from dosecurve.measures.severity import PRESET_BANDS
from dosecurve.simulation.simulate import PRESETS
from dosecurve.stats.cluster_bootstrap import cluster_bootstrap
from dosecurve.stats.kaplan_meier import fit_by_stratum, improved_by_session, median_table

STRATA = [b.name for b in PRESET_BANDS["core-om"]]


def events_of(**changes) -> pd.DataFrame:
    spec = replace(PRESETS["nordmo2021"], n_clients=1500, n_therapists=30, seed=9, **changes)
    return simulated_run(spec)[3]


def test_estimates_are_the_kaplan_meier_and_greenwood_limits_are_its_own():
    events = events_of()
    table = cluster_bootstrap(events, STRATA, [13, 26], replicates=50)
    fit = fit_by_stratum(events, STRATA)
    km = improved_by_session(fit, [13, 26]).set_index(["stratum", "session"])
    improved = table[table["measure"] == "improved"].set_index(["stratum", "session"])
    for key, row in km.iterrows():
        got = improved.loc[key]
        np.testing.assert_allclose(got["estimate"], row["improved"], atol=1e-12)
        np.testing.assert_allclose(
            got[["greenwood_lower", "greenwood_upper"]].to_numpy(float),
            row[["ci_lower", "ci_upper"]].to_numpy(float),
            atol=1e-12,
        )
    medians = median_table(fit).set_index("stratum")
    rows = table[table["measure"] == "median"].set_index("stratum")
    assert rows.loc["all", "session"] == medians.loc["all", "median"]
    assert (rows["therapists"] <= 30).all() and rows.loc["all", "therapists"] == 30


def test_design_effect_grows_when_therapists_differ():
    plain = cluster_bootstrap(events_of(therapist_sd=0.0), STRATA, [13, 26, 52], replicates=200)
    clustered = cluster_bootstrap(events_of(therapist_sd=1.0), STRATA, [13, 26, 52], replicates=200)

    def overall(table):
        rows = table[(table["stratum"] == "all") & (table["measure"] == "improved")]
        return float(np.nanmean(rows["design_effect"]))

    assert overall(plain) == pytest.approx(1.0, abs=0.35)
    assert overall(clustered) > 1.5 * overall(plain)
    rows = clustered[(clustered["stratum"] == "all") & (clustered["measure"] == "improved")]
    assert (rows["bootstrap_lower"] <= rows["estimate"] + 1e-12).all()
    assert (rows["estimate"] <= rows["bootstrap_upper"] + 1e-12).all()


def test_without_therapists_it_says_so():
    events = events_of().drop(columns="therapist")
    table = cluster_bootstrap(events, STRATA, [13])
    assert table["note"].tolist() == ["not estimable: no therapist column"]
    few = events_of().assign(therapist=lambda d: np.where(d.index % 2, "T1", "T2"))
    assert cluster_bootstrap(few, STRATA, [13])["note"].iloc[0].startswith("not estimable")
