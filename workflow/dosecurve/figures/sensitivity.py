"""The figure of how much the answer depends on why clients stop: the plain Kaplan-Meier and
the IPCW-adjusted proportions improved, with their CIs, inside the best- and worst-case
bounds, all clients (from ``tables/ending_sensitivity.csv``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from dosecurve.figures.curves import NO_DATA, empty_figure, session_axis
from dosecurve.figures.style import DOUBLE
from dosecurve.stats.kaplan_meier import ALL

STYLES = {
    "km": ("Kaplan-Meier (every ending censored)", "#0072B2", "o"),
    "ipcw": ("IPCW (ending explained by observed scores)", "#D55E00", "s"),
}


def ending_data(table: pd.DataFrame) -> pd.DataFrame:
    """The all-clients rows of % improved by session, one column per method's value and
    limits: ``method, session, improved, ci_lower, ci_upper``."""
    rows = table.loc[(table["stratum"] == ALL) & (table["measure"] == "improved")]
    out = rows[["method", "session", "improved", "ci_lower", "ci_upper"]]
    return out.apply(lambda c: pd.to_numeric(c, errors="coerce") if c.name != "method" else c)


def plot_ending_sensitivity(data: pd.DataFrame, time_label: str = "Sessions attended") -> Figure:
    """Bounds as a band; Kaplan-Meier and IPCW as points with CI bars, joined by lines."""
    known = data.dropna(subset=["improved"])
    if known.empty:
        return empty_figure(NO_DATA)
    fig = Figure(figsize=(DOUBLE, 4.6), layout="constrained")
    ax = fig.subplots()
    best = known.loc[known["method"] == "best_case"].sort_values("session")
    worst = known.loc[known["method"] == "worst_case"].sort_values("session")
    if len(best) and len(worst):
        merged = best.merge(worst, on="session", suffixes=("_best", "_worst"))
        ax.fill_between(
            merged["session"],
            merged["improved_worst"],
            merged["improved_best"],
            color="grey",
            alpha=0.2,
            lw=0,
            label="bounds: none / all who ended would have improved",
        )
    for offset, (method, (label, colour, marker)) in zip(
        (-0.01, 0.01), STYLES.items(), strict=True
    ):
        part = known.loc[known["method"] == method].sort_values("session")
        if part.empty:
            continue
        x = part["session"].to_numpy(float) * (1 + offset)
        y = part["improved"].to_numpy(float)
        low = y - part["ci_lower"].to_numpy(float)
        high = part["ci_upper"].to_numpy(float) - y
        ax.errorbar(
            x,
            y,
            yerr=np.vstack([np.nan_to_num(low), np.nan_to_num(high)]),
            color=colour,
            marker=marker,
            ms=4,
            lw=1.2,
            capsize=2,
            label=label,
        )
    session_axis(ax, float(known["session"].max()), "Cumulative proportion improved")
    ax.set_xlabel(time_label)
    ax.set_title("How much the answer depends on why clients stop (all clients)")
    ax.legend(loc="upper left", framealpha=0.9)
    return fig
