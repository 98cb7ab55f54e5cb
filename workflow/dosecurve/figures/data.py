"""The data behind each figure: aggregates computed from events, sessions and tables.

Every figure is drawn only from the tables returned here, and the workflow writes those
tables as CSV beside the figure, so the CSV is exactly what the figure shows. Nothing here
returns a client's row: scores are binned, means need ``MIN_MEAN_N`` clients, and counts
go through ``privacy.suppress`` before they are written or drawn.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dosecurve.measures.instruments import Instrument
from dosecurve.measures.reliable_change import classify
from dosecurve.privacy import count_text
from dosecurve.stats.cumulative_incidence import aalen_johansen, ending_causes
from dosecurve.stats.distributions import normal_cdf, normal_quantile, t_quantile
from dosecurve.stats.kaplan_meier import ALL
from dosecurve.stats.kaplan_meier import horizon as km_horizon

# A mean score is drawn only where at least this many clients were scored at that session.
MIN_MEAN_N = 10
RISK_COLUMNS = ["stratum", "session", "at_risk", "cum_improved", "cum_censored"]
# Published reference points on the cumulative curve (workflow/docs/methods.md, section 6).
# Nordmo et al.'s (2021) 57 sessions is not one: it is the median sessions attended by the
# clients improved at termination (the at_termination estimand), set beside that reading in
# the report's benchmarks table, not on a Kaplan-Meier curve.
HOWARD_POINTS = ((8, 0.50), (26, 0.75))
BENCHMARKS = pd.DataFrame(
    {
        "source": ["Howard et al. 1986", "Howard et al. 1986"],
        "session": [8, 26],
        "proportion": [0.50, 0.75],
        "label": ["50 % improved by 8 sessions", "75 % by 26 sessions"],
    }
)


def eligible_groups(events: pd.DataFrame, strata: Sequence[str]) -> list[tuple[str, pd.DataFrame]]:
    """(stratum, eligible clients) for each present stratum in order, then all pooled."""
    data = events.loc[events["eligible"].astype(bool)]
    groups = [(s, data.loc[data["stratum"] == s]) for s in strata]
    return [(s, part) for s, part in groups if len(part)] + ([(ALL, data)] if len(data) else [])


def risk_table(curves: pd.DataFrame, breaks: Sequence[int]) -> pd.DataFrame:
    """At each session break: clients at risk (still followed at that session), and how
    many had improved or been censored up to and including it, per stratum.

    ``curves`` is the unsuppressed Kaplan-Meier table (``stratum, time, at_risk, events,
    censored``), so the counts equal those of ``km_curves.csv`` by construction.
    """
    rows = []
    for name, curve in curves.groupby("stratum", sort=False):
        time = curve["time"].to_numpy(float)
        at_risk = np.append(curve["at_risk"].to_numpy(int), 0)
        improved = np.concatenate([[0], np.cumsum(curve["events"].to_numpy(int))])
        censored = np.concatenate([[0], np.cumsum(curve["censored"].to_numpy(int))])
        b = np.asarray(breaks, float)
        first_later = np.searchsorted(time, b, side="left")
        up_to = np.searchsorted(time, b, side="right")
        rows.append(
            pd.DataFrame(
                {
                    "stratum": name,
                    "session": np.asarray(breaks, int),
                    "at_risk": at_risk[first_later],
                    "cum_improved": improved[up_to],
                    "cum_censored": censored[up_to],
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=RISK_COLUMNS)


HORIZON_COLUMNS = [
    "stratum",
    "n",
    "horizon",
    "last_time",
    "at_risk_beyond",
    "improved_at_horizon",
    "improved_at_last",
]


def horizons(curves: pd.DataFrame, setting: float | None = None) -> pd.DataFrame:
    """Where each curve of the tidy Kaplan-Meier table ``curves`` is drawn to, and what
    lies beyond: ``figures.horizon`` (``setting``) for every stratum, or by default each
    stratum's last time with at least 10 % of its clients at risk
    (``kaplan_meier.horizon``); with its clients, its last follow-up time, the clients still
    at risk after the horizon, and 1 - S at the horizon and at the last time."""
    rows = []
    for name, curve in curves.groupby("stratum", sort=False):
        time = curve["time"].to_numpy(float)
        surv = curve["surv"].to_numpy(float)
        at = float(setting) if setting is not None else km_horizon(curve)
        shown = np.searchsorted(time, at, side="right")
        at_risk = pd.to_numeric(curve["at_risk"], errors="coerce").to_numpy(float)
        rows.append(
            {
                "stratum": name,
                "n": at_risk[0],
                "horizon": at,
                "last_time": time[-1],
                "at_risk_beyond": at_risk[shown] if shown < len(time) else 0.0,
                "improved_at_horizon": 1.0 - surv[shown - 1] if shown else 0.0,
                "improved_at_last": 1.0 - surv[-1],
            }
        )
    return pd.DataFrame(rows, columns=HORIZON_COLUMNS)


def within_horizon(curves: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``curves`` (``stratum, time, ...``) up to each stratum's horizon: what
    the figure draws."""
    limit = curves["stratum"].map(table.set_index("stratum")["horizon"])
    return curves.loc[curves["time"].to_numpy(float) <= limit.to_numpy(float)].reset_index(
        drop=True
    )


def horizon_sentence(table: pd.DataFrame, setting: float | None, unit: str = "session") -> str:
    """The tail beyond the horizon, for the caption."""
    if table.empty:
        return ""
    cut = table.loc[table["last_time"] > table["horizon"]]
    where = (
        f"Curves end at {unit} {setting:g} (figures.horizon)"
        if setting is not None
        else f"Each curve ends at the last {unit} with at least 10 % of its clients still at risk"
    )
    if cut.empty:
        return f"{where}; no curve has follow-up beyond it."
    tails = "; ".join(
        f"{row.stratum} to {unit} {row.horizon:g} "
        f"({count_text(row.at_risk_beyond)} clients still at risk after it, follow-up to "
        f"{row.last_time:g}, {100 * row.improved_at_last:.1f} % improved by then)"
        for row in cut.itertuples()
    )
    return f"{where}: {tails}. The full curves are in tables/km_curves.csv."


INCIDENCE_COLUMNS = [
    "stratum",
    "time",
    "at_risk",
    "events",
    "ended",
    "censored",
    "cif_improved",
    "lower_improved",
    "upper_improved",
    "cif_ended",
    "lower_ended",
    "upper_ended",
]


def incidence_curves(
    events: pd.DataFrame,
    strata: Sequence[str],
    *,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> pd.DataFrame:
    """The during-therapy estimand drawn: Aalen-Johansen cumulative incidence of improvement
    and of ending therapy without it (every ending competes; only clients still in therapy
    are censored), with confidence limits, per stratum and pooled, at each session where
    something happened."""
    parts = []
    for name, part in eligible_groups(events, strata):
        table = aalen_johansen(
            part["time"].to_numpy(float),
            ending_causes(part),
            conf_level=conf_level,
            conf_type=conf_type,
        )
        parts.append(
            table.assign(stratum=name).rename(
                columns={
                    "events_1": "events",
                    "events_2": "ended",
                    "cif_1": "cif_improved",
                    "lower_1": "lower_improved",
                    "upper_1": "upper_improved",
                    "cif_2": "cif_ended",
                    "lower_2": "lower_ended",
                    "upper_2": "upper_ended",
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=INCIDENCE_COLUMNS)
    return pd.concat(parts, ignore_index=True)[INCIDENCE_COLUMNS]


def incidence_risk_table(cif: pd.DataFrame, breaks: Sequence[int]) -> pd.DataFrame:
    """At each break: clients at risk, and how many had improved or ended without improving
    up to and including it, per stratum (the counts of ``incidence_curves``)."""
    improved = risk_table(cif, breaks)
    ended = risk_table(cif.drop(columns="events").rename(columns={"ended": "events"}), breaks)
    return improved[["stratum", "session", "at_risk", "cum_improved"]].assign(
        cum_ended=ended["cum_improved"].to_numpy()
    )


def howard_curve(sessions: np.ndarray) -> np.ndarray:
    """Howard et al.'s (1986) probit line through 50 % at 8 and 75 % at 26 sessions."""
    (s1, p1), (s2, p2) = HOWARD_POINTS
    slope = (normal_quantile(p2) - normal_quantile(p1)) / (np.log10(s2) - np.log10(s1))
    return normal_cdf(normal_quantile(p1) + slope * (np.log10(sessions) - np.log10(s1)))


def dose_response(
    km_curves: pd.DataFrame,
    smooth: pd.DataFrame,
    aft_models: pd.DataFrame,
    benchmarks: bool = True,
) -> pd.DataFrame:
    """Kaplan-Meier steps and the best-fitting (lowest AIC) parametric curve per stratum,
    Howard's line, and the published reference points: ``source, stratum, session,
    proportion``. The published points and Howard's line count sessions: with another
    clock (``benchmarks`` false) they are left out."""
    km = km_curves[["stratum", "time", "surv"]].rename(columns={"time": "session"})
    parts = [km.assign(source="Kaplan-Meier", proportion=1.0 - km["surv"]).drop(columns="surv")]
    chosen = aft_models.get("best", pd.Series(False, index=aft_models.index))
    best = aft_models.loc[chosen.astype(str).eq("True"), "model"]
    if len(best):  # evaluated at every session of each stratum's follow-up
        fitted = smooth.loc[smooth["model"] == best.iloc[0]]
        parts.append(
            fitted[["stratum", "session"]].assign(
                source=f"{best.iloc[0]} fit", proportion=fitted["fitted"]
            )
        )
    if not benchmarks:
        return pd.concat(parts, ignore_index=True)[["source", "stratum", "session", "proportion"]]
    top = max(float(km["session"].max()) if len(km) else 52.0, 52.0)
    grid = np.unique(np.round(np.geomspace(1, top, 60)))
    parts.append(
        pd.DataFrame(
            {
                "source": "Howard et al. 1986 line",
                "stratum": "",
                "session": grid,
                "proportion": howard_curve(grid),
            }
        )
    )
    parts.append(BENCHMARKS.drop(columns="label").assign(stratum=""))
    out = pd.concat(parts, ignore_index=True)
    return out[["source", "stratum", "session", "proportion"]]


def score_step(instrument: Instrument, target_bins: int = 40) -> float:
    """A round bin width giving about ``target_bins`` bins over the score range."""
    span = instrument.score_range[1] - instrument.score_range[0]
    for step in (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0):
        if span / step <= target_bins:
            return step
    return span / target_bins


def jacobson_cells(
    pre: np.ndarray, post: np.ndarray, *, method: str, instrument: Instrument
) -> pd.DataFrame:
    """Clients binned by intake and later score, with their change category: ``pre, post``
    (bin centres), ``category, n``; a point per client is never written."""
    category = classify(pre, post, method=method, instrument=instrument)
    step = score_step(instrument)
    frame = pd.DataFrame(
        {
            "pre": (np.floor(np.asarray(pre, float) / step) + 0.5) * step,
            "post": (np.floor(np.asarray(post, float) / step) + 0.5) * step,
            "category": category,
        }
    )
    cells = frame.groupby(["category", "pre", "post"], sort=True).size().rename("n")
    return cells.reset_index()[["pre", "post", "category", "n"]]


def first_last(sessions: pd.DataFrame) -> pd.DataFrame:
    """Each client's first and last scored assessment and the number scored: ``client, pre,
    post, scored`` (clients with no score left out; ``post`` is ``pre`` for a client scored
    once), in the order of the session table's clients."""
    scored = sessions.loc[sessions["score"].notna(), ["client", "session", "score"]]
    codes, ids = pd.factorize(scored["client"])
    score = scored["score"].to_numpy(float)
    start = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, bool)
    first = np.flatnonzero(start)
    last = np.r_[first[1:] - 1, len(codes) - 1] if len(first) else first
    return pd.DataFrame(
        {
            "client": np.asarray(ids, dtype=object)[codes[first]],
            "pre": score[first],
            "post": score[last],
            "scored": last - first + 1,
        }
    )


def last_pairs(first_last: pd.DataFrame) -> pd.DataFrame:
    """Intake and last scored assessment per client scored more than once (``client, pre,
    post``), from ``first_last``."""
    return first_last.loc[first_last["scored"] > 1, ["client", "pre", "post"]].reset_index(
        drop=True
    )


def event_pairs(sessions: pd.DataFrame, events: pd.DataFrame) -> pd.DataFrame:
    """Intake and the score at the event session (or, if censored, the last assessment at or
    before the censoring session) per eligible client with a later score."""
    scored = sessions.loc[sessions["score"].notna(), ["client", "session", "score"]]
    scored = scored.sort_values(["client", "session"], kind="stable")
    codes, ids = pd.factorize(scored["client"])
    eligible = events.loc[events["eligible"].astype(bool)]
    where = pd.Index(ids).get_indexer(eligible["client"])
    limit = np.full(len(ids), -np.inf)
    limit[where[where >= 0]] = eligible["time"].to_numpy(float)[where >= 0]
    session = scored["session"].to_numpy(float)
    first = np.unique(codes, return_index=True)[1]  # each client's first scored row
    keep = (session <= limit[codes]) & (session > session[first][codes])
    rows = np.flatnonzero(keep)
    last = rows[np.r_[codes[rows][1:] != codes[rows][:-1], True]] if len(rows) else rows
    score = scored["score"].to_numpy(float)
    return pd.DataFrame(
        {
            "client": np.asarray(ids, dtype=object)[codes[last]],
            "pre": score[first][codes[last]],
            "post": score[last],
        }
    )


def trajectories(counts: pd.DataFrame, strata: Sequence[str], conf_level: float) -> pd.DataFrame:
    """Mean score per stratum (and pooled) at each session, with a t-based CI, where at
    least ``MIN_MEAN_N`` clients were scored: ``stratum, session, n, mean, ci_lower,
    ci_upper``; from the eligible clients' scores counted
    (``dosecurve.outcomes.score_counts``), summed per (stratum, session) cell by
    ``np.bincount`` in the counts' order."""
    names = [*strata, ALL]
    counts = counts.loc[counts["stratum"].to_numpy() >= 0]
    session = counts["session"].to_numpy(np.int64)
    score = counts["score"].to_numpy(float)
    count = counts["n"].to_numpy(float)
    width = int(session.max()) + 1 if len(session) else 1
    cell = counts["stratum"].to_numpy(np.int64) * width + session
    size = len(names) * width
    sums = [
        np.bincount(cell, weights=w, minlength=size)
        for w in (count, score * count, score**2 * count)
    ]
    pooled = (len(names) - 1) * width + np.arange(width)  # the last block: all strata
    for total in sums:
        total[pooled] = total[: (len(names) - 1) * width].reshape(-1, width).sum(axis=0)
    n, sum1, sum2 = sums
    ok = np.flatnonzero(n >= MIN_MEAN_N)
    mean = sum1[ok] / n[ok]
    sd = np.sqrt(np.maximum(sum2[ok] - n[ok] * mean**2, 0.0) / (n[ok] - 1))
    half = t_quantile(0.5 + conf_level / 2, n[ok] - 1) * sd / np.sqrt(n[ok])
    return pd.DataFrame(
        {
            "stratum": np.asarray(names, dtype=object)[ok // width],
            "session": (ok % width).astype(int),
            "n": n[ok].astype(int),
            "mean": mean,
            "ci_lower": mean - half,
            "ci_upper": mean + half,
        }
    )


def attendance(events: pd.DataFrame, strata: Sequence[str]) -> pd.DataFrame:
    """Sessions attended, binned, per stratum and pooled: ``stratum, first, last, n,
    percent`` (percent of the stratum's clients)."""
    groups = eligible_groups(events, strata)
    top = max((float(p["sessions_attended"].max()) for _, p in groups), default=1.0)
    width = next(w for w in (1, 2, 4, 5, 10, 20, 25, 50, 100) if top / w <= 40)
    edges = np.arange(0, top + width + 1, width)
    rows = []
    for name, part in groups:
        counts, _ = np.histogram(part["sessions_attended"].to_numpy(float), bins=edges - 0.5)
        rows.append(
            pd.DataFrame(
                {
                    "stratum": name,
                    "first": edges[:-1].astype(int),
                    "last": (edges[1:] - 1).astype(int),
                    "n": counts,
                    "percent": 100.0 * counts / len(part),
                }
            )
        )
    columns = ["stratum", "first", "last", "n", "percent"]
    return pd.concat(rows, ignore_index=True)[columns] if rows else pd.DataFrame(columns=columns)


def forest(cox: pd.DataFrame) -> pd.DataFrame:
    """The Cox hazard ratios with finite confidence limits: ``model, term, hazard_ratio,
    ci_lower, ci_upper, p_value, n, events``."""
    columns = ["model", "term", "hazard_ratio", "ci_lower", "ci_upper", "p_value", "n", "events"]
    ok = np.isfinite(pd.to_numeric(cox["ci_upper"], errors="coerce"))
    return cox.loc[ok, columns].reset_index(drop=True)
