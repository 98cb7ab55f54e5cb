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
from dosecurve.survival import ALL

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


def plot_improvement(
    curves: pd.DataFrame,
    strata: Sequence[str],
    *,
    event_label: str = "clinically significant improvement",
    subtitle: str = "",
) -> Figure:
    """Cumulative proportion improved by sessions attended, one curve per stratum.

    ``curves`` is the tidy Kaplan-Meier table (``stratum, time, at_risk, events,
    censored, surv, lower, upper``). The pooled curve (``all``) is drawn in grey.
    Under the axis, numbers at risk at each session tick, computed by the same
    function as the tables' ``at_risk`` column.
    """
    if curves.empty:
        return _empty_figure("No client was eligible for this analysis: see flow.csv.")
    names = [s for s in strata if s in set(curves["stratum"])]
    if ALL in set(curves["stratum"]):
        names.append(ALL)
    max_time = float(curves["time"].max())
    breaks = session_breaks(max(max_time, 1.0))
    fig = plt.figure(figsize=(7.5, 5.0 + 0.22 * len(names)))
    grid = fig.add_gridspec(2, 1, height_ratios=[4.0, 0.35 + 0.22 * len(names)], hspace=0.32)
    ax = fig.add_subplot(grid[0])
    table_ax = fig.add_subplot(grid[1], sharex=ax)
    for i, name in enumerate(names):
        colour = POOLED_COLOUR if name == ALL else PALETTE[i % len(PALETTE)]
        draw_curve(ax, curves.loc[curves["stratum"] == name], name, colour, dashed=name == ALL)
        curve = curves.loc[curves["stratum"] == name]
        row = len(names) - 1 - i
        for t in breaks:
            table_ax.text(
                t,
                row,
                risk_text(curve, t),
                ha="center",
                va="center",
                fontsize=8,
                color=colour,
            )
        table_ax.text(
            -0.06,
            row,
            name,
            transform=table_ax.get_yaxis_transform(),
            ha="right",
            va="center",
            fontsize=8,
            color=colour,
        )
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
        title="Intake severity", fontsize=8, title_fontsize=8, loc="lower right", framealpha=0.9
    )
    table_ax.set_ylim(-0.5, len(names) - 0.5)
    table_ax.set_yticks([])
    table_ax.set_xlabel("Sessions attended")
    ax.tick_params(labelbottom=False)
    table_ax.set_title("Number at risk", fontsize=8, loc="left")
    for side in ("top", "right", "left"):
        table_ax.spines[side].set_visible(False)
    fig.subplots_adjust(left=0.24, right=0.97, top=0.9, bottom=0.1)
    return fig


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


def risk_text(curve: pd.DataFrame, t: float) -> str:
    """Clients at risk at session ``t`` (time >= t) as shown under the axis: the same rule
    as the tables' ``at_risk`` column, and a suppressed count stays suppressed."""
    later = curve.loc[curve["time"] >= t, "at_risk"]
    return count_text(later.iloc[0]) if len(later) else "0"
