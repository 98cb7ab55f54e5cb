"""Figures. Functions take tidy tables and return a matplotlib ``Figure``; saving is
left to the caller, so nothing here touches paths."""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dosecurve.privacy import count_text
from dosecurve.survival import ALL, km_quantile

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
        return _empty_figure("No client was eligible for this analysis: see flow.csv.")
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
) -> None:
    """Counts under the axis, one block per kind (at risk, improved, censored)."""
    y = 0
    for column, title in RISK_BLOCKS:
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


def _empty_figure(message: str) -> Figure:
    fig = plt.figure(figsize=(7.5, 3.0))
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.text(0.5, 0.5, message, ha="center", va="center", fontsize=11)
    return fig
