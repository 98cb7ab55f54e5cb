"""Cox models against R's coxph, with the documented differences bounded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dosecurve.stats.cox import fit_cox
from dosecurve.stats.robust_variance import robust_variance, score_residuals

# The fixture is drawn here with numpy (seed 1), written to CSV, and fitted in R 4.2 with
# survival 3.5.3: d <- read.csv(...)
RNG = np.random.default_rng(1)
R_VALUES = {
    "coef": -0.0137902533497693,  # coef(coxph(Surv(time, event) ~ baseline, data = d))
    "se": 0.022298662624973,  # sqrt(vcov(...))
    "robust_se": 0.0176069927322708,  # coxph(..., cluster = therapist): robust se
    "zph_p": 0.451445816368011,  # cox.zph(fit)$table[1, "p"]
}


def fixture() -> pd.DataFrame:
    n = 60
    base = np.round(RNG.uniform(10, 35, n), 1)
    time = np.maximum(1, np.round(RNG.exponential(1 / np.exp(-2.5 - 0.05 * (base - 20)))))
    event = RNG.binomial(1, 0.7, n)
    stratum = np.where(base < 20, "mild", np.where(base < 27, "moderate", "severe"))
    therapist = np.repeat([f"T{i}" for i in range(12)], 5)
    return pd.DataFrame(
        {
            "time": time,
            "event": event,
            "baseline": base,
            "stratum": stratum,
            "eligible": True,
            "therapist": therapist,
        }
    )


DATA = fixture()


def test_intake_model_matches_r():
    # write.csv(DATA); coxph(Surv(time, event) ~ baseline)      -> coef, se(coef)
    # coxph(Surv(time, event) ~ baseline, cluster = therapist)   -> robust se
    # R 4.2, survival 3.5.3 on this table: see R_VALUES
    table, checks = fit_cox(DATA, ["mild", "moderate", "severe"])
    row = table[table["model"] == "intake score (per point)"].iloc[0]
    assert row["coef"] == pytest.approx(R_VALUES["coef"], abs=1e-6)
    assert row["se"] == pytest.approx(R_VALUES["se"], abs=1e-6)
    assert row["robust_se"] == pytest.approx(R_VALUES["robust_se"], abs=1e-8)
    assert row["hazard_ratio"] == pytest.approx(np.exp(R_VALUES["coef"]), rel=1e-6)
    assert row["n"] == 60 and row["events"] == DATA["event"].sum()
    # the PH check is R's cox.zph: p for baseline 0.451445816368011
    ph = checks[checks["model"] == "intake score (per point)"].set_index("term")
    assert ph.loc["intake_score", "p_value"] == pytest.approx(R_VALUES["zph_p"], abs=1e-6)
    assert ph.loc["GLOBAL", "df"] == 1


def test_strata_model_has_one_term_per_stratum_above_the_mildest():
    table, _ = fit_cox(DATA, ["mild", "moderate", "severe"])
    terms = table.loc[table["model"] == "severity strata", "term"].tolist()
    assert terms == ["stratum: moderate vs mild", "stratum: severe vs mild"]
    ordered = table.loc[
        table["model"] == "severity strata", ["ci_lower", "hazard_ratio", "ci_upper"]
    ]
    assert (ordered["ci_lower"] <= ordered["hazard_ratio"]).all()
    assert (ordered["hazard_ratio"] <= ordered["ci_upper"]).all()


def test_not_estimable_is_labelled():
    table, checks = fit_cox(DATA.assign(event=0), ["mild"])
    assert set(table["note"]) == {"not estimable: fewer than two events"}
    assert checks.empty


def covariate_fixture() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    data = DATA.copy()
    data["support"] = np.round(rng.normal(0, 1, len(data)), 2)
    data["sex"] = rng.choice(["female", "male"], len(data))
    data["end_reason"] = np.where(rng.random(len(data)) < 0.4, "dropout", "planned")
    return data


def test_adjusted_model_with_interaction_matches_r():
    # d$male <- as.numeric(d$sex == "male")
    # coxph(Surv(time, event) ~ baseline + support + male + support:male, data = d)
    options = {"covariates": ["support", "sex"], "interactions": [["support", "sex"]]}
    table, _ = fit_cox(covariate_fixture(), ["mild", "moderate", "severe"], **options)
    adjusted = table[table["model"] == "intake score and covariates"].set_index("term")
    assert list(adjusted.index) == [
        "intake_score",
        "support",
        "sex: male vs female",
        "support x sex: male vs female",
    ]
    np.testing.assert_allclose(
        adjusted["coef"],
        [-0.0146508103859014, 0.0126625688876657, 0.3202255843347254, -0.1319390131741668],
        atol=1e-6,
    )
    np.testing.assert_allclose(
        adjusted["se"],
        [0.0227871347221185, 0.1732474100209452, 0.3251680722700384, 0.2632429011430947],
        atol=1e-6,
    )


def test_cause_specific_dropout_model_matches_r():
    # d$dropout <- as.numeric(d$event == 0 & d$end_reason == "dropout")
    # coxph(Surv(time, dropout) ~ baseline, data = d): 0.0115542414583872 (0.0482237215028275)
    table, _ = fit_cox(covariate_fixture(), ["mild", "moderate", "severe"])
    row = table[table["model"] == "intake score, dropout (cause-specific)"].iloc[0]
    assert row["coef"] == pytest.approx(0.0115542414583872, abs=1e-6)
    assert row["se"] == pytest.approx(0.0482237215028275, abs=1e-6)


def test_pooled_data_sets_are_strata_and_clusters():
    pooled = DATA.drop(columns="therapist").assign(dataset=np.where(DATA.index < 30, "a", "b"))
    table, _ = fit_cox(pooled, ["mild", "moderate", "severe"])
    assert set(table["note"]) == {"robust SE by dataset"}
    # stratified by data set: differs from the unstratified fit of the same clients
    plain, _ = fit_cox(pooled.drop(columns="dataset"), ["mild", "moderate", "severe"])
    assert table["coef"].iloc[0] != pytest.approx(plain["coef"].iloc[0], abs=1e-9)


def test_ph_test_is_r_cox_zph_per_term_and_global():
    # d$male <- as.numeric(d$sex == "male")
    # cox.zph(coxph(Surv(time, event) ~ baseline + support + male, data = d))$table:
    # baseline 1.1206469031215487, support 0.0796433217923276, male 0.5638315457109160,
    # GLOBAL 1.9399397991874998 on 3 df
    _, checks = fit_cox(covariate_fixture(), ["mild"], covariates=["support", "sex"])
    ph = checks[checks["model"] == "intake score and covariates"].set_index("term")
    np.testing.assert_allclose(
        ph["statistic"],
        [1.1206469031215487, 0.0796433217923276, 0.5638315457109160, 1.9399397991874998],
        atol=1e-6,
    )
    assert ph.loc["GLOBAL", "df"] == 3
    assert set(ph["verdict"]) == {"hazards look proportional"}


def test_score_residuals_and_stratified_robust_variance_match_r():
    # d <- read.csv(DATA); head(residuals(coxph(Surv(time, event) ~ baseline, data = d),
    #                          type = "score"), 5)
    x = DATA[["baseline"]].to_numpy()
    resid = score_residuals(DATA["time"], DATA["event"], x, np.array([R_VALUES["coef"]]))
    r_first = [
        -0.0163885575099884,
        10.8272982128193291,
        -7.8769945150680671,
        4.7754361117139252,
        -0.7248156511754447,
    ]
    np.testing.assert_allclose(resid[:5, 0], r_first, rtol=1e-7)
    assert abs(resid.sum()) < 1e-6  # the score is zero at the estimate
    # b: 400 clients drawn with numpy (seed 5), ties at 14 times, 2 strata, 30 clusters:
    # g <- coxph(Surv(time, event) ~ x1 + x2 + strata(st), data = b, cluster = cl)
    # sqrt(diag(g$var)) 0.0514641826794783 0.1082368414730508
    rng = np.random.default_rng(5)
    n = 400
    b = pd.DataFrame(
        {
            "time": rng.integers(1, 15, n),
            "event": rng.binomial(1, 0.6, n),
            "x1": np.round(rng.normal(0, 1, n), 2),
            "x2": rng.binomial(1, 0.4, n),
            "cl": rng.integers(0, 30, n),
            "st": rng.integers(0, 2, n),
        }
    )
    beta = np.array([-0.00757286775507025, 0.04360396238988214])  # coef(g)
    naive_se = np.array([0.0612478746344947, 0.1266224453436846])  # sqrt(diag(g$naive.var))
    from lifelines import CoxPHFitter

    fit = CoxPHFitter(strata=["st"]).fit(b[["time", "event", "x1", "x2", "st"]], "time", "event")
    np.testing.assert_allclose(fit.params_.to_numpy(), beta, atol=1e-6)
    variance = fit.variance_matrix_.to_numpy()
    np.testing.assert_allclose(np.sqrt(np.diag(variance)), naive_se, rtol=1e-5)
    robust = robust_variance(
        b["time"],
        b["event"],
        b[["x1", "x2"]].to_numpy(),
        fit.params_.to_numpy(),
        variance,
        b["cl"],
        b["st"],
    )
    r_robust = [0.0514641826794783, 0.1082368414730508]  # sqrt(diag(g$var))
    np.testing.assert_allclose(np.sqrt(np.diag(robust)), r_robust, rtol=1e-5)


def test_chunked_sums_give_the_same_numbers_as_one_pass(monkeypatch):
    """At scale the score residuals and the PH test run a chunk of rows at a time: with
    chunks of a few rows, the R-checked numbers above must come out the same."""
    import dosecurve.stats.cox_ph_test as ph
    import dosecurve.stats.robust_variance as rv

    monkeypatch.setattr(rv, "CHUNK", 7)
    monkeypatch.setattr(ph, "CHUNK", 5)
    test_score_residuals_and_stratified_robust_variance_match_r()
    test_ph_test_is_r_cox_zph_per_term_and_global()
