"""The figures of change and monitoring: each draws what its table says, and only that."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dosecurve.figures.change import (
    MIN_AT_RISK,
    MIN_BAND_N,
    gel_lines,
    plot_caterpillar,
    plot_expected_recovery,
    plot_gel,
    plot_review_points,
)
from dosecurve.stats.review_points import COLUMNS

GEL = pd.DataFrame(
    {
        "band": ["1-8", "9-16", "17+", "interaction", "trend"],
        "to_session": [8, 16, 120, np.nan, np.nan],
        "median_attended": [5, 12, 30, np.nan, np.nan],
        "intercept": [20.0, 21.0, 22.0, np.nan, np.nan],
        "rate": [-0.5, -0.3, -0.1, np.nan, -0.2],
    }
)


def test_gel_lines_follow_the_fitted_bands_over_their_range():
    lines = gel_lines(GEL)
    assert list(dict.fromkeys(lines["band"])) == ["1-8", "9-16", "17+"]
    short = lines.loc[lines["band"] == "1-8"]
    assert short["session"].tolist() == list(range(9))  # intake to the band's last session
    np.testing.assert_allclose(short["fitted"], 20 - 0.5 * np.arange(9))
    # the open band ends at its median length, not at its longest therapy
    assert lines.loc[lines["band"] == "17+", "session"].max() == 30
    fig = plot_gel(lines, "CORE-OM score")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.get_lines()] == [
        "1-8 sessions",
        "9-16 sessions",
        "17+ sessions",
    ]
    assert ax.get_xlim()[1] >= 30 and ax.get_ylabel() == "CORE-OM score"


def test_gel_figure_says_when_not_estimable():
    lines = gel_lines(
        pd.DataFrame(
            {
                "band": ["interaction"],
                "to_session": [np.nan],
                "median_attended": [np.nan],
                "intercept": [np.nan],
                "rate": [np.nan],
            }
        )
    )
    assert lines.empty
    assert "not estimable" in plot_gel(lines, "score").axes[0].texts[0].get_text()


def test_caterpillar_ranks_each_measure_with_intervals_and_a_log_hazard_axis():
    estimates = pd.DataFrame(
        {
            "measure": ["rate of change"] * 3 + ["time to improvement (hazard ratio)"] * 2,
            "therapist": [
                "therapist 1",
                "therapist 2",
                "therapist 3",
                "therapist 1",
                "therapist 2",
            ],
            "estimate": [-0.3, -0.2, -0.1, 0.5, 2.0],
            "ci_lower": [-0.4, -0.3, -0.2, 0.25, 1.0],
            "ci_upper": [-0.2, -0.1, 0.0, 1.0, 4.0],
            "n_clients": [10, 12, 9, 10, 12],
        }
    )
    fig = plot_caterpillar(estimates)
    rate_ax, hazard_ax = fig.axes
    points = rate_ax.containers[0].lines[0]
    np.testing.assert_allclose(points.get_ydata(), [-0.3, -0.2, -0.1])
    np.testing.assert_allclose(points.get_xdata(), [1, 2, 3])
    assert hazard_ax.get_yscale() == "log"
    assert "1" in [t.get_text() for t in hazard_ax.get_yticklabels()]  # plain tick labels
    assert rate_ax.get_ylabel().startswith("Rate of change")
    empty = plot_caterpillar(estimates.iloc[0:0])
    assert "No therapist estimates" in empty.axes[0].texts[0].get_text()


def test_review_points_figure_one_panel_per_horizon_without_thin_points():
    rows = []
    for method in ("km", "ipcw"):
        for m in (4, 13):
            for k, at_risk in ((4, 100), (13, 50), (26, MIN_AT_RISK - 1)):
                p = 0.1 * m / 4 + 0.01 * k
                rows.append((method, "mild", k, m, p, p - 0.05, p + 0.05, at_risk))
    table = pd.DataFrame(rows, columns=COLUMNS[:-1])  # every column but the note
    fig = plot_review_points(table, ["mild"])
    panels = [ax for ax in fig.axes]
    assert [ax.get_title() for ax in panels] == [
        "Within 4 more sessions",
        "Within 13 more sessions",
    ]
    assert fig.get_supxlabel() == "Not improved by session"
    km = panels[0].containers[0].lines[0]
    np.testing.assert_allclose(km.get_xdata(), [4, 13])  # session 26: too few at risk
    np.testing.assert_allclose(km.get_ydata(), [0.14, 0.23])
    assert panels[0].get_ylim() == (0, 1)
    assert len(panels[0].containers) == 2  # Kaplan-Meier and IPCW


def test_expected_recovery_draws_bands_only_where_enough_scores():
    sessions = np.arange(0, 6)
    table = pd.DataFrame(
        {
            "stratum": "moderate",
            "session": sessions,
            "n": [30, 30, 20, 12, MIN_BAND_N - 1, "<5"],
            "p10": 10.0 - sessions,
            "p50": 15.0 - sessions,
            "p90": 20.0 - sessions,
        }
    )
    fig = plot_expected_recovery(table, ["mild", "moderate"], "CORE-OM score", 10.0)
    ax = fig.axes[0]
    assert ax.get_title() == "moderate"
    median = ax.get_lines()[0]
    np.testing.assert_allclose(median.get_xdata(), [0, 1, 2, 3])
    np.testing.assert_allclose(median.get_ydata(), [15, 14, 13, 12])
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].max() == pytest.approx(20) and band[:, 1].min() == pytest.approx(7)
    assert ax.get_lines()[1].get_ydata()[0] == 10.0  # the cutoff


def test_a_weekly_clock_is_named_in_the_captions_axes_and_report_sections():
    from dosecurve.config import parse_dataset
    from dosecurve.figures.catalog import FIGURES, figure_context
    from dosecurve.labels import Clock
    from dosecurve.report.change import change_sections

    ds = {"simulate": {"preset": "nordmo2021"}, "time_unit": "weeks"}
    context = figure_context(parse_dataset(ds), conf_level=0.95, conf_type="log-log")
    for name in ("gel_trajectories", "therapist_caterpillar", "review_points", "expected_recovery"):
        caption = FIGURES[name].caption(context)
        assert "session" not in caption, (name, caption)
    weeks = Clock("weeks")
    assert plot_gel(gel_lines(GEL), "score", weeks).axes[0].get_xlabel() == "Week"

    class Tables:
        gel_test = GEL.assign(
            statistic=[np.nan] * 3 + [1.0, 1.0],
            df=[np.nan] * 3 + [2, 1],
            p_value=[np.nan] * 3 + [0.5, 0.6],
        )
        growth_models = recovery_by_length = therapist_effects = None
        review_points = None

    html = " ".join(change_sections(Tables, lambda name: [], weeks, ["mild"]))
    assert "session" not in html.replace("from_session", "").replace("to_session", "")
    assert "per week" in html
