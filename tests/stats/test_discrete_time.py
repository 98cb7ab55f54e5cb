"""The discrete-time hazard model against R's glm (and sandwich::vcovCL)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from test_cox import DATA

from dosecurve.stats.discrete_time import fit_discrete, person_sessions, risk_counts

EVENTS = DATA.assign(client=[f"c{i}" for i in range(len(DATA))])
# person_sessions(EVENTS) written to CSV, then in R 4.2:
# f <- glm(y ~ log(session) + intake, family = binomial(link = "cloglog"), data = d)
R_COEF = [-2.2568922147874981, -0.1385127354416089, -0.0154786499214176]
R_SE = [0.5810870049105464, 0.1393073049007579, 0.0220140476451634]
# sqrt(diag(sandwich::vcovCL(f, cluster = ~therapist)))
R_CLUSTER_SE = [0.5818412477510603, 0.1115024422570080, 0.0187713462897752]


def test_person_session_rows():
    rows = person_sessions(EVENTS)
    assert len(rows) == EVENTS["time"].sum()
    assert rows.groupby("client")["y"].sum().sum() == EVENTS["event"].sum()
    last = rows.groupby("client").tail(1)
    assert (
        last["session"].to_numpy() == EVENTS.set_index("client").loc[last["client"], "time"]
    ).all()


def test_matches_r_glm():
    table = fit_discrete(EVENTS.drop(columns="therapist"))
    np.testing.assert_allclose(table["coef"], R_COEF, atol=1e-6)
    np.testing.assert_allclose(table["se"], R_SE, atol=1e-6)
    assert table["term"].tolist() == ["const", "log_session", "intake_score"]


def test_cluster_robust_se_matches_r_sandwich():
    table = fit_discrete(EVENTS)
    np.testing.assert_allclose(table["coef"], R_COEF, atol=1e-6)
    np.testing.assert_allclose(table["se"], R_CLUSTER_SE, rtol=1e-6)
    assert set(table["note"]) == {"cluster-robust SE by therapist"}


def test_too_few_events():
    table = fit_discrete(EVENTS.assign(event=0))
    assert table["note"].item() == "not estimable: fewer than three events"


def test_counts_are_the_person_session_rows_aggregated():
    rows = person_sessions(EVENTS)
    expected = rows.groupby(["intake", "session"]).agg(trials=("y", "size"), events=("y", "sum"))
    counts = risk_counts(EVENTS).set_index(["intake", "session"]).sort_index()
    pd.testing.assert_frame_equal(counts, expected.sort_index(), check_dtype=False)
    # the aggregated fit equals the fit to the rows (R's glm on the rows: R_COEF)
    assert risk_counts(EVENTS)["trials"].sum() == len(rows)
