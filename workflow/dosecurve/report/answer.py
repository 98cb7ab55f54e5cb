"""The answer's words beyond the headline: how time to improvement changes with intake
severity (with the trend test), and what can be said when a median is not reached."""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np
import pandas as pd

from dosecurve.labels import Clock, level_text
from dosecurve.report.readable import p_phrase, percent_text, sessions_text
from dosecurve.stats.kaplan_meier import ALL, MIN_AT_RISK_SHARE, horizon, step_value

TREND = "trend"  # the log-rank table's trend row starts with this word


def gradient_sentence(
    medians: pd.DataFrame,
    improved: pd.DataFrame,
    logrank: pd.DataFrame,
    strata: Sequence[str],
    clock: Clock | None = None,
    alpha: float = 0.05,
) -> str:
    """Which strata improve faster or slower, in words, with the log-rank test for trend.

    The direction is read off the medians in severity order, or, where a median is not
    reached, off the % improved at the last tabulated time every stratum reaches; it is
    called a gradient only when it runs one way and the trend test is significant."""
    clock = clock or Clock()
    rows = medians.set_index("stratum")
    order = [s for s in strata if s in rows.index and s != ALL]
    if len(order) < 2:
        return ""
    values = pd.to_numeric(rows.loc[order, "median"], errors="coerce")
    trend = logrank.loc[logrank["test"].astype(str).str.startswith(TREND)]
    test = ""
    p = float("nan")
    if len(trend) and np.isfinite(pd.to_numeric(trend["p_value"], errors="coerce").iloc[0]):
        row = trend.iloc[0]
        p = float(row["p_value"])
        test = (
            f"log-rank test for trend across the ordered strata: chi-square({int(row['df'])}) "
            f"= {float(row['statistic']):.2f}, {p_phrase(p)}"
        )
    if values.notna().all():
        listed = ", ".join(f"{sessions_text(v)} ({html.escape(s)})" for s, v in values.items())
        measure = f"median {clock.unit} to improvement {listed}"
        slower = values.to_numpy()
    else:
        at = _common_time(improved, order)
        if at is None:
            return ""
        share = improved.set_index(["stratum", "session"])["improved"]
        props = [pd.to_numeric(share.get((s, at), np.nan), errors="coerce") for s in order]
        if not np.all(np.isfinite(props)):
            return ""
        listed = ", ".join(
            f"{percent_text(v)} ({html.escape(s)})" for s, v in zip(order, props, strict=True)
        )
        measure = f"improved {clock.by(at)}: {listed}"
        slower = -np.asarray(props, dtype=float)  # fewer improved: slower
    steps = np.diff(slower)
    if np.all(steps > 0):
        direction = "more slowly the more severe their intake"
    elif np.all(steps < 0):
        direction = "faster the more severe their intake"
    else:
        direction = "at rates that did not change in one direction with intake severity"
    if np.isfinite(p) and p >= alpha:
        lead = "Time to improvement showed no clear gradient with intake severity"
    elif np.isfinite(p):
        lead = f"Clients improved {direction}"
    else:
        lead = "By intake severity"
    tail = f" ({test})" if test else ""
    return f"{lead}: {measure}{tail}."


def _common_time(improved: pd.DataFrame, order: Sequence[str]) -> int | None:
    """The last tabulated time with a % improved in every stratum of ``order``."""
    table = improved.loc[improved["stratum"].isin(order)].copy()
    table["value"] = pd.to_numeric(table["improved"], errors="coerce")
    counts = table.dropna(subset=["value"]).groupby("session")["stratum"].nunique()
    full = counts[counts == len(order)]
    return int(full.index.max()) if len(full) else None


def not_reached_sentence(
    medians: pd.DataFrame,
    km_curves: pd.DataFrame | None,
    clock: Clock | None = None,
    conf_level: float = 0.95,
) -> str:
    """For each stratum (and all clients) whose median is not reached: the % improved at
    the last time at which at least 10 % of its clients were still at risk."""
    if km_curves is None or km_curves.empty:
        return ""
    clock = clock or Clock()
    said = []
    for row in medians.itertuples():
        if np.isfinite(pd.to_numeric(pd.Series([row.median]), errors="coerce").iloc[0]):
            continue
        curve = km_curves.loc[km_curves["stratum"] == row.stratum]
        t = horizon(curve)
        if not np.isfinite(t):
            continue
        value = 1.0 - step_value(curve, t, "surv")
        low, high = (1.0 - step_value(curve, t, c) for c in ("upper", "lower"))
        interval = (
            f" ({level_text(conf_level)} CI {percent_text(low).removesuffix(' %')} to "
            f"{percent_text(high)})"
            if np.isfinite(low) and np.isfinite(high)
            else ""
        )
        who = "all clients" if row.stratum == ALL else html.escape(str(row.stratum))
        said.append(f"{who}: {percent_text(value)}{interval} {clock.by(int(t))}")
    if not said:
        return ""
    return (
        "Where the median is not reached, the % improved at the last "
        f"{clock.singular} with at least {100 * MIN_AT_RISK_SHARE:.0f} % of the clients still "
        "at risk (Kaplan-Meier, if_continued): " + "; ".join(said) + "."
    )
