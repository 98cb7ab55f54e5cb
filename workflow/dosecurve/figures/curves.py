"""Curve figures: the main figure (time to improvement by intake severity, with its risk
table), small multiples per stratum, cumulative incidence with dropout as a competing event,
the parametric dose-response curves beside published benchmarks, and the Cox forest plot.

Functions take tidy tables (from ``dosecurve.figures.data``) and return a matplotlib
``Figure``; saving is left to the caller, so nothing here touches paths."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, ScalarFormatter
from matplotlib.transforms import offset_copy

from dosecurve.figures.style import (
    DOUBLE,
    PALETTE,
    POOLED_COLOUR,
    figure_legend,
    severity_colours,
)
from dosecurve.privacy import count_text
from dosecurve.stats.kaplan_meier import ALL, km_quantile

# Metadata without timestamps or version strings, so reruns give identical files.
PNG_METADATA = {"Software": None}
PDF_METADATA = {"CreationDate": None, "Creator": None, "Producer": None}
__all__ = ["DOUBLE", "PALETTE", "POOLED_COLOUR"]


def session_breaks(max_time: float, max_ticks: int = 8) -> list[int]:
    """Evenly spaced session ticks from 0 covering ``max_time`` (at most ``max_ticks``)."""
    for step in (1, 2, 4, 5, 10, 13, 26, 52, 104, 208):
        if max_time / step <= max_ticks - 1:
            break
    return list(range(0, int(np.ceil(max_time / step)) * step + 1, step))


def log_breaks(max_time: float) -> list[int]:
    """Doubling ticks for a log-dose axis: 1, 2, 4, 8, ... up to ``max_time``.

    >>> log_breaks(40)
    [1, 2, 4, 8, 16, 32]
    """
    out = [1]
    while out[-1] * 2 <= max(max_time, 1.0):
        out.append(out[-1] * 2)
    return out


def axis_end(last_time: float, log_dose: bool = False) -> float:
    """Where the time axis ends: past the last time drawn, so its last step shows.

    >>> axis_end(52.0), axis_end(5.0), axis_end(100.0, log_dose=True)
    (54.0, 6.0, 115.0)
    """
    if log_dose:
        return float(np.ceil(last_time * 1.15))
    return float(last_time + max(1.0, np.ceil(0.03 * last_time)))


RISK_BLOCKS = (
    ("at_risk", "Number at risk"),
    ("cum_improved", "Improved (cumulative)"),
    ("cum_censored", "Censored (cumulative)"),
)


def curve_names(curves: pd.DataFrame, strata: Sequence[str]) -> list[str]:
    """The strata present in ``curves`` in severity order, then the pooled curve."""
    present = set(curves["stratum"])
    return [s for s in strata if s in present] + ([ALL] if ALL in present else [])


def colour_of(names: Sequence[str], name: str) -> str:
    """A stratum's colour on the severity scale (mildest light, most severe dark); the
    pooled curve in grey."""
    if name == ALL:
        return POOLED_COLOUR
    ordered = [n for n in names if n != ALL]
    return severity_colours(len(ordered))[ordered.index(name)]


def group_colour(names: Sequence[str], name: str) -> str:
    """Unordered groups (treatment arms): Okabe-Ito by position; the pooled curve grey."""
    if name == ALL:
        return POOLED_COLOUR
    ordered = [n for n in names if n != ALL]
    return PALETTE[ordered.index(name) % len(PALETTE)]


def legend_above(ax: plt.Axes, title: str, entries: int) -> None:
    """The legend of ``ax`` right of the plots (below them in a narrow figure), never on
    the curves."""
    handles, labels = ax.get_legend_handles_labels()
    figure_legend(ax.figure, handles, labels, "outside right upper", 1, title)


def plot_improvement(
    curves: pd.DataFrame,
    risk: pd.DataFrame,
    strata: Sequence[str],
    *,
    event_label: str = "clinically significant improvement",
    subtitle: str = "",
    test: str = "",
    time_label: str = "Sessions attended",
    width: float = DOUBLE,
    log_dose: bool = False,
    legend_title: str = "Intake severity (dots: medians)",
    what: str = "by intake severity",
    palette: Callable[[Sequence[str], str], str] | None = None,
) -> Figure:
    """Cumulative proportion improved by sessions attended, one curve per stratum.

    ``curves`` is the tidy Kaplan-Meier table (``stratum, time, at_risk, events,
    censored, surv, lower, upper``) up to each curve's horizon; the pooled curve (``all``)
    is dashed grey. Median markers where a curve reaches 50 %; the title names the
    estimator and ``test``; the legend sits above the plot. Underneath, ``risk``
    (``figdata.risk_table``) at the same breaks as the x ticks. ``log_dose``: the time axis
    on a log scale (from session 1). ``palette`` colours the curves (by default on the
    severity scale; unordered groups take Okabe-Ito).
    """
    if curves.empty:
        return empty_figure("No client was eligible for this analysis: see flow.csv.", width)
    names = curve_names(curves, strata)
    colour = palette or colour_of
    breaks = sorted(set(risk["session"].astype(int)))
    rows = len(names) * len(RISK_BLOCKS) + len(RISK_BLOCKS)
    table_height = 0.14 * rows + 0.45
    fig = Figure(figsize=(width, 3.9 + table_height), layout="constrained")
    grid = fig.add_gridspec(2, 1, height_ratios=[3.3, table_height])
    ax = fig.add_subplot(grid[0])
    table_ax = fig.add_subplot(grid[1], sharex=ax)
    start = 0.8 if log_dose else 0.0
    for name in names:
        curve = curves.loc[curves["stratum"] == name]
        hue = colour(names, name)
        draw_curve(ax, curve, name, hue, dashed=name == ALL, start=start)
        median = km_quantile(curve, 0.5)[0]
        if not np.isnan(median):
            ax.plot([median, median], [0.0, 0.5], ls=":", lw=0.9, color=hue)
            ax.plot([median], [0.5], "o", ms=4, color=hue)
    ax.axhline(0.5, color="black", lw=0.5, alpha=0.4)
    if log_dose:
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
    label = time_label + (" (log scale)" if log_dose else "")
    draw_risk_table(table_ax, risk, names, label, palette=colour)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlim(start, axis_end(float(curves["time"].max()), log_dose))
    ax.set_xticks(breaks)
    ax.set_ylabel("Cumulative proportion improved")
    title = f"Time to {event_label} {what}"
    ax.set_title("\n".join(x for x in (title, subtitle, test) if x))
    ax.grid(alpha=0.3)
    legend_above(ax, legend_title, len(names))
    ax.tick_params(labelbottom=False)
    return fig


def draw_risk_table(
    table_ax: plt.Axes,
    risk: pd.DataFrame,
    names: Sequence[str],
    time_label: str = "Sessions attended",
    blocks: Sequence[tuple[str, str]] = RISK_BLOCKS,
    palette: Callable[[Sequence[str], str], str] | None = None,
) -> None:
    """Counts under the axis, one block per kind (by default at risk, improved, censored);
    the row labels sit a fixed 0.22 inch left of the axis, clear of the first column."""
    root: Any = table_ax.figure
    labels = offset_copy(table_ax.get_yaxis_transform(), fig=root, x=-0.22, units="inches")
    y = 0
    for column, title in blocks:
        table_ax.text(
            0.0,
            y,
            title,
            transform=labels,
            ha="right",
            va="center",
            fontsize=8,
            fontweight="bold",
        )
        y += 1
        for name in names:
            colour = (palette or colour_of)(names, name)
            part = risk.loc[risk["stratum"] == name]
            for t, value in zip(part["session"], part[column], strict=True):
                table_ax.text(
                    t, y, count_text(value), ha="center", va="center", fontsize=7, color=colour
                )
            table_ax.text(
                0.0,
                y,
                name,
                transform=labels,
                ha="right",
                va="center",
                fontsize=7,
                color=colour,
            )
            y += 1
    table_ax.set_ylim(y - 0.5, -0.5)
    table_ax.set_yticks([])
    table_ax.set_xlabel(time_label)
    for side in ("top", "right", "left"):
        table_ax.spines[side].set_visible(False)


def draw_curve(
    ax: plt.Axes,
    curve: pd.DataFrame,
    name: str,
    colour: str,
    *,
    dashed: bool,
    start: float = 0.0,
) -> None:
    """One cumulative-improvement step curve with its confidence band and censoring ticks,
    from ``start`` (0, or just below session 1 on a log axis)."""
    t = np.concatenate([[start], curve["time"].to_numpy(dtype=float)])
    improved = np.concatenate([[0.0], 1.0 - curve["surv"].to_numpy(dtype=float)])
    low = np.concatenate([[0.0], 1.0 - curve["upper"].to_numpy(dtype=float)])
    high = np.concatenate([[0.0], 1.0 - curve["lower"].to_numpy(dtype=float)])
    n = count_text(curve["at_risk"].iloc[0])
    ax.step(
        t,
        improved,
        where="post",
        color=colour,
        lw=1.6,
        ls="--" if dashed else "-",
        label=f"{name} (n = {n})",
    )
    draw_band(ax, t, low, high, colour, alpha=0.15 if not dashed else 0.08)
    # a suppressed count ("<5") is at least one
    cens = pd.to_numeric(curve["censored"], errors="coerce").fillna(1).to_numpy() > 0
    ax.plot(
        curve["time"].to_numpy()[cens],
        1.0 - curve["surv"].to_numpy()[cens],
        "|",
        color=colour,
        ms=4,
        mew=0.8,
    )


def draw_band(
    ax: plt.Axes, t: np.ndarray, low: np.ndarray, high: np.ndarray, colour: str, alpha=0.15
) -> None:
    """A step confidence band, only where both limits exist: it ends at the last time with
    a limit (never collapsing onto the curve, which drew a vertical edge at the right) and
    has a gap where a limit is missing inside it."""
    ok = np.isfinite(low) & np.isfinite(high)
    if not ok.any():
        return
    end = int(np.flatnonzero(ok)[-1]) + 1
    ax.fill_between(
        t[:end],
        np.where(ok, low, np.nan)[:end],
        np.where(ok, high, np.nan)[:end],
        step="post",
        color=colour,
        alpha=alpha,
        lw=0,
    )


def empty_figure(message: str, width: float = DOUBLE) -> Figure:
    fig = Figure(figsize=(width, 2.0))
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=8, wrap=True)
    return fig


NO_DATA = "No client was eligible for this analysis: see flow.csv."


def session_axis(ax, max_time: float, ylabel: str) -> None:
    end = axis_end(max(max_time, 1.0))
    ax.set_xlim(0, end)
    ax.set_xticks([b for b in session_breaks(max(max_time, 1.0)) if b <= end])
    ax.set_ylim(0, 1)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)


def plot_small_multiples(
    curves: pd.DataFrame, strata: Sequence[str], time_label: str = "Sessions attended"
) -> Figure:
    """One panel per stratum: its curve with CI band and median, the pooled curve in grey."""
    names = [n for n in curve_names(curves, strata) if n != ALL]
    if not names:
        return empty_figure(NO_DATA)
    cols = min(len(names), 2)
    nrows = int(np.ceil(len(names) / cols))
    fig = Figure(figsize=(DOUBLE, 2.5 * nrows + 0.5), layout="constrained")
    axes = fig.subplots(nrows, cols, squeeze=False, sharex=True, sharey=True)
    pooled = curves.loc[curves["stratum"] == ALL]
    max_time = float(curves["time"].max())
    for ax, name in zip(axes.flat, names, strict=False):
        if len(pooled):
            draw_curve(ax, pooled, ALL, POOLED_COLOUR, dashed=True)
        curve = curves.loc[curves["stratum"] == name]
        draw_curve(ax, curve, name, colour_of(names, name), dashed=False)
        median = km_quantile(curve, 0.5)[0]
        text = "not reached" if np.isnan(median) else f"{median:g}"
        n = count_text(curve["at_risk"].iloc[0])
        ax.set_title(f"{name} (n = {n}): median {text}")
        session_axis(ax, max_time, "")
    for ax in axes.flat[len(names) :]:
        ax.set_axis_off()
    for ax in axes[:, 0]:
        ax.set_ylabel("Cumulative proportion improved")
    for ax in axes[-1, :]:
        ax.set_xlabel(time_label)
    fig.suptitle("Each severity stratum (colour) against all clients (grey, dashed)")
    return fig


INCIDENCE_BLOCKS = (
    ("at_risk", "Number at risk"),
    ("cum_improved", "Improved (cumulative)"),
    ("cum_ended", "Ended without (cumulative)"),
)


def plot_incidence(
    cif: pd.DataFrame,
    risk: pd.DataFrame,
    strata: Sequence[str],
    time_label: str = "Sessions attended",
) -> Figure:
    """Cumulative incidence of improvement (top) and of ending without it (middle), with
    confidence bands, each curve up to its horizon (the rows of ``cif``) and drawn flat to
    it, so no curve or band ends in a vertical edge; the risk table
    (``figdata.incidence_risk_table``) underneath at the same breaks as the x ticks."""
    if cif.empty:
        return empty_figure(NO_DATA)
    names = curve_names(cif, strata)
    breaks = sorted(set(risk["session"].astype(int)))
    rows = len(names) * len(INCIDENCE_BLOCKS) + len(INCIDENCE_BLOCKS)
    table_height = 0.14 * rows + 0.45
    fig = Figure(figsize=(DOUBLE, 5.6 + table_height), layout="constrained")
    grid = fig.add_gridspec(3, 1, height_ratios=[2.6, 2.6, table_height])
    axes = [fig.add_subplot(grid[0])]
    axes.append(fig.add_subplot(grid[1], sharex=axes[0]))
    table_ax = fig.add_subplot(grid[2], sharex=axes[0])
    for ax, cause, title in zip(
        axes,
        ("improved", "ended"),
        ("Cumulative incidence:\nimproved", "Cumulative incidence:\nended without improving"),
        strict=True,
    ):
        for name in names:
            part = cif.loc[cif["stratum"] == name]
            colour = colour_of(names, name)
            t = np.concatenate([[0.0], part["time"].to_numpy(float)])
            y = np.concatenate([[0.0], part[f"cif_{cause}"].to_numpy(float)])
            n = count_text(part["at_risk"].iloc[0])
            ax.step(
                t,
                y,
                where="post",
                color=colour,
                lw=1.5,
                ls="--" if name == ALL else "-",
                label=f"{name} (n = {n})",
            )
            if name != ALL:
                low = np.concatenate([[0.0], part[f"lower_{cause}"].to_numpy(float)])
                high = np.concatenate([[0.0], part[f"upper_{cause}"].to_numpy(float)])
                draw_band(ax, t, low, high, colour)
        ax.set_ylim(0.0, 1.0)
        ax.set_ylabel(title)
        ax.grid(alpha=0.3)
        ax.tick_params(labelbottom=False)
    axes[0].set_xlim(0.0, axis_end(float(cif["time"].max())))
    axes[0].set_xticks(breaks)
    legend_above(axes[0], "Intake severity", len(names))
    draw_risk_table(table_ax, risk, names, time_label, blocks=INCIDENCE_BLOCKS)
    fig.suptitle("During therapy as delivered (Aalen-Johansen): improvement and ending without it")
    return fig


def plot_dose_response(
    data: pd.DataFrame, strata: Sequence[str], time_label: str = "Sessions attended"
) -> Figure:
    """Kaplan-Meier steps per stratum; the best parametric fit as a smooth line evaluated
    at every session of the stratum's observed follow-up (never beyond it); Howard's probit
    line and the published reference points."""
    km = data.loc[data["source"] == "Kaplan-Meier"]
    if km.empty:
        return empty_figure(NO_DATA)
    names = curve_names(km, strata)
    fig = Figure(figsize=(DOUBLE, 4.6), layout="constrained")
    ax = fig.add_subplot()
    fitted = data.loc[data["source"].str.endswith(" fit")]
    for name in names:
        colour = colour_of(names, name)
        steps = km.loc[km["stratum"] == name]
        ax.step(
            np.concatenate([[0.0], steps["session"].to_numpy(float)]),
            np.concatenate([[0.0], steps["proportion"].to_numpy(float)]),
            where="post",
            color=colour,
            lw=1.0,
            alpha=0.6,
            label=f"{name}: Kaplan-Meier",
        )
        line = fitted.loc[fitted["stratum"] == name]
        if len(line):
            ax.plot(
                line["session"],
                line["proportion"],
                color=colour,
                lw=2.0,
                ls="--",
                label=f"{name}: {line['source'].iloc[0]}",
            )
    howard = data.loc[data["source"] == "Howard et al. 1986 line"]
    if len(howard):  # session-based benchmarks: drawn only on the sessions clock
        ax.plot(
            howard["session"],
            howard["proportion"],
            color="black",
            lw=1.0,
            ls=":",
            label="Howard et al. 1986 (probit line)",
        )
    published = data.loc[data["source"] == "Howard et al. 1986"]
    for source, part in published.groupby("source", sort=True):
        ax.plot(
            part["session"],
            part["proportion"],
            "s",
            color="black",
            ms=6,
            label=f"{source} (published)",
        )
    top = float(max(km["session"].max(), 26 if len(published) else 1))
    breaks = session_breaks(top)
    ax.set_xlim(0, axis_end(top))
    ax.set_xticks([b for b in breaks if b <= axis_end(top)])
    ax.set_ylim(0, 1)
    ax.set_ylabel("Cumulative proportion improved")
    ax.grid(alpha=0.3)
    ax.set_xlabel(time_label)
    title = "Dose-response: fitted curves over Kaplan-Meier"
    fig.suptitle(title + (", with published benchmarks" if len(published) else ""))
    handles, labels = ax.get_legend_handles_labels()
    figure_legend(fig, handles, labels, "outside lower center", 2)
    return fig


def plot_forest(table: pd.DataFrame) -> Figure:
    """Hazard ratios with CIs on a log axis, one row per model and term (labelled
    'model: term'), one colour per model, and a column 'HR (95 % CI)' with the numbers (the
    cause-specific dropout model's ratios are hazards of dropout, as its name says)."""
    from dosecurve.report.readable import ratio_text

    values = table[["hazard_ratio", "ci_lower", "ci_upper"]].apply(pd.to_numeric, errors="coerce")
    finite = np.isfinite(values).all(axis=1) & (values["ci_lower"] > 0)
    finite &= values["ci_upper"] <= 1e10 * values["ci_lower"]  # as cox.MAX_CI_RATIO
    omitted = int((~finite).sum())
    table = table.loc[finite.to_numpy()].reset_index(drop=True)
    if table.empty:
        return empty_figure("No hazard ratio could be estimated: see cox.csv.")
    height = 1.8 + 0.45 * len(table)
    fig = Figure(figsize=(DOUBLE, height), layout="constrained")
    grid = fig.add_gridspec(1, 2, width_ratios=[3.0, 1.5])
    ax = fig.add_subplot(grid[0])
    text_ax = fig.add_subplot(grid[1], sharey=ax)
    y = np.arange(len(table))[::-1]
    for i, model in enumerate(dict.fromkeys(table["model"])):
        rows = (table["model"] == model).to_numpy()
        hr, lo, hi = (
            table.loc[rows, c].to_numpy(float) for c in ("hazard_ratio", "ci_lower", "ci_upper")
        )
        ax.errorbar(
            hr,
            y[rows],
            xerr=[hr - lo, hi - hr],
            fmt="o",
            color=PALETTE[i % 7],
            ms=4,
            capsize=2,
            label=model,
        )
    ax.axvline(1.0, color="black", lw=0.8)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(y)
    ax.set_yticklabels(forest_labels(table))
    ax.set_ylim(-0.7, len(table) - 0.3)
    ax.set_xlabel("Hazard ratio\n(log scale; 1 = no difference)")
    ax.grid(alpha=0.3, axis="x")
    text_ax.set_axis_off()
    text_ax.text(0.0, len(table) - 0.3, "HR (95 % CI)", fontweight="bold", va="bottom")
    for yy, row in zip(y, table.itertuples(), strict=True):
        text = f"{ratio_text(row.hazard_ratio)} ({ratio_text(row.ci_lower)} to "
        text += f"{ratio_text(row.ci_upper)})"
        text_ax.text(0.0, yy, text, va="center", gid="two-lines-when-narrow")  # layout.TWO_LINES
    title = "Cox models: hazard ratios with confidence intervals"
    if omitted:  # infinite or zero ratios (a term that separates the clients)
        title += f"\n({omitted} term(s) not estimable, not drawn: see cox.csv)"
    fig.suptitle(title)
    handles, labels = ax.get_legend_handles_labels()
    figure_legend(fig, handles, labels, "outside lower center", 2)
    return fig


def forest_labels(table: pd.DataFrame) -> list[str]:
    r"""The term and, under it, its model, so that no two rows read alike (the intake score
    appears in the improvement and in the dropout model).

    >>> forest_labels(pd.DataFrame({"model": ["m1", "m2"], "term": ["intake_score"] * 2}))
    ['intake score\n(m1)', 'intake score\n(m2)']
    """
    return [
        "\n".join(
            [*textwrap.wrap(str(term).replace("_", " "), 24), *textwrap.wrap(f"({model})", 24)]
        )
        for model, term in zip(table["model"], table["term"], strict=True)
    ]
