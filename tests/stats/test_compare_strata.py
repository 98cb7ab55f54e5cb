"""The compare_strata step's tables from one call, against R's survival."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import r_events

from dosecurve.config import AnalysisSettings, parse_dataset
from dosecurve.stats.compare_strata import compare_strata

BANDS = {
    "bands": [
        {"name": "a", "from": 0, "to": 10},
        {"name": "b", "from": 10, "to": 20},
        {"name": "c", "from": 20},
    ]
}


def test_the_step_tables_match_r():
    events = r_events().assign(end_reason="planned")
    stacked = events.assign(definition="csi")
    settings = parse_dataset({"simulate": {}, "severity": BANDS}, "r")
    tables = compare_strata(events, stacked, settings, AnalysisSettings(), improved_at=[4, 8])
    assert set(tables) == {"logrank", "pairwise", "competing", "competing_tests", "sensitivity"}
    # survdiff(Surv(time, event) ~ group)$chisq = 7.27456461699516 on 2 df
    overall = tables["logrank"].iloc[0]
    assert overall["statistic"] == pytest.approx(7.27456461699516, abs=1e-9)
    assert overall["df"] == 2
    assert len(tables["pairwise"]) == 3  # a-b, a-c, b-c
    # quantile(survfit(Surv(time, event) ~ 1, conf.type = "log-log"), .5) = 8
    sensitivity = tables["sensitivity"].set_index("definition")
    assert sensitivity.loc["csi", "median"] == 8 and sensitivity.loc["csi", "n"] == 35
    # no one dropped out: the incidence of improvement is one minus Kaplan-Meier, at the
    # sessions asked for
    competing = tables["competing"]
    assert competing["session"].unique().tolist() == [4, 8]
    np.testing.assert_allclose(competing["cif_dropout"], 0)
    np.testing.assert_allclose(competing["overstatement"], 0, atol=1e-12)
    # every planned ending without improvement competes: Gray's test, R (cmprsk 2.2-11)
    # cuminc(time, ifelse(event == 1, 1, 2), group)$Tests[, "stat"] = 4.846664071868100,
    # 0.452257188815552; these events have no intake score, so no Fine-Gray model
    gray = tables["competing_tests"].set_index(["test", "outcome"])
    assert gray.loc[("gray", "improved"), "statistic"] == pytest.approx(4.8466640718681, abs=1e-9)
    ended = gray.loc[("gray", "ended_without_improvement"), "statistic"]
    assert ended == pytest.approx(0.452257188815552, abs=1e-9)
    assert gray.loc[("fine_gray", "improved"), "note"].startswith("not estimable")
