"""Figures of change and monitoring: fitted trajectories per treatment length (the
good-enough-level test), therapists' shrunken estimates (caterpillar), review points and
expected-recovery bands. Each is drawn from its table as written (privacy-suppressed)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from dosecurve.figures.curves import PALETTE, colour_of, empty_figure, session_breaks
from dosecurve.figures.style import DOUBLE, figure_legend
from dosecurve.labels import Clock
from dosecurve.stats.kaplan_meier import ALL


def _numeric(table: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    out = table.copy()
    for c in columns:
        out[c] = pd.to_numeric(out[c], errors="coerce")
    return out


def gel_lines(gel: pd.DataFrame) -> pd.DataFrame:
    """The fitted mean score per length band at every session from intake to the band's
    last session; the open-ended band (``to_session`` its longest) only to its median length,
    since a straight line over a few very long therapies says little: ``band, session,
    fitted``."""
    rows = _numeric(gel, ["intercept", "rate", "to_session", "median_attended"])
    rows = rows.dropna(subset=["intercept", "rate", "to_session"])
    parts = []
    for r in rows.itertuples():
        last = r.median_attended if str(r.band).endswith("+") else r.to_session
        session = np.arange(0, int(last) + 1)
        parts.append(
            pd.DataFrame(
                {"band": r.band, "session": session, "fitted": r.intercept + r.rate * session}
            )
        )
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["band", "session", "fitted"])
    )


def plot_gel(lines: pd.DataFrame, score_label: str, clock: Clock | None = None) -> Figure:
    """One fitted line per length band over the sessions its clients attended."""
    clock = clock or Clock()
    if lines.empty:
        return empty_figure("The good-enough-level test was not estimable: see gel_test.csv.")
    fig = Figure(figsize=(DOUBLE, 4.4), layout="constrained")
    ax = fig.subplots()
    bands = list(dict.fromkeys(lines["band"]))
    for i, band in enumerate(bands):
        part = lines.loc[lines["band"] == band]
        ax.plot(
            part["session"],
            part["fitted"],
            color=PALETTE[i % len(PALETTE)],
            lw=1.8,
            label=f"{band} {clock.unit}",
        )
    top = float(lines["session"].max())
    breaks = session_breaks(max(top, 1.0))
    ax.set_xlim(0, breaks[-1])
    ax.set_xticks(breaks)
    ax.set_xlabel(clock.singular.capitalize())
    ax.set_ylabel(score_label)
    ax.grid(alpha=0.3)
    ax.legend(
        title=f"{clock.unit.capitalize()} in therapy", fontsize=7, title_fontsize=7, loc="best"
    )
    ax.set_title("Fitted change by treatment length", fontsize=10)
    return fig


def plot_caterpillar(estimates: pd.DataFrame, clock: Clock | None = None) -> Figure:
    """One panel per measure: therapists ranked by their shrunken estimate, with intervals."""
    data = _numeric(estimates, ["estimate", "ci_lower", "ci_upper"]).dropna(subset=["estimate"])
    if data.empty:
        return empty_figure(
            "No therapist estimates: therapists not known, too few, or all below min_cell."
        )
    measures = list(dict.fromkeys(data["measure"]))
    fig = Figure(figsize=(DOUBLE, 3.4 * len(measures)), layout="constrained")
    axes = fig.subplots(len(measures), 1, squeeze=False)[:, 0]
    for ax, measure in zip(axes, measures, strict=True):
        part = data.loc[data["measure"] == measure].reset_index(drop=True)
        x = np.arange(1, len(part) + 1)
        y = part["estimate"].to_numpy(float)
        err = np.vstack(
            [y - part["ci_lower"].to_numpy(float), part["ci_upper"].to_numpy(float) - y]
        )
        ax.errorbar(x, y, yerr=np.nan_to_num(err), fmt="o", ms=3, color=PALETTE[0], lw=0.8)
        hazard = "hazard ratio" in measure
        ax.axhline(1.0 if hazard else float(np.median(y)), color="grey", ls=":", lw=1)
        if hazard:  # log scale with plain tick labels
            ax.set_yscale("log")
            ticks = [v for v in (0.125, 0.25, 0.5, 1, 2, 4, 8) if y.min() / 2 <= v <= y.max() * 2]
            ax.set_yticks(ticks)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
        label = measure[0].upper() + measure[1:]
        if not hazard:
            label += f" per {(clock or Clock()).singular}"
        ax.set_ylabel(label)
        ax.set_xlabel("Therapists, ranked by estimate")
        ax.grid(alpha=0.3)
    return fig


MIN_AT_RISK = 10  # review points read off fewer clients still at risk are not drawn


def plot_review_points(
    table: pd.DataFrame, strata: Sequence[str], clock: Clock | None = None
) -> Figure:
    """Per horizon (panel), the chance of improving within it by review session, per
    stratum (Kaplan-Meier; IPCW as open markers where available)."""
    clock = clock or Clock()
    data = _numeric(
        table, ["from_session", "within", "probability", "ci_lower", "ci_upper", "at_risk"]
    )
    data = data.loc[data["at_risk"] >= MIN_AT_RISK].dropna(subset=["probability"])
    if data.empty:
        return empty_figure("No review point could be estimated: see review_points.csv.")
    horizons = sorted(data["within"].unique())
    fig = Figure(figsize=(DOUBLE, 3.2), layout="constrained")
    axes = fig.subplots(1, len(horizons), squeeze=False, sharey=True)[0]
    names = [s for s in strata if s in set(data["stratum"])] + [ALL]
    for ax, m in zip(axes, horizons, strict=True):
        for name in names:
            for method, face in (("km", None), ("ipcw", "none")):
                part = data.loc[
                    (data["within"] == m) & (data["stratum"] == name) & (data["method"] == method)
                ].sort_values("from_session")
                if part.empty:
                    continue
                colour = colour_of(names, name)
                y = part["probability"].to_numpy(float)
                err = np.vstack(
                    [y - part["ci_lower"].to_numpy(float), part["ci_upper"].to_numpy(float) - y]
                )
                ax.errorbar(
                    part["from_session"].to_numpy(float) * (1.02 if method == "ipcw" else 1.0),
                    y,
                    yerr=np.nan_to_num(err),
                    color=colour,
                    marker="o",
                    mfc=face or colour,
                    ms=4,
                    lw=1.0 if method == "km" else 0.8,
                    ls="-" if method == "km" else "--",
                    capsize=2,
                    label=name if method == "km" else None,
                )
        ax.set_title(f"Within {int(m)} more {clock.unit}")
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("Probability of improving")
    fig.supxlabel(f"Not improved by {clock.singular}")
    handles, labels = axes[0].get_legend_handles_labels()
    figure_legend(fig, handles, labels, "outside lower center", len(labels))
    return fig


MIN_BAND_N = 10  # sessions with fewer scores from eventually improved clients are not drawn


def plot_expected_recovery(
    table: pd.DataFrame,
    strata: Sequence[str],
    score_label: str,
    cutoff: float,
    clock: Clock | None = None,
) -> Figure:
    """Per intake stratum: the median score by session of clients who eventually improved,
    with the 10th-90th percentile band."""
    clock = clock or Clock()
    data = _numeric(table, ["session", "n", "p10", "p50", "p90"])
    data = data.loc[data["n"] >= MIN_BAND_N].dropna(subset=["p50"])
    names = [s for s in strata if s in set(data["stratum"])] or (
        [ALL] if (data["stratum"] == ALL).any() else []
    )
    if not names:
        return empty_figure("Too few improved clients for expected-recovery bands.")
    cols = min(len(names), 2)
    nrows = int(np.ceil(len(names) / cols))
    fig = Figure(figsize=(DOUBLE, 2.8 * nrows + 0.6), layout="constrained")
    axes = fig.subplots(nrows, cols, squeeze=False, sharex=True, sharey=True)
    for ax, name in zip(axes.flat, names, strict=False):
        part = data.loc[data["stratum"] == name].sort_values("session")
        colour = colour_of(names, name) if name != ALL else PALETTE[0]
        ax.fill_between(part["session"], part["p10"], part["p90"], color=colour, alpha=0.25, lw=0)
        ax.plot(part["session"], part["p50"], color=colour, lw=1.6)
        ax.axhline(cutoff, color="grey", ls=":", lw=1)
        ax.set_title(name)
        ax.grid(alpha=0.3)
    for ax in axes.flat[len(names) :]:
        ax.set_axis_off()
    for ax in axes[:, 0]:
        ax.set_ylabel(score_label)
    for ax in axes[-1, :]:
        ax.set_xlabel(clock.singular.capitalize())
    return fig
