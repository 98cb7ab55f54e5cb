"""Curve figures: the main figure (time to improvement by intake severity, with its risk
table), small multiples per stratum, cumulative incidence with dropout as a competing event,
the parametric dose-response curves beside published benchmarks, and the Cox forest plot.

Functions take tidy tables (from ``dosecurve.figures.data``) and return a matplotlib
``Figure``; saving is left to the caller, so nothing here touches paths."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter, ScalarFormatter

from dosecurve.privacy import count_text
from dosecurve.stats.kaplan_meier import ALL, km_quantile

# Labels are text: an instrument, band or data set named "My $x$ scale" is drawn as typed,
# never parsed as mathtext (which fails on an odd number of '$').
matplotlib.rcParams["text.parse_math"] = False

# Okabe-Ito: distinguishable with the common forms of colour blindness.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442")
POOLED_COLOUR = "#7f7f7f"
# Metadata without timestamps or version strings, so reruns give identical files.
PNG_METADATA = {"Software": None}
PDF_METADATA = {"CreationDate": None, "Creator": None, "Producer": None}


def session_breaks(max_time: float, max_ticks: int = 8) -> list[int]:
    """Evenly spaced session ticks from 0 covering ``max_time`` (at most ``max_ticks``)."""
    for step in (1, 2, 4, 5, 10, 13, 26, 52, 104, 208):
        if max_time / step <= max_ticks - 1:
            break
    return list(range(0, int(np.ceil(max_time / step)) * step + 1, step))


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
    """Okabe-Ito colour by position; the pooled curve in grey."""
    return POOLED_COLOUR if name == ALL else PALETTE[list(names).index(name) % len(PALETTE)]


def plot_improvement(
    curves: pd.DataFrame,
    risk: pd.DataFrame,
    strata: Sequence[str],
    *,
    event_label: str = "clinically significant improvement",
    subtitle: str = "",
    test: str = "",
    time_label: str = "Sessions attended",
) -> Figure:
    """Cumulative proportion improved by sessions attended, one curve per stratum.

    ``curves`` is the tidy Kaplan-Meier table (``stratum, time, at_risk, events,
    censored, surv, lower, upper``); the pooled curve (``all``) is dashed grey. Median
    markers where a curve reaches 50 %; ``test`` is written on the plot. Underneath,
    ``risk`` (``figdata.risk_table``) at the same session breaks as the x ticks: at risk,
    improved and censored per stratum.
    """
    if curves.empty:
        return empty_figure("No client was eligible for this analysis: see flow.csv.")
    names = curve_names(curves, strata)
    breaks = sorted(set(risk["session"].astype(int)))
    rows = len(names) * len(RISK_BLOCKS) + len(RISK_BLOCKS)
    fig = plt.figure(figsize=(7.5, 5.0 + 0.16 * rows))
    grid = fig.add_gridspec(2, 1, height_ratios=[4.0, 0.16 * rows + 0.2], hspace=0.06)
    ax = fig.add_subplot(grid[0])
    table_ax = fig.add_subplot(grid[1], sharex=ax)
    for name in names:
        curve = curves.loc[curves["stratum"] == name]
        colour = colour_of(names, name)
        draw_curve(ax, curve, name, colour, dashed=name == ALL)
        median = km_quantile(curve, 0.5)[0]
        if not np.isnan(median):
            ax.plot([median, median], [0.0, 0.5], ls=":", lw=0.9, color=colour)
            ax.plot([median], [0.5], "o", ms=4, color=colour)
    ax.axhline(0.5, color="black", lw=0.5, alpha=0.4)
    draw_risk_table(table_ax, risk, names, time_label)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlim(0.0, breaks[-1])
    ax.set_xticks(breaks)
    ax.set_ylabel("Cumulative proportion improved")
    ax.set_title(
        f"Time to {event_label} by intake severity" + (f"\n{subtitle}" if subtitle else ""),
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(
        title="Intake severity (dots: medians)",
        fontsize=8,
        title_fontsize=8,
        loc="lower right",
        framealpha=0.9,
    )
    if test:
        ax.text(
            0.02,
            0.97,
            test,
            transform=ax.transAxes,
            va="top",
            fontsize=8,
            bbox={"facecolor": "white", "alpha": 0.85, "lw": 0},
        )
    ax.tick_params(labelbottom=False)
    fig.subplots_adjust(left=0.24, right=0.97, top=0.92, bottom=0.06)
    return fig


def draw_risk_table(
    table_ax: plt.Axes,
    risk: pd.DataFrame,
    names: Sequence[str],
    time_label: str = "Sessions attended",
    blocks: Sequence[tuple[str, str]] = RISK_BLOCKS,
) -> None:
    """Counts under the axis, one block per kind (by default at risk, improved, censored)."""
    y = 0
    for column, title in blocks:
        table_ax.text(
            -0.06,
            y,
            title,
            transform=table_ax.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=8,
            fontweight="bold",
        )
        y += 1
        for name in names:
            colour = colour_of(names, name)
            part = risk.loc[risk["stratum"] == name]
            for t, value in zip(part["session"], part[column], strict=True):
                table_ax.text(
                    t, y, count_text(value), ha="center", va="center", fontsize=7, color=colour
                )
            table_ax.text(
                -0.06,
                y,
                name,
                transform=table_ax.get_yaxis_transform(),
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


def draw_curve(ax: plt.Axes, curve: pd.DataFrame, name: str, colour: str, *, dashed: bool) -> None:
    t = np.concatenate([[0.0], curve["time"].to_numpy(dtype=float)])
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
    ok = ~(np.isnan(low) | np.isnan(high))
    ax.fill_between(
        t,
        np.where(ok, low, improved),
        np.where(ok, high, improved),
        step="post",
        color=colour,
        alpha=0.15 if not dashed else 0.08,
        lw=0,
    )
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


def empty_figure(message: str) -> Figure:
    fig = plt.figure(figsize=(7.5, 3.0))
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11)
    return fig


NO_DATA = "No client was eligible for this analysis: see flow.csv."


def session_axis(ax, max_time: float, ylabel: str) -> None:
    breaks = session_breaks(max(max_time, 1.0))
    ax.set_xlim(0, breaks[-1])
    ax.set_xticks(breaks)
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
    fig = Figure(figsize=(7.5, 2.9 * nrows + 0.6))
    axes = fig.subplots(nrows, cols, squeeze=False, sharex=True, sharey=True)
    pooled = curves.loc[curves["stratum"] == ALL]
    max_time = float(curves["time"].max())
    for ax, name in zip(axes.flat, names, strict=False):
        if len(pooled):
            draw_curve(ax, pooled, ALL, POOLED_COLOUR, dashed=True)
        curve = curves.loc[curves["stratum"] == name]
        draw_curve(ax, curve, name, colour_of(names, name), dashed=False)
        median = km_quantile(curve, 0.5)[0]
        text = "not reached" if np.isnan(median) else f"{median:g} sessions"
        ax.set_title(f"{name}: median {text}", fontsize=9)
        session_axis(ax, max_time, "")
        ax.legend(fontsize=7, loc="lower right")
    for ax in axes.flat[len(names) :]:
        ax.set_axis_off()
    for ax in axes[:, 0]:
        ax.set_ylabel("Cumulative proportion improved", fontsize=8)
    for ax in axes[-1, :]:
        ax.set_xlabel(time_label)
    fig.suptitle("Each severity stratum against all clients (grey, dashed)", fontsize=10)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.9, bottom=0.1, hspace=0.35, wspace=0.12)
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
    confidence bands, and the risk table (``figdata.incidence_risk_table``) underneath at the
    same session breaks as the x ticks."""
    if cif.empty:
        return empty_figure(NO_DATA)
    names = curve_names(cif, strata)
    breaks = sorted(set(risk["session"].astype(int)))
    rows = len(names) * len(INCIDENCE_BLOCKS) + len(INCIDENCE_BLOCKS)
    fig = plt.figure(figsize=(7.5, 6.4 + 0.16 * rows))
    grid = fig.add_gridspec(3, 1, height_ratios=[3.0, 3.0, 0.16 * rows + 0.2], hspace=0.12)
    axes = [fig.add_subplot(grid[0])]
    axes.append(fig.add_subplot(grid[1], sharex=axes[0]))
    table_ax = fig.add_subplot(grid[2], sharex=axes[0])
    for ax, cause, title in zip(
        axes,
        ("improved", "ended"),
        ("Improved", "Ended therapy without improvement"),
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
                ax.fill_between(t, low, high, step="post", color=colour, alpha=0.15, lw=0)
        ax.set_ylim(0.0, 1.0)
        ax.set_ylabel("Cumulative incidence")
        ax.set_title(title, fontsize=9, loc="left")
        ax.grid(alpha=0.3)
        ax.tick_params(labelbottom=False)
    axes[0].set_xlim(0.0, breaks[-1])
    axes[0].set_xticks(breaks)
    axes[0].legend(title="Intake severity", fontsize=7, title_fontsize=8, loc="upper left")
    draw_risk_table(table_ax, risk, names, time_label, blocks=INCIDENCE_BLOCKS)
    fig.suptitle(
        "During therapy as delivered (Aalen-Johansen): improvement and ending without it",
        fontsize=10,
    )
    fig.subplots_adjust(left=0.24, right=0.97, top=0.93, bottom=0.05)
    return fig


def plot_dose_response(
    data: pd.DataFrame, strata: Sequence[str], time_label: str = "Sessions attended"
) -> Figure:
    """Kaplan-Meier steps per stratum, the best parametric fit as smooth lines, Howard's
    probit line and the published reference points."""
    km = data.loc[data["source"] == "Kaplan-Meier"]
    if km.empty:
        return empty_figure(NO_DATA)
    names = curve_names(km, strata)
    fig = Figure(figsize=(7.5, 5.0))
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
        marker = "s"
        ax.plot(
            part["session"],
            part["proportion"],
            marker,
            color="black",
            ms=6,
            label=f"{source} (published)",
        )
    top = float(max(km["session"].max(), 26 if len(published) else 1))
    session_axis(ax, top, "Cumulative proportion improved")
    ax.set_xlabel(time_label)
    title = "Dose-response: fitted curves over Kaplan-Meier"
    ax.set_title(title + (", with published benchmarks" if len(published) else ""), fontsize=10)
    ax.legend(fontsize=6.5, loc="lower right", ncol=2, framealpha=0.9)
    fig.subplots_adjust(left=0.1, right=0.97, top=0.92, bottom=0.1)
    return fig


def plot_forest(table: pd.DataFrame) -> Figure:
    """Hazard ratios with CIs on a log axis, one colour per model (the cause-specific
    dropout model's ratios are hazards of dropout, as its name says)."""
    values = table[["hazard_ratio", "ci_lower", "ci_upper"]].apply(pd.to_numeric, errors="coerce")
    finite = np.isfinite(values).all(axis=1) & (values["ci_lower"] > 0)
    finite &= values["ci_upper"] <= 1e10 * values["ci_lower"]  # as cox.MAX_CI_RATIO
    omitted = int((~finite).sum())
    table = table.loc[finite.to_numpy()].reset_index(drop=True)
    if table.empty:
        return empty_figure("No hazard ratio could be estimated: see cox.csv.")
    height = 2.0 + 0.3 * len(table)
    fig = Figure(figsize=(7.5, height))
    ax = fig.add_subplot()
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
    ax.set_yticklabels(table["term"].str.replace("_", " "), fontsize=7)
    ax.set_xlabel("Hazard ratio (log scale; 1 = no difference)")
    title = "Cox models: hazard ratios with confidence intervals"
    if omitted:  # infinite or zero ratios (a term that separates the clients)
        title += f"\n({omitted} term(s) not estimable, not drawn: see cox.csv)"
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3, axis="x")
    fig.legend(fontsize=7, loc="lower center", ncol=2, frameon=False)
    fig.subplots_adjust(left=0.36, right=0.97, top=1 - 0.45 / height, bottom=1.1 / height)
    return fig
