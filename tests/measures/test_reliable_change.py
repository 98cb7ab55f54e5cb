"""Reliable-change methods, cutoffs and the pre-post classification."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import EXTERNAL

from dosecurve.measures import reliable_change
from dosecurve.measures.instruments import PRESETS, Norms, resolve_instrument
from dosecurve.outcomes import prepost

PRE = np.array([20, 24, 16, 28, 12.0])
POST = np.array([10, 22, 17, 18, 13.0])
R_INST = resolve_instrument({"preset": "core-om", "reliability": 0.8})


def test_cutoffs_and_reliable_change_from_norms():
    # Jacobson & Truax (1991) style example: clinical 40 (7.5), functional 60 (7.5),
    # higher is better. a = 40 + 2 * 7.5 = 55; b = 60 - 2 * 7.5 = 45 (functional SD);
    # c = (7.5 * 60 + 7.5 * 40) / 15 = 50.
    norms = Norms(0.9, 40, 7.5, 60, 7.5)
    assert norms.cutoffs(lower_is_better=False) == {"a": 55, "b": 45, "c": 50}
    # lower is better, unequal SDs: clinical 20 (6), functional 8 (4):
    # a = 20 - 12 = 8; b = 8 + 2 * 4 = 16 (not 8 + 2 * 6 = 20); c = (6 * 8 + 4 * 20) / 10 = 12.8
    cut = Norms(0.94, 20, 6, 8, 4).cutoffs(lower_is_better=True)
    assert cut == pytest.approx({"a": 8, "b": 16, "c": 12.8})
    # RC = 1.959964 * sqrt(2) * 6 * sqrt(0.06) = 1.959964 * (1.414214 * 1.469694) = 1.959964 *
    # 2.078461 = 4.073709
    assert Norms(0.94, 20, 6).reliable_change() == pytest.approx(4.073709, abs=1e-6)


def test_instrument_from_norms_uses_cutoff_c_by_default():
    inst = resolve_instrument(
        {
            "range": [0, 60],
            "norms": {
                "reliability": 0.94,
                "clinical_mean": 20,
                "clinical_sd": 6,
                "functional_mean": 8,
                "functional_sd": 4,
            },
        }
    )
    assert inst.cutoff == pytest.approx(12.8) and inst.cutoff_type == "c"
    inst_b = resolve_instrument(
        {
            "range": [0, 60],
            "cutoff_type": "b",
            "norms": {
                "reliability": 0.94,
                "clinical_mean": 20,
                "clinical_sd": 6,
                "functional_mean": 8,
                "functional_sd": 4,
            },
        }
    )
    assert inst_b.cutoff == pytest.approx(16)
    with pytest.raises(ValueError, match="cutoff_type 'c' needs functional_mean"):
        resolve_instrument(
            {
                "range": [0, 60],
                "cutoff_type": "c",
                "norms": {"reliability": 0.9, "clinical_mean": 20, "clinical_sd": 6},
            }
        )


def test_sample_stats_hand_worked():
    # pre deviations 0, 4, -4, 8, -8: SS 160, SD sqrt(40) = 6.324555; post mean 16,
    # deviations -6, 6, 1, 2, -3: SS 86, SD sqrt(21.5) = 4.636809;
    # cov = (0 + 24 - 4 + 16 + 24) / 4 = 15; r = 15 / (6.324555 * 4.636809) = 0.511496
    s = reliable_change.sample_stats(PRE, POST)
    assert (s.m_pre, s.m_post) == (20, 16)
    assert s.sd_pre == pytest.approx(np.sqrt(40))
    assert s.sd_post == pytest.approx(np.sqrt(21.5))
    assert s.r_prepost == pytest.approx(0.511495754602855, abs=1e-12)


# R (base only), r = 0.8, se <- sd(pre) * sqrt(1 - r) = 2.828427:
# gln <- ((post - mean(pre)) - r * (pre - mean(pre))) / (sd(pre) * sqrt(1 - r^2))
# en  <- (post - (r * (pre - mean(pre)) + mean(pre))) / se
# nk  <- (post - (r * (pre - mean(pre)) + mean(pre))) / sqrt(r^2 sd^2 (1 - r) + sd^2 (1 - r))
# ha  <- ((post - pre) * rdd + (mean(post) - mean(pre)) * (1 - rdd)) / (sqrt(rdd) sqrt(2) se)
#        with rdd = 0.492063492063492
R_VALUES = {
    "gln": [
        -2.635231383473650,
        -0.316227766016838,
        0.052704627669473,
        -2.213594362117866,
        -0.158113883008419,
    ],
    "en": [
        -3.5355339059327378,
        -0.4242640687119283,
        0.0707106781186545,
        -2.9698484809834995,
        -0.2121320343559641,
    ],
    "nk": [
        -2.7607881518711634,
        -0.3312945782245394,
        0.0552157630374231,
        -2.3190620475717769,
        -0.1656472891122697,
    ],
    "ha": [
        -2.477781451552777,
        -1.074836702728373,
        -0.548732421919222,
        -2.477781451552777,
        -0.548732421919222,
    ],
}


@pytest.mark.parametrize("method", ["gln", "en", "nk", "ha"])
def test_rc_statistics_match_r(method):
    stat, crit = reliable_change.rc_statistic(PRE, POST, method=method, instrument=R_INST)
    np.testing.assert_allclose(stat, R_VALUES[method], atol=1e-12)
    assert crit == pytest.approx(1.644854 if method == "ha" else 1.959964, abs=1e-6)
    # clients 1 and 4 improve reliably by every method; none deteriorates
    cats = reliable_change.classify(PRE, POST, method=method, instrument=R_INST)
    assert list(cats) == ["improved", "unchanged", "unchanged", "improved", "unchanged"]


def test_ha_reliability_of_difference_matches_r():
    s = reliable_change.sample_stats(PRE, POST)
    se = s.sd_pre * np.sqrt(1 - 0.8)
    assert reliable_change.ha_reliability_of_difference(s, se) == pytest.approx(0.492063492063492)


def test_methods_mirror_when_higher_is_better():
    wb = resolve_instrument(
        {
            "cutoff": 20,
            "reliable_change": 5,
            "range": [0, 40],
            "lower_is_better": False,
            "reliability": 0.8,
        }
    )
    stat, _ = reliable_change.rc_statistic(40 - PRE, 40 - POST, method="en", instrument=wb)
    np.testing.assert_allclose(stat, R_VALUES["en"], atol=1e-12)


def test_jt_categories_at_the_boundaries():
    core = PRESETS["core-om"]
    pre = np.array([20, 20, 12, 8, 8, 15, 9.9])
    post = np.array([10, 9.9, 17, 13, 12.9, 11, 10])
    # 20->10: fall 10 but 10 is clinical: improved; 20->9.9: recovered;
    # 12->17: +5 reliable worse, clinical to clinical: deteriorated; 8->13 harmed;
    # 8->12.9: +4.9 not reliable: unchanged; 15->11: -4: unchanged; 9.9->10: unchanged
    cats = reliable_change.classify(pre, post, method="jt", instrument=core)
    expected = [
        "improved",
        "recovered",
        "deteriorated",
        "harmed",
        "unchanged",
        "unchanged",
        "unchanged",
    ]
    assert list(cats) == expected
    table = reliable_change.category_table(pd.Series(cats))
    assert table["n"].tolist() == [1, 1, 3, 1, 1]
    assert table["percent"].sum() == pytest.approx(100)


def test_prepost_effect_matches_r():
    # d <- (mean(pre) - mean(post)) / sd(pre); v <- 2 (1 - r12) / n + d^2 / (2 n)
    # c(d, d -+ qnorm(.975) sqrt(v)) = 0.632455532033676 -0.318483966461744 1.583395030529096
    eff = reliable_change.prepost_effect(PRE, POST, instrument=PRESETS["core-om"])
    assert eff["d"] == pytest.approx(0.632455532033676, abs=1e-12)
    assert eff["d_ci_lower"] == pytest.approx(-0.318483966461744, abs=1e-12)
    assert eff["d_ci_upper"] == pytest.approx(1.583395030529096, abs=1e-12)


def test_prepost_pairs_first_and_last_or_configured_session():
    sessions = pd.DataFrame(
        {
            "client": ["a"] * 4 + ["b"] * 2 + ["c"],
            "session": [0, 3, 6, 9, 0, 2, 0],
            "score": [20, 18, np.nan, 12, 15, 14, 22],
        }
    )
    pairs = prepost.prepost_pairs(sessions).set_index("client")
    assert pairs.loc["a", ["pre", "post", "post_session"]].tolist() == [20, 12, 9]
    assert "c" not in pairs.index
    at6 = prepost.prepost_pairs(sessions, post=6).set_index("client")
    assert at6.loc["a", "post"] == 18 and at6.loc["b", "post"] == 14


def test_prepost_analysis_groups_and_counts():
    pairs = pd.DataFrame(
        {"client": list("abcdef"), "pre": [20, 20, 12, 8, 15, 25], "post": [9, 10, 17, 13, 11, 12]}
    )
    groups = pd.DataFrame({"client": list("abcdef"), "arm": list("xxxyyy")})
    res = prepost.prepost_analysis(
        pairs, groups, method="jt", instrument=PRESETS["core-om"], clients_read=8
    )
    cats = res.categories.set_index("category")
    assert cats["n"].to_dict() == {
        "recovered": 1,
        "improved": 2,
        "unchanged": 1,
        "deteriorated": 1,
        "harmed": 1,
    }
    assert (res.categories["clients_read"] == 8).all() and (
        res.categories["clients_used"] == 6
    ).all()
    x = res.by_group[(res.by_group["group"] == "x")].set_index("category")["n"]
    assert x.to_dict() == {
        "recovered": 1,
        "improved": 1,
        "unchanged": 0,
        "deteriorated": 1,
        "harmed": 0,
    }
    assert res.effects["grouping"].tolist() == ["all", "arm", "arm"]
    assert res.reliable_change.loc[0, "method"] == "JT"


def read_external(name: str) -> pd.DataFrame:
    path = EXTERNAL / name
    if not path.exists():
        pytest.skip(f"{path} not available (the shared data folder sits beside the checkout)")
    return pd.read_csv(path)


def test_jacobson_1989_das_categories():
    # Worked independently in R (base only, no dosecurve code):
    # rc <- qnorm(.975) * sqrt(2) * 23.8 * sqrt(1 - .96)            # 13.19380
    # cc <- (23.8 * 114.8 + 17.8 * 70.7) / (23.8 + 17.8)           # 95.93029
    # ch <- post - pre; better <- ch > rc; worse <- -ch > rc; clinical <- score <= cc
    # table: recovered 13, improved 5, unchanged 11, deteriorated 1 (30 couples)
    raw = read_external("jacobson_1989.csv")
    wide = raw.pivot(index="subject", columns="time", values="das")
    das = resolve_instrument(
        {
            "name": "DAS",
            "range": [0, 151],
            "lower_is_better": False,
            "norms": {
                "reliability": 0.96,
                "clinical_mean": 70.7,
                "clinical_sd": 23.8,
                "functional_mean": 114.8,
                "functional_sd": 17.8,
            },
        }
    )
    assert das.reliable_change == pytest.approx(13.1938044078089)
    assert das.cutoff == pytest.approx(95.9302884615385)
    cats = reliable_change.classify(
        wide["pre"].to_numpy(), wide["post"].to_numpy(), method="jt", instrument=das
    )
    counts = pd.Series(cats).value_counts().to_dict()
    assert counts == {"recovered": 13, "unchanged": 11, "improved": 5, "deteriorated": 1}


def test_claus_2020_bdi_categories():
    # R: pre = time 1, post = time 4, both scored (40 of 43 patients); BDI-II preset:
    # better <- pre - post >= 8.46; clinical <- score >= 14
    # table: recovered 8, improved 12, unchanged 18, deteriorated 2
    raw = read_external("claus_2020.csv")
    sessions = raw.rename(columns={"id": "client", "time": "session", "bdi": "score"})
    sessions = sessions[["client", "session", "score"]].sort_values(["client", "session"])
    pairs = prepost.prepost_pairs(sessions, post=4)
    pairs = pairs[(pairs["pre_session"] == 1) & (pairs["post_session"] == 4)]
    res = prepost.prepost_analysis(
        pairs,
        pairs[["client"]],
        method="jt",
        instrument=PRESETS["bdi-ii"],
        clients_read=sessions["client"].nunique(),
    )
    counts = res.categories.set_index("category")["n"].to_dict()
    assert counts == {
        "recovered": 8,
        "improved": 12,
        "unchanged": 18,
        "deteriorated": 2,
        "harmed": 0,
    }
    assert res.categories.loc[0, "clients_read"] == 43
    assert res.categories.loc[0, "clients_used"] == 40


def test_the_written_critical_values_are_the_normal_quantiles():
    from dosecurve.measures.instruments import Z_975
    from dosecurve.measures.reliable_change import Z_95
    from dosecurve.stats.distributions import normal_quantile

    assert Z_95 == float(normal_quantile(0.95)) and Z_975 == float(normal_quantile(0.975))
