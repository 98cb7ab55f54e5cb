"""Score figures: the Jacobson plot (binned, never a point per client), mean trajectories
by stratum, and the distribution of sessions attended. Each draws only from its
``figdata`` table."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dosecurve.figures.curves import colour_of, curve_names, empty_figure
from dosecurve.figures.data import MIN_MEAN_N
from dosecurve.figures.style import DOUBLE
from dosecurve.measures.instruments import Instrument
from dosecurve.measures.reliable_change import CATEGORIES

CATEGORY_COLOURS = {
    "recovered": "#009E73",
    "improved": "#56B4E9",
    "unchanged": "#999999",
    "deteriorated": "#E69F00",
    "harmed": "#D55E00",
}


def plot_jacobson(cells: pd.DataFrame, instrument: Instrument, *, post_label: str) -> Figure:
    """Intake against a later score: identity line, the reliable-change band (identity +-
    the instrument's reliable change), the cutoff on both axes, and clients binned into
    cells drawn with area proportional to their count, coloured by change category.

    Cells whose count is suppressed (``"<k"``) are not drawn; the legend says how many.
    """
    if cells.empty:
        return empty_figure("No client had an intake and a later score.")
    counts = pd.to_numeric(cells["n"], errors="coerce")
    shown = cells.loc[counts.notna() & (counts > 0)].assign(n=counts)
    hidden = int(counts.isna().sum())
    low, high = instrument.score_range
    fig = Figure(figsize=(6.5, 6.2))
    ax = fig.add_subplot()
    grid = np.array([low, high], float)
    rc = instrument.reliable_change
    ax.fill_between(
        grid,
        grid - rc,
        grid + rc,
        color="#dddddd",
        alpha=0.6,
        lw=0,
        label=f"no reliable change (+-{rc:g})",
    )
    ax.plot(grid, grid, color="black", lw=0.8)
    ax.axvline(instrument.cutoff, color="black", ls="--", lw=0.8)
    ax.axhline(
        instrument.cutoff, color="black", ls="--", lw=0.8, label=f"cutoff {instrument.cutoff:g}"
    )
    scale = 220.0 / max(float(shown["n"].max()) if len(shown) else 1.0, 1.0)
    totals = cells.groupby("category")["n"].apply(_total)
    for category in CATEGORIES:
        part = shown.loc[shown["category"] == category]
        ax.scatter(
            part["pre"],
            part["post"],
            s=scale * part["n"] + 4,
            color=CATEGORY_COLOURS[category],
            alpha=0.75,
            edgecolors="none",
            label=f"{category} ({totals.get(category, 'n = 0')})",
        )
    ax.set_xlim(low, high)
    ax.set_ylim(low, high)
    ax.set_aspect("equal")
    ax.set_xlabel(f"Intake score ({instrument.name})")
    ax.set_ylabel(f"Score at {post_label} ({instrument.name})")
    note = f"; {hidden} small cells not shown" if hidden else ""
    ax.set_title(
        f"Jacobson plot: intake against {post_label}\n(area: clients per cell{note})", fontsize=10
    )
    ax.legend(fontsize=7, loc="upper left" if instrument.lower_is_better else "lower right")
    fig.subplots_adjust(left=0.12, right=0.97, top=0.9, bottom=0.1)
    return fig


def _total(values: pd.Series) -> str:
    """``"n = 12"``; a suppressed cell (at least one client) makes it a lower bound."""
    numbers = pd.to_numeric(values, errors="coerce")
    hidden = int(numbers.isna().sum())
    total = int(numbers.fillna(0).sum())
    return f"n >= {total + hidden}" if hidden else f"n = {total}"


def plot_trajectories(
    table: pd.DataFrame,
    strata: Sequence[str],
    instrument: Instrument,
    time_label: str = "Session",
) -> Figure:
    """Mean score by session per stratum with CI bands, and the cutoff; a line is broken
    where a session has no mean (too few clients scored), never joined across it."""
    if table.empty:
        return empty_figure(f"No session had {MIN_MEAN_N} or more scored clients.")
    names = curve_names(table, strata)
    fig = Figure(figsize=(DOUBLE, 4.8), layout="constrained")
    ax = fig.add_subplot()
    for name in names:
        part = with_gaps(table.loc[table["stratum"] == name])
        colour = colour_of(names, name)
        ax.plot(
            part["session"],
            part["mean"],
            color=colour,
            lw=1.4,
            ls="--" if name == "all" else "-",
            label=name,
        )
        ax.fill_between(
            part["session"], part["ci_lower"], part["ci_upper"], color=colour, alpha=0.15, lw=0
        )
    ax.axhline(
        instrument.cutoff, color="black", ls=":", lw=0.8, label=f"cutoff {instrument.cutoff:g}"
    )
    ax.set_xlabel(time_label)
    ax.set_ylabel(f"Mean score ({instrument.name})")
    ax.set_title(
        f"Mean score by session and intake severity (sessions with at least "
        f"{MIN_MEAN_N} scored clients)",
        fontsize=10,
    )
    ax.grid(alpha=0.3)
    ax.legend(title="Intake severity")
    return fig


def with_gaps(part: pd.DataFrame) -> pd.DataFrame:
    """One stratum's means with an empty row at every session missing between two drawn
    ones, so that the line and its band break there.

    >>> with_gaps(pd.DataFrame({"session": [0, 1, 4], "mean": [20.0, 18.0, 15.0]}))["mean"].tolist()
    [20.0, 18.0, nan, nan, 15.0]
    """
    if part.empty:
        return part
    sessions = part["session"].astype(int)
    full = range(int(sessions.min()), int(sessions.max()) + 1)
    return part.set_index(sessions).reindex(full).rename_axis(None).assign(session=list(full))


def plot_attendance(
    table: pd.DataFrame, strata: Sequence[str], time_label: str = "Sessions attended"
) -> Figure:
    """Sessions attended per stratum as an empirical cumulative distribution (percent of
    the stratum's clients who attended at most so many), step lines that stay readable
    where strata overlap; read off the binned counts, so a bin hidden for privacy adds
    nothing (the curve is then a lower bound)."""
    if table.empty:
        return empty_figure("No client was eligible for this analysis: see flow.csv.")
    names = curve_names(table, strata)
    fig = Figure(figsize=(DOUBLE, 4.2), layout="constrained")
    ax = fig.add_subplot()
    for name in names:
        part = table.loc[table["stratum"] == name]
        percent = pd.to_numeric(part["percent"], errors="coerce").fillna(0.0).to_numpy(float)
        cumulative = np.minimum(np.cumsum(percent), 100.0)
        # F(k) = % attending at most k, exact at each bin's last session
        ax.step(
            np.concatenate([[float(part["first"].iloc[0])], part["last"].to_numpy(float)]),
            np.concatenate([[0.0], cumulative]),
            where="post",
            color=colour_of(names, name),
            lw=1.4,
            ls="--" if name == "all" else "-",
            label=f"{name} ({_total(part['n'])})",
        )
    ax.set_xlim(0, float(table["last"].max()) + 1)
    ax.set_ylim(0, 100)
    ax.set_xlabel(time_label)
    ax.set_ylabel("Percent of the stratum's clients (at most this many)")
    width = int(table["last"].iloc[0] - table["first"].iloc[0] + 1)
    step = "" if width == 1 else f", in steps of {width}"
    ax.set_title(f"{time_label} by intake severity: cumulative distribution{step}")
    ax.grid(alpha=0.3)
    ax.legend(title="Intake severity", loc="lower right")
    return fig
