"""How much the answer depends on why clients stop (workflow/docs/methods.md, section 9).

The Kaplan-Meier curve (``if_continued``) assumes that ending therapy says nothing about the
chance of improving. Beside it:

* **IPCW** (Robins & Finkelstein 2000): a pooled logistic model of ending after each
  assessment, on what was observed (the last score, its change from intake, log session and
  the intake score), gives each client still in therapy the weight ``1 / P(still in therapy)``,
  stabilised by the same model on log session and intake alone and truncated at the
  ``truncate`` and ``1 - truncate`` quantiles; the weighted Kaplan-Meier is then consistent
  when ending depends only on observed history. CIs: percentile bootstrap over clients (over
  therapists when they are known), seeded.
* **Bounds**: ``best_case``, every client who ended without improvement would have improved
  at their next session; ``worst_case``, none ever would (clients still in therapy stay
  censored in both).
* **Tipping point**: clients who ended without improvement are given a hazard of improving
  after they ended of ``delta`` times that of comparable clients who stayed (their stratum's
  Kaplan-Meier hazard), imputed ``imputations`` times (seeded); the trend test across the
  ordered strata is recomputed for each ``delta``, and the tipping point is the smallest
  ``delta`` at which its conclusion (direction and significance at 5 %) changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dosecurve.data.idcodes import codes_in
from dosecurve.measures.instruments import Instrument
from dosecurve.stats.kaplan_meier import (
    ALL,
    fit_by_stratum,
    improved_by_session,
    kaplan_meier,
    median_table,
    read_curve,
)
from dosecurve.stats.review_points import COLUMNS as REVIEW_COLUMNS

if TYPE_CHECKING:
    from dosecurve.config import DatasetSettings

COLUMNS = ["method", "stratum", "measure", "session", "improved", "ci_lower", "ci_upper", "note"]
TIPPING_COLUMNS = ["delta", "statistic", "p_value", "direction", "conclusion_changed", "note"]
DELTAS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)


@dataclass(frozen=True)
class Settings:
    """``analysis.ending_sensitivity``: bootstrap replicates and seed, weight truncation,
    imputations of the tipping-point analysis."""

    bootstrap: int = 200
    seed: int = 1
    truncate: float = 0.001  # 1 % clipped the weights that matter most (measured)
    imputations: int = 10
    max_clients: int = 5_000  # IPCW and its bootstrap on a seeded sample above this
    covariates: tuple[str, ...] = ("score", "change", "intake")  # of the ending model

    def __post_init__(self) -> None:
        unknown = sorted(set(self.covariates) - set(COVARIATES))
        if unknown:
            raise ValueError(
                f"analysis.ending_sensitivity.covariates: unknown {unknown}; "
                f"use any of {', '.join(COVARIATES)}"
            )
        object.__setattr__(self, "covariates", tuple(self.covariates))


# what the ending model may use besides session (always in, as a spline in log session)
COVARIATES = ("score", "change", "intake")


def logistic_fit(
    x: np.ndarray, y: np.ndarray, *, start: np.ndarray | None = None, max_iter: int = 50
) -> np.ndarray:
    """Maximum-likelihood logistic regression by iteratively reweighted least squares (as
    R ``glm(family = binomial)``; written out for speed in the bootstrap, whose replicates
    start from the point estimate's coefficients)."""
    usable = start is not None and len(start) == x.shape[1] and np.all(np.isfinite(start))
    beta = np.array(start, float) if usable else np.zeros(x.shape[1])
    for _ in range(max_iter):
        eta = np.clip(x @ beta, -30, 30)
        p = 1.0 / (1.0 + np.exp(-eta))
        w = p * (1 - p)
        step = np.linalg.lstsq(x.T @ (x * w[:, None]), x.T @ (y - p), rcond=None)[0]
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


def _predict(x: np.ndarray, beta: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x @ beta, -30, 30)))


def assessment_rows(
    sessions: pd.DataFrame, events: pd.DataFrame, instrument: Instrument
) -> pd.DataFrame:
    """One row per eligible client per follow-up assessment at which they were still at risk
    of ending without improvement: ``client, session, score, change, baseline, stratum,
    ended`` (``ended``: their follow-up stops after it without the event). Sorted by client
    and session; clients keep the order of ``events``."""
    data = events.loc[events["eligible"].astype(bool)]
    data = data[["client", "time", "event", "baseline", "stratum"]].reset_index(drop=True)
    row_code = codes_in(sessions["client"], pd.Index(data["client"].astype(str)))
    keep_rows = (row_code >= 0) & sessions["score"].notna().to_numpy()
    scored = sessions.loc[keep_rows, ["session", "score"]].assign(code=row_code[keep_rows])
    scored = scored.sort_values(["code", "session"], kind="stable")
    first = ~scored["code"].duplicated()
    time = data["time"].to_numpy(float)[scored["code"]]
    event = data["event"].to_numpy(int)[scored["code"]]
    session = scored["session"].to_numpy(float)
    keep = (~first.to_numpy()) & ((session < time) | ((session == time) & (event == 0)))
    rows = scored.loc[keep]
    code_kept = rows["code"].to_numpy()
    baseline = data["baseline"].to_numpy(float)[code_kept]
    score = rows["score"].to_numpy(float)
    return pd.DataFrame(
        {
            "client": code_kept,
            "session": rows["session"].to_numpy(float),
            "score": score,
            "change": instrument.improvement(baseline, score),
            "baseline": baseline,
            "stratum": data["stratum"].astype(str).to_numpy()[code_kept],
            "ended": (rows["session"].to_numpy(float) == time[keep]) & (event[keep] == 0),
        }
    )


KNOTS = (0.1, 0.25, 0.5, 0.75, 0.9)  # quantiles: the knots of the linear splines


def _spline(values: np.ndarray, where: np.ndarray) -> list[np.ndarray]:
    """A linear spline of ``values``: the value and a hinge ``max(0, value - knot)`` at each
    distinct quantile knot of ``values[where]`` (the rows where clients ended, so the model
    bends where ending happens: steep near the cutoff, flat far from it)."""
    pool = values[where] if where.any() else values
    knots = np.unique(np.quantile(pool, KNOTS)) if len(pool) else np.zeros(0)
    return [values, *(np.maximum(0.0, values - k) for k in knots)]


def _design(rows, covariates: Sequence[str] | None) -> np.ndarray:
    """The ending model's covariates: a linear spline in log session, and (unless
    ``covariates`` is None: the stabilising numerator, which may depend on time only, for the
    curves are not adjusted for anything) the intake score and linear splines in the last
    score and its change from intake, as chosen."""
    ended = np.asarray(rows["ended"], bool)
    log_session = np.log(np.asarray(rows["session"], float))
    columns = [np.ones(len(ended)), *_spline(log_session, ended)]
    for name in covariates or ():
        if name == "intake":
            columns.append(np.asarray(rows["baseline"], float))
        else:
            columns += _spline(np.asarray(rows[name], float), ended)
    return np.column_stack(columns).astype(float)


@dataclass(frozen=True)
class Weights:
    """Per assessment row the stabilised weight in force after it (truncated), the
    truncation applied, and the two models' coefficients (full, numerator)."""

    after: np.ndarray
    lower: float
    upper: float
    share_truncated: float
    coefficients: tuple[np.ndarray, np.ndarray] | None = None


def ipcw_weights(
    rows,
    truncate: float,
    covariates: Sequence[str] = COVARIATES,
    start: tuple[np.ndarray, np.ndarray] | None = None,
) -> Weights:
    """Stabilised inverse-probability-of-censoring weights after each assessment row
    (``rows``: the columns of ``assessment_rows``, as a frame or a mapping of arrays)."""
    y = np.asarray(rows["ended"], float)
    if not len(y) or not y.any():
        return Weights(np.ones(len(y)), 1.0, 1.0, 0.0)
    full, small = _design(rows, covariates), _design(rows, None)
    b_full = logistic_fit(full, y, start=None if start is None else start[0])
    b_small = logistic_fit(small, y, start=None if start is None else start[1])
    p_full, p_small = _predict(full, b_full), _predict(small, b_small)
    factor = (1 - p_small) / np.maximum(1 - p_full, 1e-12)
    client = np.asarray(rows["client"])
    log_w = np.log(factor)
    start = np.r_[True, client[1:] != client[:-1]]
    cum = np.cumsum(log_w)
    offset = np.maximum.accumulate(np.where(start, np.arange(len(cum)), 0))
    before = np.r_[0.0, cum][offset]  # the cumulative sum before the client's first row
    weight = np.exp(cum - before)
    lower, upper = (
        np.quantile(weight, [truncate, 1 - truncate]) if truncate > 0 else (-np.inf, np.inf)
    )
    clipped = np.clip(weight, lower, upper)
    share = float(np.mean((weight < lower) | (weight > upper)))
    return Weights(clipped, float(lower), float(upper), share, (b_full, b_small))


def weighted_curve(events: pd.DataFrame, rows: pd.DataFrame, after: np.ndarray) -> pd.DataFrame:
    """The Kaplan-Meier of ``events`` (eligible clients, integer times, in the order
    ``assessment_rows`` coded them) with each client weighted, from each assessment on, by the
    weight in force after it: ``time, at_risk, events, surv`` (weighted counts)."""
    times, n, d, surv = _curve(
        events["time"].to_numpy(np.int64),
        events["event"].to_numpy(int) == 1,
        rows["client"].to_numpy(),
        rows["session"].to_numpy(np.int64),
        np.asarray(after, float),
        np.ones(len(events), bool),
    )
    return pd.DataFrame({"time": times, "at_risk": n, "events": d, "surv": surv})


def _curve(time, event, client, session, after, keep):
    """The weighted Kaplan-Meier of the clients in ``keep`` from arrays: clients (``time``,
    ``event``) and their assessment rows in client order (``client`` codes, ``session``,
    ``after``: the weight in force after each row)."""
    top = int(time.max()) + 2 if len(time) else 2
    diff = np.zeros(top + 1)
    on = keep.astype(float)
    row_on = on[client]
    last = np.r_[client[1:] != client[:-1], True] if len(client) else np.zeros(0, bool)
    first_rows = np.r_[True, client[1:] != client[:-1]] if len(client) else np.zeros(0, bool)
    first_session = np.full(len(time), -1, dtype=np.int64)
    first_session[client[first_rows]] = session[first_rows]
    # weight 1 from the start to the first follow-up assessment (or the client's time)
    until = np.where(first_session >= 0, np.minimum(first_session, time), time)
    diff[1] += on.sum()
    size = top + 1
    diff -= np.bincount(until + 1, weights=on, minlength=size)[:size]
    # after row j: its weight until the next assessment (or the client's time)
    end = np.where(last, time[client], np.r_[session[1:], 0])
    diff += np.bincount(session + 1, weights=after * row_on, minlength=size)[:size]
    diff -= np.bincount(end + 1, weights=after * row_on, minlength=size)[:size]
    at_risk = np.cumsum(diff)[:top]
    in_force = np.ones(len(time))
    in_force[client[last]] = after[last]
    d = np.zeros(top)
    hit = event & keep
    d += np.bincount(time[hit], weights=in_force[hit], minlength=top)[:top]
    times = np.unique(time[keep])
    n, dd = at_risk[times], d[times]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(np.where(n > 0, 1 - dd / n, 1.0))
    return times, n, dd, surv


def _cluster_resample(client_cluster: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Client indices of one bootstrap replicate: whole clusters drawn with replacement (one
    vectorised pass: the drawn clusters' runs of clients, concatenated)."""
    clusters, members = np.unique(client_cluster, return_inverse=True)
    drawn = rng.integers(0, len(clusters), len(clusters))
    order = np.argsort(members, kind="stable")
    size = np.bincount(members, minlength=len(clusters))
    start = np.r_[0, np.cumsum(size)][:-1]
    counts = size[drawn]
    offsets = np.repeat(start[drawn] - np.r_[0, np.cumsum(counts)][:-1], counts)
    return order[offsets + np.arange(counts.sum())]


# the columns of the events this step reads (the others are gigabytes at scale)
EVENT_COLUMNS = (
    "client",
    "eligible",
    "time",
    "event",
    "baseline",
    "stratum",
    "end_reason",
    "therapist",
)


def _eligible(events: pd.DataFrame) -> pd.DataFrame:
    data = events.loc[events["eligible"].astype(bool)].reset_index(drop=True)
    return data.assign(time=data["time"].astype(np.int64), event=data["event"].astype(int))


def sample_clients(events: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The eligible clients the weights' model and its bootstrap are fitted on (their events
    rows): all of them, or a seeded sample of ``settings.max_clients`` above that many."""
    rows = np.flatnonzero(events["eligible"].astype(bool).to_numpy())
    if len(rows) > settings.max_clients:  # drawn before any copy of the events is made
        keep = np.random.default_rng(settings.seed).choice(
            len(rows), settings.max_clients, replace=False
        )
        rows = rows[np.sort(keep)]
    data = events.iloc[rows].reset_index(drop=True)
    return data.assign(time=data["time"].astype(np.int64), event=data["event"].astype(int))


def ending_sensitivity(
    sessions: pd.DataFrame,
    events: pd.DataFrame,
    strata: Sequence[str],
    sessions_at: Sequence[int],
    instrument: Instrument,
    *,
    settings: Settings = Settings(),
    conf_level: float = 0.95,
    conf_type: str = "log-log",
    review_pairs: Sequence[tuple[int, int]] = (),
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The ``ending_sensitivity`` table (``COLUMNS``), the tipping-point table, and the
    IPCW review points (``dosecurve.stats.review_points.COLUMNS``, method ``ipcw``): for
    each ``(k, m)`` of ``review_pairs``, 1 - S(k + m) / S(k) of the weighted curves."""
    # every eligible client, with only what the curves and the tipping point read (ten
    # million clients' ids would be copied into each bound's table)
    read = [c for c in ("eligible", "time", "event", "stratum", "end_reason") if c in events]
    everyone = _eligible(events[read])
    sampled = len(everyone) > settings.max_clients
    data = sample_clients(events, settings)
    rows = assessment_rows(sessions, data, instrument)
    groups = [s for s in strata if (data["stratum"] == s).any()] + [ALL]
    out: list[dict[str, object]] = []

    def members(frame: pd.DataFrame, name: str) -> np.ndarray:
        return np.ones(len(frame), bool) if name == ALL else (frame["stratum"] == name).to_numpy()

    codes = {name: i for i, name in enumerate(groups)}

    def curves(arrays: dict[str, np.ndarray], after: np.ndarray) -> dict[str, dict]:
        result = {}
        for name in groups:
            keep = (
                np.ones(len(arrays["time"]), bool)
                if name == ALL
                else arrays["stratum"] == codes[name]
            )
            if keep.any():
                curve = _curve(
                    arrays["time"],
                    arrays["event"],
                    arrays["client"],
                    arrays["session"],
                    after,
                    keep,
                )
                values = read_curve(curve[0], curve[3], read_at)
                for k, m in review_pairs:  # NaN beyond follow-up or once S(k) is 0
                    still = 1 - values[f"improved_{k}"]
                    values[f"review_{k}_{m}"] = (
                        1 - (1 - values[f"improved_{k + m}"]) / still if still > 0 else np.nan
                    )
                result[name] = values
        return result

    read_at = sorted({*sessions_at, *(s for k, m in review_pairs for s in (k, k + m))})

    # plain Kaplan-Meier and the bounds, with Greenwood limits, on every client
    ended = (everyone["event"] == 0) & (everyone["end_reason"].astype(str) != "ongoing")
    top = int(everyone["time"].max()) + 1 if len(everyone) else 1
    variants = {
        "km": everyone,
        "best_case": everyone.assign(
            time=np.where(ended, everyone["time"] + 1, everyone["time"]),
            event=np.where(ended, 1, everyone["event"]),
        ),
        "worst_case": everyone.assign(time=np.where(ended, top, everyone["time"])),
    }
    for method, frame in variants.items():
        out += _km_rows(method, frame, strata, sessions_at, conf_level, conf_type)

    if data.empty:
        return (
            pd.DataFrame(out, columns=COLUMNS),
            pd.DataFrame(columns=TIPPING_COLUMNS),
            pd.DataFrame(columns=REVIEW_COLUMNS),
        )
    weights = ipcw_weights(rows, settings.truncate, settings.covariates)
    stratum_code = data["stratum"].astype(str).map(codes).fillna(-1).to_numpy(int)
    arrays = {
        "time": data["time"].to_numpy(np.int64),
        "event": data["event"].to_numpy(int) == 1,
        "stratum": stratum_code,
        "client": rows["client"].to_numpy(),
        "session": rows["session"].to_numpy(np.int64),
    }
    point = curves(arrays, weights.after)
    rng = np.random.default_rng(settings.seed)
    cluster = (
        data["therapist"].astype(str).to_numpy()
        if "therapist" in data and data["therapist"].notna().all()
        else np.arange(len(data))
    )
    columns = {
        k: rows[k].to_numpy() for k in ("client", "session", "score", "change", "baseline", "ended")
    }
    per = np.bincount(columns["client"], minlength=len(data))
    starts = np.r_[0, np.cumsum(per)][:-1]
    replicates: list[dict[str, dict]] = []
    for _ in range(settings.bootstrap):
        picked = _cluster_resample(cluster, rng)
        counts = per[picked]
        offsets = np.repeat(starts[picked] - np.r_[0, np.cumsum(counts)][:-1], counts)
        index = offsets + np.arange(counts.sum())
        sample = {k: v[index] for k, v in columns.items()}
        sample["client"] = np.repeat(np.arange(len(picked)), counts)
        replicate = {
            "time": arrays["time"][picked],
            "event": arrays["event"][picked],
            "stratum": arrays["stratum"][picked],
            "client": sample["client"],
            "session": sample["session"].astype(np.int64),
        }
        weights_b = ipcw_weights(
            sample, settings.truncate, settings.covariates, start=weights.coefficients
        )
        replicates.append(curves(replicate, weights_b.after))
    alpha = 1 - conf_level
    note = (
        f"ending model: log session, {', '.join(settings.covariates) or 'nothing else'}; "
        f"stabilised weights truncated at {weights.lower:.3g} and {weights.upper:.3g} "
        f"({100 * weights.share_truncated:.1f} % of person-assessments); "
        f"{settings.bootstrap} bootstrap replicates over "
        + ("therapists" if cluster.dtype.kind in "OUS" else "clients")
        + (f"; on a seeded sample of {settings.max_clients} clients" if sampled else "")
    )
    review: list[dict[str, object]] = []
    for name, values in point.items():
        for key, value in values.items():
            if (
                key.startswith("improved_")
                and int(key.removeprefix("improved_")) not in sessions_at
            ):
                continue
            draws = np.array([r.get(name, {}).get(key, np.nan) for r in replicates], float)
            draws = draws[np.isfinite(draws)]
            low, high = (
                np.quantile(draws, [alpha / 2, 1 - alpha / 2], method="inverted_cdf")
                if len(draws) >= 10
                else (np.nan,) * 2
            )
            if key == "median":
                out.append(_row("ipcw", name, "median", value, 0.5, low, high, note))
            elif key.startswith("review_"):
                k, m = (int(v) for v in key.removeprefix("review_").split("_"))
                part = data if name == ALL else data.loc[data["stratum"] == name]
                at_risk = int((part["time"] > k).sum())
                beyond = not np.isfinite(value)
                review.append(
                    dict(
                        zip(
                            REVIEW_COLUMNS,
                            [
                                "ipcw",
                                name,
                                k,
                                m,
                                value,
                                low,
                                high,
                                at_risk,
                                "beyond follow-up" if beyond else note,
                            ],
                            strict=True,
                        )
                    )
                )
            else:
                k = int(key.removeprefix("improved_"))
                out.append(_row("ipcw", name, "improved", k, value, low, high, note))
    tipping = tipping_point(everyone, strata, settings)
    return pd.DataFrame(out, columns=COLUMNS), tipping, pd.DataFrame(review, columns=REVIEW_COLUMNS)


def _row(method, stratum, measure, session, improved, low, high, note=""):
    return dict(
        zip(COLUMNS, [method, stratum, measure, session, improved, low, high, note], strict=True)
    )


def _km_rows(
    method: str,
    frame: pd.DataFrame,
    strata: Sequence[str],
    sessions_at: Sequence[int],
    conf_level: float,
    conf_type: str,
) -> list[dict[str, object]]:
    """Rows of a Kaplan-Meier reading: % improved at each session and the median, per
    stratum and overall (the plain one equals improved_by_session.csv and
    median_sessions.csv)."""
    fit = fit_by_stratum(frame, strata, conf_level=conf_level, conf_type=conf_type)
    improved = improved_by_session(fit, sessions_at)
    medians = median_table(fit).set_index("stratum")
    rows = []
    for name in medians.index:
        for r in improved.loc[improved["stratum"] == name].itertuples():
            note = "" if pd.notna(r.improved) else "beyond follow-up"
            rows.append(
                _row(method, name, "improved", r.session, r.improved, r.ci_lower, r.ci_upper, note)
            )
        m = medians.loc[name]
        rows.append(
            _row(method, name, "median", m["median"], 0.5, m["ci_lower"], m["ci_upper"], m["note"])
        )
    return rows


def _trend(events: pd.DataFrame, strata: Sequence[str]) -> tuple[float, float, float]:
    """The log-rank trend test across the ordered strata (scores 1, 2, ...): statistic,
    p-value and the signed score (positive: the later, more severe strata improve more often
    than expected). The same sums as ``dosecurve.stats.logrank``, from counts per time and
    stratum (the tipping point recomputes it many times on every client)."""
    group = _stratum_codes(events, strata)
    return _trend_of(group, events["time"].to_numpy(float), events["event"].to_numpy(int), strata)


def _stratum_codes(events: pd.DataFrame, strata: Sequence[str]) -> np.ndarray:
    """Each client's position of their stratum in ``strata`` (-1: none of them)."""
    stratum = events["stratum"]
    if isinstance(stratum.dtype, pd.CategoricalDtype):  # by category: no text per client
        where = {name: i for i, name in enumerate(strata)}
        per = np.array([where.get(str(c), -1) for c in stratum.cat.categories], dtype=np.int64)
        codes = stratum.cat.codes.to_numpy()
        return np.where(codes >= 0, per[codes], -1)
    return pd.Categorical(stratum.astype(str), categories=list(strata)).codes.astype(np.int64)


def _trend_of(
    group: np.ndarray, time: np.ndarray, event: np.ndarray, strata: Sequence[str]
) -> tuple[float, float, float]:
    """``_trend`` from each client's stratum code, time and event indicator."""
    from dosecurve.stats.distributions import chi2_sf

    event = event == 1
    keep = group >= 0
    times, t_index = np.unique(time[keep], return_inverse=True)
    k = len(strata)
    leaving = np.zeros((len(times), k))
    d = np.zeros((len(times), k))
    cell = t_index * k + group[keep]  # (time, stratum) as one index: bincount, not add.at
    leaving += np.bincount(cell, minlength=len(times) * k).reshape(len(times), k)
    d += np.bincount(cell, weights=event[keep], minlength=len(times) * k).reshape(len(times), k)
    at_risk = leaving[::-1].cumsum(axis=0)[::-1]
    n, total = at_risk.sum(axis=1), d.sum(axis=1)
    hit = total > 0
    at_risk, d, n, total = at_risk[hit], d[hit], n[hit], total[hit]
    share = at_risk / n[:, None]
    u = (d - total[:, None] * share).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        factor = np.where(n > 1, total * (n - total) / (n - 1), 0.0)
    v = np.diag((factor[:, None] * share).sum(axis=0)) - np.einsum(
        "t,tk,tl->kl", factor, share, share
    )
    scores = np.arange(1, k + 1, dtype=float)
    score, var = float(scores @ u), float(scores @ v @ scores)
    if var <= 0:
        return (np.nan, np.nan, np.nan)
    stat = score**2 / var
    return stat, float(chi2_sf(stat, 1)), score


def tipping_point(events: pd.DataFrame, strata: Sequence[str], settings: Settings) -> pd.DataFrame:
    """The trend test with clients who ended without improvement given a hazard of improving
    after ending of ``delta`` times their stratum's (imputed, seeded); the tipping point is
    the smallest ``delta`` at which the conclusion changes."""
    data = events
    ended = ((data["event"] == 0) & (data["end_reason"].astype(str) != "ongoing")).to_numpy()
    present = [s for s in strata if (data["stratum"] == s).any()]
    if len(present) < 3 or not ended.any():
        why = (
            "fewer than three strata" if len(present) < 3 else "no client ended without improvement"
        )
        return pd.DataFrame(
            [dict(delta=np.nan, note=f"not estimable: {why}")], columns=TIPPING_COLUMNS
        )
    group = _stratum_codes(data, present)  # once: each imputation reuses them
    time, event = data["time"].to_numpy(float), data["event"].to_numpy(int)
    _, base_p, base_score = _trend_of(group, time, event, present)
    base = (base_p < 0.05, np.sign(base_score))
    rng = np.random.default_rng(settings.seed)
    # on many clients one imputation differs from another by next to nothing: two suffice
    imputations = settings.imputations if len(data) <= settings.max_clients else 2
    fits = {i: kaplan_meier(time[group == i], event[group == i]) for i in range(len(present))}
    rows = []
    for delta in DELTAS:
        results = [
            _trend_of(group, *_impute(time, event, group, ended, fits, delta, rng), present)
            for _ in range(1 if delta == 0 else imputations)  # 0: nothing to draw
        ]
        stat, p_med, score = (float(np.median([r[i] for r in results])) for i in range(3))
        direction = "slower with severity" if score < 0 else "faster with severity"
        rows.append(
            dict(
                delta=delta,
                statistic=stat,
                p_value=p_med,
                direction=direction,
                conclusion_changed=bool((p_med < 0.05, np.sign(score)) != base),
                note="" if delta else "worst case: no one who ended would have improved",
            )
        )
    return pd.DataFrame(rows, columns=TIPPING_COLUMNS)


def _impute(
    time: np.ndarray,
    event: np.ndarray,
    group: np.ndarray,
    ended: np.ndarray,
    fits: Mapping[int, pd.DataFrame],
    delta: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """One imputation (new time and event arrays): each client who ended without improvement
    improves after their ending with hazard ``delta`` times their stratum's (``fits``: the
    Kaplan-Meier fit per stratum code of ``group``), ``S(t | T) = (S(t) / S(T))^delta``, or
    stays censored at the stratum's last time."""
    time = np.asarray(time, float).copy()
    event = np.asarray(event, int).copy()
    for s, fit in fits.items():
        members = np.flatnonzero(ended & (group == s))
        if not len(members):
            continue
        t, surv = fit["time"].to_numpy(float), fit["surv"].to_numpy(float)
        u = rng.random(len(members))
        after = np.searchsorted(t, time[members], side="right")  # first time after ending
        at_end = np.r_[1.0, surv][after]  # S(T)
        with np.errstate(divide="ignore"):
            threshold = at_end * u ** (1.0 / delta) if delta > 0 else np.zeros(len(members))
        # the first time after the ending at which S falls to the threshold
        first = np.searchsorted(-surv, -threshold, side="left")
        first = np.maximum(first, after)
        hit = (first < len(t)) & (threshold > 0)
        time[members] = np.where(hit, t[np.minimum(first, len(t) - 1)], t[-1])
        event[members] = np.where(hit, 1, 0)
    return time, event


def ending_tables(
    sessions: pd.DataFrame,
    events: pd.DataFrame,
    dataset: DatasetSettings,
    improved_at: Sequence[int] | None,
    *,
    ending: Mapping[str, Any],
    review: Mapping[str, Any],
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> dict[str, pd.DataFrame]:
    """Everything the workflow's ``ending_sensitivity`` step writes, by output key:
    ``table``, ``tipping`` and the IPCW ``review`` points, from the step's settings as
    given in the config (``analysis.ending_sensitivity``, ``analysis.review_points``)."""
    from dosecurve.config import landmarks
    from dosecurve.stats.review_points import Settings as ReviewSettings

    table, tipping, points = ending_sensitivity(
        sessions,
        events,
        dataset.strata,
        landmarks(improved_at, events["time"].max()),
        dataset.instrument,
        settings=Settings(**ending),
        conf_level=conf_level,
        conf_type=conf_type,
        review_pairs=ReviewSettings(**review).pairs,
    )
    return {"table": table, "tipping": tipping, "review": points}
