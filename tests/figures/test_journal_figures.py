"""What issue 18 asks of the figures, checked on the drawn objects: where curves end and the
axis with them, labels off the data, the curve by arm, the competing-risks band without an
edge, smooth fits over observed follow-up only, the forest's numbers, trajectories broken at
gaps, attendance as a distribution, journal widths, fonts and colours."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from conftest import r_events
from matplotlib.colors import to_rgb

from dosecurve.config import FigureSettings, figure_settings, parse_dataset
from dosecurve.figures import data as fd
from dosecurve.figures.catalog import draw_group_figure, figure_context, group_data
from dosecurve.figures.curves import (
    axis_end,
    colour_of,
    plot_improvement,
    plot_incidence,
)
from dosecurve.figures.layout import fit_width, time_breaks
from dosecurve.figures.scores import plot_attendance, plot_trajectories, with_gaps
from dosecurve.figures.style import MIN_FONT_PT, severity_colours, smallest_font
from dosecurve.measures.instruments import resolve_instrument
from dosecurve.stats.dose_response import fit_aft, smooth_curves
from dosecurve.stats.kaplan_meier import fit_by_stratum

STRATA = ["a", "b", "c"]
CONTEXT = figure_context(
    parse_dataset({"simulate": {"preset": "nordmo2021"}}), conf_level=0.95, conf_type="log-log"
)


def curves_to_horizon(setting=None):
    curves = fit_by_stratum(r_events(), STRATA).tidy()
    ends = fd.horizons(curves, setting)
    return curves, ends, fd.within_horizon(curves, ends)


def test_each_curve_ends_at_its_horizon_and_the_tail_is_said():
    curves, ends, shown = curves_to_horizon()
    for row in ends.itertuples():
        part = curves[curves["stratum"] == row.stratum]
        # the last time with at least 10 % of the stratum's clients at risk, worked out here
        enough = part.loc[part["at_risk"] >= 0.1 * part["at_risk"].iloc[0], "time"]
        assert row.horizon == enough.max() and row.last_time == part["time"].max()
        assert shown.loc[shown["stratum"] == row.stratum, "time"].max() == row.horizon
        beyond = part.loc[part["time"] > row.horizon, "at_risk"]
        assert row.at_risk_beyond == (beyond.iloc[0] if len(beyond) else 0)
    fixed = curves_to_horizon(setting=8.0)[2]
    assert fixed["time"].max() <= 8.0 and set(fixed["stratum"]) == set(curves["stratum"])
    sentence = fd.horizon_sentence(ends, None)
    assert sentence.startswith("Each curve ends at the last session with at least 10 %")
    assert "tables/km_curves.csv" in sentence or "no curve has follow-up beyond" in sentence
    assert fd.horizon_sentence(fd.horizons(curves, 8.0), 8.0).startswith(
        "Curves end at session 8 (figures.horizon):"
    )


def test_the_axis_ends_past_the_last_step_and_the_legend_is_off_the_curves():
    _, _, shown = curves_to_horizon()
    risk = fd.risk_table(shown, time_breaks(shown))
    fig = fit_width(plot_improvement(shown, risk, STRATA, test="Log-rank: x"), 180)
    ax = fig.axes[0]
    last = float(shown["time"].max())
    assert ax.get_xlim()[1] == axis_end(last) > last  # the last step is visible
    assert [int(t) for t in ax.get_xticks()] == sorted(set(risk["session"]))  # same breaks
    fig.draw_without_rendering()
    plot_box = ax.get_window_extent()
    (legend,) = fig.legends
    assert not legend.get_window_extent().overlaps(plot_box)
    assert not legend.get_window_extent().overlaps(ax.title.get_window_extent())
    assert "Log-rank: x" in ax.get_title() and not ax.texts  # the test is not on the curves


def test_log_dose_axis_doubles_from_session_one():
    _, _, shown = curves_to_horizon()
    breaks = time_breaks(shown, log_dose=True)
    assert breaks == [1, 2, 4, 8, 16][: len(breaks)] and breaks[-1] <= axis_end(20, True)
    fig = plot_improvement(shown, fd.risk_table(shown, breaks), STRATA, log_dose=True)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlim()[0] == pytest.approx(0.8)
    assert fig.axes[1].get_xlabel().endswith("(log scale)")


def test_a_curve_for_each_treatment_arm_with_its_own_risk_table_and_test():
    events = r_events().assign(arm=lambda d: np.where(np.arange(len(d)) % 2, "CBT", "waitlist"))
    tables = group_data(events, "arm", CONTEXT)
    assert set(tables["curves"]["stratum"]) == {"CBT", "waitlist", "all"}
    assert set(tables["risk_table"]["stratum"]) == {"CBT", "waitlist", "all"}
    assert len(tables["logrank"]) == 1 and tables["logrank"]["df"].iloc[0] == 1
    files, fig = draw_group_figure(events, "arm", CONTEXT)
    assert list(files) == ["csv", "risk_table", "logrank", "horizon"]
    assert "by arm" in fig.axes[0].get_title() and fig.legends[0].get_title().get_text() == (
        "arm (dots: medians)"
    )
    at_zero = files["risk_table"].loc[lambda d: d["session"] == 0].set_index("stratum")
    assert at_zero.loc["CBT", "at_risk"] == (events["arm"] == "CBT").sum()


def test_incidence_band_has_no_vertical_edge_where_a_limit_is_missing():
    events = r_events().assign(end_reason="dropout")
    cif = fd.incidence_curves(events, STRATA)
    cif.loc[cif.groupby("stratum")["time"].idxmax(), ["lower_improved", "upper_improved"]] = np.nan
    risk = fd.incidence_risk_table(cif, [0, 10, 20])
    fig = plot_incidence(cif, risk, STRATA)
    top = fig.axes[0]
    for band, name in zip(top.collections, STRATA, strict=True):
        part = cif[cif["stratum"] == name].dropna(subset=["lower_improved"])
        vertices = np.vstack([p.vertices for p in band.get_paths()])
        right = vertices[vertices[:, 0] == vertices[:, 0].max()]
        # the band ends at the last time with a limit, spanning that interval: it never
        # collapses onto the curve (once a vertical edge at the right)
        assert vertices[:, 0].max() == part["time"].iloc[-1]
        assert right[:, 1].min() == pytest.approx(
            part["lower_improved"].iloc[-2 if len(part) > 1 else -1]
        )
    assert top.get_xlim()[1] > cif["time"].max()


def test_smooth_fits_cover_every_session_of_follow_up_and_no_more():
    events = r_events().assign(baseline=lambda d: 10.0 + (d.index % 7))
    smooth = smooth_curves(events, STRATA)
    for (model, stratum), part in smooth.groupby(["model", "stratum"]):
        last = events.loc[events["stratum"] == stratum, "time"].max()
        assert part["session"].tolist() == list(range(1, int(last) + 1)), (model, stratum)
        assert np.all(np.diff(part["fitted"]) >= 0) and part["fitted"].between(0, 1).all()
    _, predictions = fit_aft(events)
    last = events["time"].max()
    assert (predictions["last_follow_up"] == last).all()
    assert (predictions["extrapolated_50"] == (predictions["sessions_50"] > last)).all()
    assert (predictions["extrapolated_75"] == (predictions["sessions_75"] > last)).all()
    short = events.assign(time=np.minimum(events["time"], 6))  # follow-up cut at session 6
    flagged = fit_aft(short)[1]
    assert flagged["extrapolated_75"].any() and (flagged["last_follow_up"] == 6).all()


def test_trajectories_are_not_joined_across_sessions_without_a_mean():
    table = pd.DataFrame(
        {
            "stratum": "a",
            "session": [0, 1, 4, 5],
            "n": 10,
            "mean": [20.0, 18.0, 15.0, 14.0],
            "ci_lower": [19.0, 17.0, 14.0, 13.0],
            "ci_upper": [21.0, 19.0, 16.0, 15.0],
        }
    )
    assert with_gaps(table)["session"].tolist() == [0, 1, 2, 3, 4, 5]
    fig = plot_trajectories(table, ["a"], resolve_instrument("core-om"))
    line = fig.axes[0].get_lines()[0]
    y = np.asarray(line.get_ydata(), float)
    assert np.isnan(y[2:4]).all() and not np.isnan(y[[0, 1, 4, 5]]).any()


def test_attendance_is_a_cumulative_distribution_per_stratum():
    events = pd.DataFrame(
        {
            "client": list("abcdef"),
            "stratum": ["a", "a", "a", "b", "b", "b"],
            "eligible": True,
            "sessions_attended": [1, 1, 3, 2, 5, 9],
        }
    )
    fig = plot_attendance(fd.attendance(events, ["a", "b"]), ["a", "b"])
    ax = fig.axes[0]
    for line in ax.get_lines():
        y = np.asarray(line.get_ydata(), float)
        assert y[0] == 0 and np.all(np.diff(y) >= 0) and y[-1] == pytest.approx(100.0)
    a = ax.get_lines()[0]
    x, y = np.asarray(a.get_xdata(), float), np.asarray(a.get_ydata(), float)
    assert y[np.searchsorted(x, 1.5) - 1] == pytest.approx(200 / 3)  # 2 of 3 attended 1


def test_strata_colours_run_light_to_dark_with_severity():
    def luminance(hex_colour):
        r, g, b = to_rgb(hex_colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    colours = severity_colours(5)
    assert np.all(np.diff([luminance(c) for c in colours]) < 0)
    names = ["mild", "moderate", "severe", "all"]
    assert [colour_of(names, n) for n in names[:3]] == severity_colours(3)
    assert colour_of(names, "all") == "#7f7f7f"


@pytest.mark.parametrize("width", ["single", "double"])
def test_journal_width_fonts_and_embedded_pdf_fonts(width):
    _, _, shown = curves_to_horizon()
    risk = fd.risk_table(shown, time_breaks(shown))
    settings = figure_settings({"figures": {"width": width}})
    fig = fit_width(plot_improvement(shown, risk, STRATA), settings.width_mm)
    assert fig.get_size_inches()[0] * 25.4 == pytest.approx(settings.width_mm)
    assert smallest_font(fig) >= MIN_FONT_PT
    fig.draw_without_rendering()
    box = fig.get_tightbbox()
    w, h = fig.get_size_inches()
    assert box.x0 >= -0.02 and box.y0 >= -0.02 and box.x1 <= w + 0.02 and box.y1 <= h + 0.02
    pdf = io.BytesIO()
    fig.savefig(pdf, format="pdf")
    assert b"/FontFile2" in pdf.getvalue() and b"/Type3" not in pdf.getvalue()


def test_figure_settings_defaults():
    assert figure_settings({}) == FigureSettings("double", None, False)
    assert figure_settings({"figures": {"horizon": 52, "log_dose": True}}).horizon == 52.0
