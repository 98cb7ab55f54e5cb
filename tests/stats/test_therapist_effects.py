"""Therapist effects: the discrete-time model with a therapist random intercept against R
(lme4 1.1-31 glmer), the shares against the simulator's therapist effects, and privacy."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import simulated_run

from dosecurve.simulation.spec import PRESETS
from dosecurve.stats import growth
from dosecurve.stats.discrete_time import fit_discrete
from dosecurve.stats.discrete_time_mixed import FrailtyModel
from dosecurve.stats.therapist_effects import RATE, TIME, therapist_effects

FIXTURES = Path(__file__).parent / "fixtures"

# R (lme4 1.1-31):
# e <- read.csv("tests/stats/fixtures/therapist_events.csv")  # 381 clients, 20 therapists
# pp <- e[rep(seq_len(nrow(e)), e$time), ]; pp$session <- sequence(e$time)
# pp$y <- as.integer(pp$event == 1 & pp$session == pp$time)
# f <- glmer(y ~ log(session) + baseline + (1 | therapist), family = binomial("cloglog"),
#            data = pp, control = glmerControl(optimizer = "bobyqa"))
# fixef(f); sqrt(diag(vcov(f))); logLik(f); as.data.frame(VarCorr(f))$sdcor
# ranef(f)$therapist[c("T1", "T10", "T11"), ]
GLMER = {
    "beta": (-1.986643275582046, 1.541509727185063, -0.325252688975598),
    "se": (0.6372572895416353, 0.2134852875587645, 0.0353202631359437),
    "sd": 0.770178502713636,
    "loglik": -310.378103506143,
    "modes": (-0.127324528848456, -0.878259956421873, 0.443886562795660),
}


def test_frailty_model_matches_glmer():
    """Estimates equal glmer's within 0.2 %: the conditional modes at glmer's estimates agree
    to 1e-6, but glmer's Laplace term log(1 + s2 I) uses an information about 0.1 % larger
    than the expected one computed here (its log-likelihood at these estimates is 0.002
    lower than this model's), which moves the maximum slightly. Standard errors come from
    this likelihood's observed information (central differences, stable from steps of 1e-3
    to 1e-5) and are 2-3 % wider than glmer's Hessian-based ones."""
    events = pd.read_csv(FIXTURES / "therapist_events.csv").assign(eligible=True)
    model = FrailtyModel(events)
    start = fit_discrete(events.drop(columns="therapist"))["coef"].to_numpy(float)
    fit = model.fit(np.r_[start, np.log(0.3)])
    assert fit.params[:3] == pytest.approx(GLMER["beta"], rel=2e-3)
    assert np.exp(fit.params[3]) == pytest.approx(GLMER["sd"], rel=2e-3)
    assert np.sqrt(np.diag(fit.cov))[:3] == pytest.approx(GLMER["se"], rel=3.5e-2)
    assert fit.loglik == pytest.approx(GLMER["loglik"], abs=5e-3)
    labels = list(model.labels)
    modes = [fit.modes[labels.index(t)] for t in ("T1", "T10", "T11")]
    assert modes == pytest.approx(GLMER["modes"], abs=3e-3)
    # at glmer's own estimates the modes are glmer's (to its PIRLS tolerance)
    r = np.r_[GLMER["beta"], np.log(GLMER["sd"])]
    big_a, big_c = model._parts(r)
    u, _, _ = model._modes(big_a, big_c, GLMER["sd"] ** 2)
    assert [u[labels.index(t)] for t in ("T1", "T10", "T11")] == pytest.approx(
        GLMER["modes"], abs=5e-5
    )


def _effects(therapist_sd: float, **kwargs):
    spec = replace(
        PRESETS["nordmo2021"],
        n_clients=1200,
        n_therapists=40,
        seed=9,
        sessions_median=20,
        long_share=0.0,
        therapist_sd=therapist_sd,
        rate_sd=0.3,
    )
    _, _, sessions, events = simulated_run(spec)
    data = growth.growth_data(sessions, events, growth.Settings())
    _, fits = growth.growth_models(data)
    return therapist_effects(data, fits["linear"], events, **kwargs)


@pytest.fixture(scope="module")
def strong():
    return _effects(0.6)


def test_shares_follow_the_simulated_therapist_effect(strong):
    none, _ = _effects(0.0)
    strong_shares = strong[0].set_index("measure")
    none_shares = none.set_index("measure")
    for measure in (RATE, TIME):
        big = strong_shares.loc[measure]
        assert 0 < big["ci_lower"] < big["share"] < big["ci_upper"] < 1
        assert big["share"] > 0.1
        # without therapist effects the share is small (it cannot be negative)
        assert float(none_shares.loc[measure, "share"]) < 0.1
        assert float(none_shares.loc[measure, "share"]) < big["ci_lower"]
        assert big["therapists"] == 40


def test_therapists_named_by_rank_and_small_caseloads_left_out(strong):
    _, estimates = strong
    assert not estimates["therapist"].str.match(r"^T\d").any()  # no simulator id
    for measure in (RATE, TIME):
        part = estimates.loc[estimates["measure"] == measure]
        assert part["therapist"].tolist() == [f"therapist {i}" for i in range(1, len(part) + 1)]
        assert part["estimate"].is_monotonic_increasing
        assert (part["ci_lower"] <= part["estimate"]).all()
        assert (part["estimate"] <= part["ci_upper"]).all()
    _, few = _effects(0.6, min_cell=30)
    assert (few["n_clients"] >= 30).all() and 0 < len(few) < len(estimates)
    _, named = _effects(0.6, show_therapists=True)
    assert named["therapist"].str.match(r"^T\d+$").all()


def test_not_estimable_without_therapists():
    spec = replace(PRESETS["nordmo2021"], n_clients=200, seed=3)
    _, _, sessions, events = simulated_run(spec)
    events = events.drop(columns="therapist")
    data = growth.growth_data(sessions, events, growth.Settings())
    _, fits = growth.growth_models(data)
    shares, estimates = therapist_effects(data, fits["linear"], events)
    assert shares["note"].str.startswith("not estimable: therapists not known").all()
    assert shares["share"].isna().all() and estimates.empty


def test_rate_share_is_lmer_variance_components_share():
    """The share of the slope variance from lmer's components on the therapist fixture
    (tests/stats/test_growth.py: VarCorr of the three-level fit):
    0.0650152709090854 / (0.0650152709090854 + 0.0584348827216932)."""
    d = pd.read_csv(FIXTURES / "therapist_scores.csv")
    first = d.groupby("client", as_index=False).agg(
        therapist=("therapist", "first"), sessions_attended=("session", "max")
    )
    events = first.assign(eligible=True, time=1, event=0, baseline=20.0)
    data = growth.growth_data(d[["client", "session", "score"]], events, growth.Settings())
    _, fits = growth.growth_models(data)
    share = therapist_effects(data, fits["linear"], events)[0].set_index("measure").loc[RATE]
    expected = 0.0650152709090854 / (0.0650152709090854 + 0.0584348827216932)
    assert share["share"] == pytest.approx(expected, rel=1e-4)
    assert share["var_therapist"] == pytest.approx(0.0650152709090854, rel=1e-4)
    assert share["ci_lower"] < share["share"] < share["ci_upper"]
    assert share["therapists"] == 30
