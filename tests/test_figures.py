"""The cumulative-improvement figure: its content, not its pixels."""

from __future__ import annotations

import numpy as np
from test_survival import r_events

from dosecurve.figures import plot_improvement, session_breaks
from dosecurve.survival import at_risk_at, fit_by_stratum


def test_figure_has_one_curve_per_stratum_and_the_risk_table_of_the_tables():
    fit = fit_by_stratum(r_events(), ["a", "b", "c"])
    curves = fit.tidy()
    fig = plot_improvement(curves, ["a", "b", "c"])
    ax, table_ax = fig.axes
    labels = [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert labels == ["a (n = 15)", "b (n = 10)", "c (n = 10)", "all (n = 35)"]
    assert ax.get_ylabel() == "Cumulative proportion improved"
    assert table_ax.get_xlabel() == "Sessions attended"
    breaks = session_breaks(float(curves["time"].max()))
    assert breaks == [0, 4, 8, 12, 16, 20]
    shown = [t.get_text() for t in table_ax.texts if t.get_text().isdigit()]
    expected = [str(at_risk_at(fit.curves[s], t)) for s in ["a", "b", "c", "all"] for t in breaks]
    assert shown == expected  # the same numbers as improved_by_session's at_risk
    # curves go up: the plotted cumulative proportion never falls
    for line in ax.get_lines():
        y = np.asarray(line.get_ydata(), float)
        if line.get_label() == "a (n = 15)":
            assert np.all(np.diff(y) >= 0) and y[0] == 0


def test_empty_curves_give_a_figure_that_says_why():
    fit = fit_by_stratum(r_events().assign(eligible=False), ["a"])
    fig = plot_improvement(fit.tidy(), ["a"])
    assert "No client was eligible" in fig.axes[0].texts[0].get_text()
