"""Figures: their content (curves, labels, counts against the tables), not their pixels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import r_events

from dosecurve.config import parse_dataset
from dosecurve.figures import data as fd
from dosecurve.figures.catalog import FIGURES, draw_figure, figure_context, logrank_label
from dosecurve.figures.curves import (
    plot_dose_response,
    plot_forest,
    plot_improvement,
    plot_incidence,
    plot_small_multiples,
    session_breaks,
)
from dosecurve.figures.scores import plot_attendance, plot_jacobson, plot_trajectories
from dosecurve.figures.sensitivity import ending_data, plot_ending_sensitivity
from dosecurve.measures.instruments import resolve_instrument
from dosecurve.outcomes.score_counts import score_counts
from dosecurve.privacy import suppress
from dosecurve.stats.kaplan_meier import at_risk_at, fit_by_stratum, km_quantile
from dosecurve.stats.logrank import logrank_tests

STRATA = ["a", "b", "c"]
LOGRANK = pd.DataFrame(
    {
        "test": ["log-rank"],
        "strata": [3],
        "statistic": [7.25],
        "df": [2],
        "p_value": [0.0266],
        "note": [np.nan],
    }
)


def legend_labels(ax) -> list[str]:
    return [h.get_label() for h in ax.get_legend_handles_labels()[0]]


def improvement(events: pd.DataFrame | None = None):
    fit = fit_by_stratum(r_events() if events is None else events, STRATA)
    curves = fit.tidy()
    risk = fd.risk_table(curves, session_breaks(float(curves["time"].max())))
    return fit, curves, risk


def test_risk_table_counts_equal_the_events_by_construction():
    fit, _curves, risk = improvement()
    events = r_events()
    assert sorted(set(risk["session"])) == [0, 4, 8, 12, 16, 20]
    for row in risk.itertuples():
        part = events if row.stratum == "all" else events[events["stratum"] == row.stratum]
        assert row.at_risk == (part["time"] >= row.session).sum()
        assert row.at_risk == at_risk_at(fit.curves[row.stratum], row.session)
        upto = part[part["time"] <= row.session]
        assert row.cum_improved == upto["event"].sum()
        assert row.cum_censored == (upto["event"] == 0).sum()
    # invariants: at risk falls, improved and censored only grow, and they add up
    for _, part in risk.groupby("stratum"):
        assert np.all(np.diff(part["at_risk"]) <= 0)
        assert np.all(np.diff(part["cum_improved"]) >= 0)
        assert np.all(np.diff(part["cum_censored"]) >= 0)


def test_risk_table_hand_worked():
    # times 2(e) 4(c) 4(e) 6(e): at 0: 4 at risk; at 4: 3 at risk, 2 improved, 1 censored;
    # at 5: 1 at risk (the client at 6), 2 improved, 1 censored; at 8: none left.
    curves = fit_by_stratum(
        pd.DataFrame(
            {"time": [2, 4, 4, 6], "event": [1, 0, 1, 1], "stratum": "a", "eligible": True}
        ),
        ["a"],
    ).tidy()
    risk = fd.risk_table(curves.loc[curves["stratum"] == "a"], [0, 4, 5, 8])
    assert risk["at_risk"].tolist() == [4, 3, 1, 0]
    assert risk["cum_improved"].tolist() == [0, 2, 2, 3]
    assert risk["cum_censored"].tolist() == [0, 1, 1, 1]


def test_improvement_figure_has_curves_medians_test_and_the_risk_table():
    fit, curves, risk = improvement()
    fig = plot_improvement(curves, risk, STRATA, test=logrank_label(LOGRANK))
    ax, table_ax = fig.axes
    assert legend_labels(ax) == ["a (n = 15)", "b (n = 10)", "c (n = 10)", "all (n = 35)"]
    assert ax.get_ylabel() == "Cumulative proportion improved"
    assert table_ax.get_xlabel() == "Sessions attended"
    assert list(ax.get_xticks()) == [0, 4, 8, 12, 16, 20]
    assert "chi-square(2) = 7.2, p = .027" in ax.get_title()
    # median markers: a dot at 0.5 at each reached median
    dots = sorted(line.get_xdata()[0] for line in ax.get_lines() if line.get_marker() == "o")
    medians = sorted(km_quantile(c, 0.5)[0] for c in fit.curves.values())
    assert dots == [m for m in medians if not np.isnan(m)]
    # the numbers under the axis are the risk table's, block by block
    shown = [t.get_text() for t in table_ax.texts if t.get_text().isdigit()]
    expected = [
        str(v)
        for column in ("at_risk", "cum_improved", "cum_censored")
        for s in [*STRATA, "all"]
        for v in risk.loc[risk["stratum"] == s, column]
    ]
    assert shown == expected
    for line in ax.get_lines():  # curves go up
        if line.get_label() == "a (n = 15)":
            y = np.asarray(line.get_ydata(), float)
            assert np.all(np.diff(y) >= 0) and y[0] == 0


def test_suppressed_counts_stay_suppressed_in_the_risk_table():
    _, curves, risk = improvement()
    fig = plot_improvement(suppress(curves, 5), suppress(risk, 5), STRATA)
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert "<5" in texts and "1" not in texts and "2" not in texts


def test_empty_curves_give_a_figure_that_says_why():
    fit = fit_by_stratum(r_events().assign(eligible=False), ["a"])
    fig = plot_improvement(fit.tidy(), fd.risk_table(fit.tidy(), [0]), ["a"])
    assert "No client was eligible" in fig.axes[0].texts[0].get_text()


def test_small_multiples_one_panel_per_stratum_with_the_pooled_curve():
    _, curves, _ = improvement()
    fig = plot_small_multiples(curves, STRATA)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    assert len(panels) == 3
    for ax, name in zip(panels, STRATA, strict=True):
        assert legend_labels(ax)[0] == "all (n = 35)"
        assert legend_labels(ax)[1].startswith(f"{name} (n = ")
        assert ax.get_title().startswith(f"{name} (n = ") and ": median " in ax.get_title()


def test_incidence_figure_has_bands_and_a_risk_table_that_add_up():
    events = r_events().assign(
        end_reason=lambda d: np.where(d["time"] % 3 == 0, "dropout", "planned")
    )
    cif = fd.incidence_curves(events, STRATA)
    risk = fd.incidence_risk_table(cif, [0, 5, 10, 20])
    fig = plot_incidence(cif, risk, STRATA)
    top, middle, table = fig.axes
    assert top.get_ylabel() == "Cumulative incidence:\nimproved"
    assert middle.get_ylabel().endswith("ended without improving")
    assert len(top.get_lines()) == len(middle.get_lines()) == 4  # 3 strata and all
    assert len(top.collections) == len(middle.collections) == 3  # a band per stratum
    # improved plus ended incidence never exceeds 1, both only grow, limits enclose them
    for _, part in cif.groupby("stratum"):
        assert np.all((part["cif_improved"] + part["cif_ended"]).to_numpy() <= 1 + 1e-12)
        assert np.all(np.diff(part["cif_improved"]) >= 0)
        inside = part["lower_improved"].fillna(0) <= part["cif_improved"] + 1e-12
        assert inside.all()
    # no client is still in therapy, so by the last session each has improved or ended
    last = risk[risk["session"] == 20].set_index("stratum")
    n = events.groupby("stratum").size()
    assert (last["cum_improved"] + last["cum_ended"]).loc[STRATA].tolist() == n.loc[STRATA].tolist()
    assert last.loc["all", "cum_improved"] == int(events["event"].sum())
    assert risk.loc[risk["session"] == 0, "at_risk"].sum() == 2 * len(events)
    texts = {t.get_text() for t in table.texts}
    assert {"Number at risk", "Ended without (cumulative)"} <= texts


def test_howard_line_through_the_published_points():
    # workflow/docs/methods.md, section 6 [I]: 12 % at 1, 61 % at 13, 86 % at 52 sessions.
    values = fd.howard_curve(np.array([1.0, 8.0, 13.0, 26.0, 52.0]))
    np.testing.assert_allclose(values, [0.12, 0.50, 0.61, 0.75, 0.86], atol=0.006)


def test_dose_response_figure_shows_fits_and_benchmarks():
    _, curves, _ = improvement()
    aft_models = pd.DataFrame({"model": ["Weibull", "log-normal"], "best": [False, True]})
    grid = pd.DataFrame({"stratum": "a", "session": [1, 5, 10], "fitted": [0.1, 0.4, 0.6]})
    aft_curves = pd.concat([grid.assign(model="Weibull"), grid.assign(model="log-normal")])
    data = fd.dose_response(curves, aft_curves, aft_models)
    assert set(data["source"]) == {
        "Kaplan-Meier",
        "log-normal fit",
        "Howard et al. 1986 line",
        "Howard et al. 1986",
    }  # Nordmo's 57 is a median among the improved at termination: not a point on a curve
    fig = plot_dose_response(data, STRATA)
    labels = legend_labels(fig.axes[0])
    assert "a: log-normal fit" in labels and "Howard et al. 1986 (published)" in labels
    assert not any("Nordmo" in label for label in labels)
    howard = next(line for line in fig.axes[0].get_lines() if "published" in line.get_label())
    assert list(zip(howard.get_xdata(), howard.get_ydata(), strict=True)) == [(8, 0.5), (26, 0.75)]


def test_jacobson_cells_count_every_client_once_with_their_category():
    inst = resolve_instrument("core-om")
    pre = np.array([20.0, 20.4, 25.0, 15.0, 12.0])
    post = np.array([5.0, 5.3, 24.0, 30.0, 11.9])
    cells = fd.jacobson_cells(pre, post, method="jt", instrument=inst)
    assert cells["n"].sum() == 5
    # the first two share a cell (1-point bins: 20.5, 5.5) and both recovered
    first = cells[(cells["pre"] == 20.5) & (cells["post"] == 5.5)]
    assert first[["category", "n"]].values.tolist() == [["recovered", 2]]
    assert set(cells["category"]) == {"recovered", "unchanged", "deteriorated"}
    fig = plot_jacobson(cells, inst, post_label="last assessment")
    ax = fig.axes[0]
    assert "recovered (n = 2)" in legend_labels(ax) and "harmed (n = 0)" in legend_labels(ax)
    assert ax.get_xlabel().startswith("Intake score")


def test_jacobson_hides_suppressed_cells_and_says_so():
    inst = resolve_instrument("core-om")
    cells = suppress(
        fd.jacobson_cells(
            np.full(7, 20.0), np.array([5.0] * 6 + [25.0]), method="jt", instrument=inst
        ),
        5,
    )
    fig = plot_jacobson(cells, inst, post_label="last assessment")
    ax = fig.axes[0]
    assert "1 small cells not shown" in ax.get_title()
    assert "deteriorated (n >= 1)" in legend_labels(ax)
    assert "recovered (n = 6)" in legend_labels(ax)


def test_event_pairs_take_the_score_at_or_before_the_event_session():
    sessions = pd.DataFrame(
        {
            "client": ["a"] * 4 + ["b"] * 2,
            "session": [0, 2, 4, 6, 0, 3],
            "score": [20, 15, np.nan, 5, 18, 17],
        }
    )
    events = pd.DataFrame({"client": ["a", "b"], "time": [5, 3], "eligible": [True, True]})
    pairs = fd.event_pairs(sessions, events).set_index("client")
    assert pairs.loc["a", "post"] == 15 and pairs.loc["b", "post"] == 17
    assert pairs.loc["a", "pre"] == 20


def test_trajectories_hand_worked_mean_and_ci():
    n = fd.MIN_MEAN_N
    scores = np.arange(n, dtype=float)  # mean 4.5, sd of 0..9 = 3.02765
    sessions = pd.DataFrame({"client": [f"c{i}" for i in range(n)], "session": 1, "score": scores})
    events = pd.DataFrame(
        {"client": [f"c{i}" for i in range(n)], "stratum": "a", "eligible": True, "event": 0}
    )
    small = pd.DataFrame({"client": ["c0"], "session": [2], "score": [3.0]})
    counts = score_counts(pd.concat([sessions, small]), events, ["a"])
    table = fd.trajectories(counts, ["a"], 0.95)
    assert table["session"].tolist() == [1, 1]  # session 2 has one client: not drawn
    row = table.iloc[0]
    # t(0.975, 9) = 2.262157; half width = 2.262157 * 3.02765 / sqrt(10) = 2.16585
    assert row["mean"] == pytest.approx(4.5)
    assert row["ci_upper"] - row["mean"] == pytest.approx(2.16585, abs=1e-5)
    fig = plot_trajectories(table, ["a"], resolve_instrument("core-om"))
    assert legend_labels(fig.axes[0]) == ["a", "all", "cutoff 10"]


def test_attendance_counts_and_percents():
    events = pd.DataFrame(
        {
            "client": list("abcd"),
            "stratum": ["a", "a", "a", "b"],
            "eligible": True,
            "sessions_attended": [1, 1, 3, 2],
        }
    )
    table = fd.attendance(events, ["a", "b"])
    a = table[table["stratum"] == "a"].set_index("first")
    assert a.loc[1, "n"] == 2 and a.loc[3, "n"] == 1
    assert a["percent"].sum() == pytest.approx(100.0)
    assert table.groupby("stratum")["n"].sum().to_dict() == {"a": 3, "all": 4, "b": 1}
    fig = plot_attendance(table, ["a", "b"])
    assert legend_labels(fig.axes[0]) == ["a (n = 3)", "b (n = 1)", "all (n = 4)"]


def test_forest_draws_each_finite_hazard_ratio():
    cox = pd.DataFrame(
        {
            "model": ["m1", "m1", "m2"],
            "term": ["x", "y", "z"],
            "hazard_ratio": [0.8, 2.0, 1.0],
            "ci_lower": [0.6, 1.0, np.nan],
            "ci_upper": [0.9, 4.0, np.nan],
            "p_value": [0.01, 0.05, np.nan],
            "n": 10,
            "events": 5,
        }
    )
    table = fd.forest(cox)
    assert table["term"].tolist() == ["x", "y"]
    fig = plot_forest(table)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["x\n(m1)", "y\n(m1)"]
    assert fig.axes[0].get_xscale() == "log"
    # the numbers beside each row: 'HR (95 % CI)'
    column = [t.get_text() for t in fig.axes[1].texts]
    assert column == ["HR (95 % CI)", "0.80 (0.60 to 0.90)", "2.00 (1.00 to 4.00)"]


def test_every_catalogued_figure_has_a_caption_naming_its_data():
    ds = {"simulate": {"preset": "nordmo2021"}}
    context = figure_context(parse_dataset(ds), conf_level=0.9, conf_type="log")
    for name, spec in FIGURES.items():
        caption = spec.full_caption(context)
        assert caption.endswith(f"Data: figures/{name}.csv.")
    assert "90 % log confidence bands" in FIGURES["improvement_by_severity"].caption(context)


def test_another_clock_names_its_unit_and_leaves_out_session_benchmarks():
    ds = {"simulate": {"preset": "nordmo2021"}, "time_unit": "weeks"}
    context = figure_context(parse_dataset(ds), conf_level=0.95, conf_type="log-log")
    assert "by weeks since intake" in FIGURES["improvement_by_severity"].caption(context)
    caption = FIGURES["dose_response"].caption(context)
    assert "Howard" not in caption and "this data set counts weeks" in caption
    _, curves, _ = improvement()
    empty = pd.DataFrame(columns=["model", "best"])
    data = fd.dose_response(curves, pd.DataFrame(columns=["model"]), empty, benchmarks=False)
    assert set(data["source"]) == {"Kaplan-Meier"}
    fig = plot_dose_response(data, STRATA, context.clock.axis)
    assert fig.axes[0].get_xlabel() == "Weeks since intake"


def test_an_unbounded_interval_is_left_out_of_the_forest_plot_and_said():
    cox = pd.DataFrame(
        {
            "model": ["m", "m"],
            "term": ["x", "y"],
            "hazard_ratio": [2.0, 1e-10],
            "ci_lower": [1.0, 1e-200],
            "ci_upper": [4.0, 1e150],
        }
    )
    fig = plot_forest(cox)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["x\n(m)"]
    assert "1 term(s) not estimable" in fig.get_suptitle()


def test_labels_with_dollar_signs_are_drawn_as_text():
    import io

    cox = pd.DataFrame(
        {
            "model": ["My $x$ scale"],
            "term": ["cost in $ (US"],
            "hazard_ratio": [2.0],
            "ci_lower": [1.0],
            "ci_upper": [4.0],
        }
    )
    fig = plot_forest(cox)
    fig.savefig(io.BytesIO(), format="png")  # mathtext would fail on the lone '$'
    assert fig.axes[0].get_yticklabels()[0].get_text() == "cost in $ (US\n(My $x$ scale)"


def test_the_comparison_names_each_data_sets_clock():
    from dosecurve.report.comparison import render_comparison_report

    medians = pd.DataFrame(
        {
            "stratum": ["all"],
            "n": [10],
            "events": [6],
            "median": [4.0],
            "ci_lower": [2.0],
            "ci_upper": [8.0],
        }
    )
    improved = pd.DataFrame({"stratum": ["all"], "session": [4], "improved": [0.5]})
    page = render_comparison_report(
        pd.DataFrame({"dataset": ["a", "b"]}),
        {"a": medians, "b": medians},
        {"a": improved, "b": improved},
        b"",
        events={"a": "CSI", "b": "CSI"},
        units={"a": "weeks", "b": "sessions"},
    )
    assert "<h1>Time to improvement" in page
    assert "median number of weeks to improvement would be 4" in page and "50 % by week 4" in page
    assert "median number of sessions to improvement would be 4" in page


def test_a_figure_is_drawn_from_its_suppressed_tables():
    """draw_figure (the figure step): the files are keyed as written, every count below
    min_cell is hidden in them, and the figure shows only what its files show."""
    events = r_events()
    logrank, _ = logrank_tests(events, STRATA)
    bands = [{"name": s, "from": 10 * i, "to": 10 * i + 10} for i, s in enumerate(STRATA)]
    settings = parse_dataset({"simulate": {}, "severity": {"bands": bands}})
    context = figure_context(settings, conf_level=0.95, conf_type="log-log", min_cell=5)
    inputs = {"events": events, "logrank": logrank}
    files, fig = draw_figure("improvement_by_severity", inputs, context)
    assert list(files) == ["csv", "risk_table", "logrank", "horizon"]
    risk = files["risk_table"]
    shown = pd.to_numeric(risk["at_risk"], errors="coerce")
    assert not ((shown > 0) & (shown < 5)).any() and (risk["at_risk"] == "<5").any()
    texts = [t.get_text() for t in fig.axes[1].texts]
    assert "<5" in texts and "1" not in texts and "2" not in texts


def test_ending_sensitivity_figure_draws_both_estimates_inside_the_bounds():
    rows = []
    for method, shift in (("km", 0.0), ("ipcw", 0.05), ("best_case", 0.2), ("worst_case", -0.1)):
        for k, p in ((8, 0.1), (26, 0.4), (52, 0.6)):
            rows.append(
                (method, "all", "improved", k, p + shift, p + shift - 0.05, p + shift + 0.05)
            )
        rows.append((method, "mild", "improved", 8, 0.9, 0.8, 1.0))  # not drawn: all only
    table = pd.DataFrame(
        rows,
        columns=["method", "stratum", "measure", "session", "improved", "ci_lower", "ci_upper"],
    )
    data = ending_data(table)
    assert set(data["method"]) == {"km", "ipcw", "best_case", "worst_case"} and len(data) == 12
    fig = plot_ending_sensitivity(data)
    ax = fig.axes[0]
    labels = legend_labels(ax)
    assert any(label.startswith("Kaplan-Meier") for label in labels)
    assert any(label.startswith("IPCW") for label in labels)
    band = ax.collections[0].get_paths()[0].vertices  # from worst (-0.1) to best (+0.2)
    assert band[:, 1].min() == pytest.approx(0.0) and band[:, 1].max() == pytest.approx(0.8)
    km = next(c for c in ax.containers if c.get_label().startswith("Kaplan"))
    np.testing.assert_allclose(km.lines[0].get_ydata(), [0.1, 0.4, 0.6])
    ipcw = next(c for c in ax.containers if c.get_label().startswith("IPCW"))
    np.testing.assert_allclose(ipcw.lines[0].get_ydata(), [0.15, 0.45, 0.65])
