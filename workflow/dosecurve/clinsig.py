"""Reliable change methods and the pre-post clinical-significance classification.

Methods (domain brief section 2; lower is better, scores are mirrored when higher is
better so that a negative statistic is always an improvement):

========  ================================================================  ========
method    statistic                                                          critical
========  ================================================================  ========
JT        the instrument's reliable change in points (Jacobson & Truax 1991)  RC
GLN       ((post - M_pre) - r (pre - M_pre)) / (SD_pre sqrt(1 - r^2))         1.96
EN        (post - (r (pre - M_pre) + M_pre)) / SE                            1.96
NK        (post - (r (pre - M_pre) + M_pre)) /                               1.96
          sqrt(r^2 SD_pre^2 (1 - r) + SD_pre^2 (1 - r))
HA        ((post - pre) r_dd + (M_post - M_pre)(1 - r_dd)) /                 1.645
          (sqrt(r_dd) sqrt(2) SE)
========  ================================================================  ========

with ``SE = SD_pre sqrt(1 - r)``, ``r`` the instrument's reliability and the sample
statistics (M_pre, SD_pre, M_post, SD_post, pre-post correlation r_12) computed from
the classified clients. NK uses the same reliability at post as at pre.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from dosecurve.instruments import Z_975, Instrument
from dosecurve.severity import Band, assign_stratum

METHODS = ("jt", "gln", "en", "nk", "ha")
CATEGORIES = ("recovered", "improved", "unchanged", "deteriorated", "harmed")
CRITICAL = {"gln": Z_975, "en": Z_975, "nk": Z_975, "ha": float(norm.ppf(0.95))}


@dataclass(frozen=True)
class SampleStats:
    """Pre-post sample statistics the reliable-change methods need."""

    n: int
    m_pre: float
    sd_pre: float
    m_post: float
    sd_post: float
    r_prepost: float


def sample_stats(pre: np.ndarray, post: np.ndarray) -> SampleStats:
    """Means, SDs (n - 1) and the Pearson correlation of paired pre and post scores."""
    pre, post = np.asarray(pre, float), np.asarray(post, float)
    n = len(pre)
    if n == 0:
        return SampleStats(0, *([np.nan] * 5))
    sd_pre = float(pre.std(ddof=1)) if n > 1 else np.nan
    sd_post = float(post.std(ddof=1)) if n > 1 else np.nan
    varies = n > 2 and sd_pre > 0 and sd_post > 0
    r = float(np.corrcoef(pre, post)[0, 1]) if varies else np.nan
    return SampleStats(n, float(pre.mean()), sd_pre, float(post.mean()), sd_post, r)


def _mirror(x: np.ndarray, instrument: Instrument) -> np.ndarray:
    return np.asarray(x, float) if instrument.lower_is_better else -np.asarray(x, float)


def rc_statistic(
    pre: np.ndarray, post: np.ndarray, *, method: str, instrument: Instrument
) -> tuple[np.ndarray, float]:
    """Per-client statistic (negative = better) and its critical value for ``method``.

    For ``jt`` the statistic is the raw change in the worse direction in points and the
    critical value the instrument's reliable change.
    """
    if method not in METHODS:
        raise ValueError(f"reliable-change method '{method}' unknown; use one of {METHODS}")
    x, y = _mirror(pre, instrument), _mirror(post, instrument)
    if method == "jt":
        return y - x, instrument.reliable_change
    r = instrument.reliability
    if r is None:
        raise ValueError(
            f"method {method.upper()} needs the instrument's reliability: set "
            "instrument.reliability (or give norms)"
        )
    s = sample_stats(x, y)
    se = s.sd_pre * np.sqrt(1 - r)
    predicted = r * (x - s.m_pre) + s.m_pre
    if method == "gln":
        stat = ((y - s.m_pre) - r * (x - s.m_pre)) / (s.sd_pre * np.sqrt(1 - r**2))
    elif method == "en":
        stat = (y - predicted) / se
    elif method == "nk":
        stat = (y - predicted) / np.sqrt(r**2 * s.sd_pre**2 * (1 - r) + s.sd_pre**2 * (1 - r))
    else:
        r_dd = ha_reliability_of_difference(s, se)
        stat = ((y - x) * r_dd + (s.m_post - s.m_pre) * (1 - r_dd)) / (
            np.sqrt(r_dd) * np.sqrt(2) * se
        )
    return stat, CRITICAL[method]


def ha_reliability_of_difference(s: SampleStats, se: float) -> float:
    """Hageman-Arrindell ``r_dd`` from the sample statistics and the SE of measurement."""
    r_xx1 = (s.sd_pre**2 - se**2) / s.sd_pre**2
    r_xx2 = (s.sd_post**2 - se**2) / s.sd_post**2
    cross = 2 * s.sd_pre * s.sd_post * s.r_prepost
    num = s.sd_pre**2 * r_xx1 + s.sd_post**2 * r_xx2 - cross
    return float(num / (s.sd_pre**2 + s.sd_post**2 - cross))


def classify(
    pre: np.ndarray, post: np.ndarray, *, method: str, instrument: Instrument
) -> np.ndarray:
    """Category of each client: recovered, improved, unchanged, deteriorated or harmed.

    Recovered = reliably improved and moved from the clinical to the functional side of
    the cutoff; harmed = reliably worse and moved from functional to clinical.
    """
    stat, crit = rc_statistic(pre, post, method=method, instrument=instrument)
    if method == "jt":
        better = instrument.is_reliable(-stat)
        worse = instrument.is_reliable(stat)
    else:
        better, worse = stat < -crit, stat > crit
    pre_clin = instrument.is_clinical(np.asarray(pre, float))
    post_clin = instrument.is_clinical(np.asarray(post, float))
    return np.select(
        [better & pre_clin & ~post_clin, better, worse & ~pre_clin & post_clin, worse],
        ["recovered", "improved", "harmed", "deteriorated"],
        default="unchanged",
    )


def category_table(categories: pd.Series) -> pd.DataFrame:
    """``category, n, percent`` in the fixed order, zeros included."""
    counts = categories.value_counts().reindex(CATEGORIES, fill_value=0)
    total = int(counts.sum())
    return pd.DataFrame(
        {
            "category": list(CATEGORIES),
            "n": counts.to_numpy(dtype=int),
            "percent": 100.0 * counts.to_numpy() / total if total else np.nan,
        }
    )


def prepost_effect(
    pre: np.ndarray, post: np.ndarray, *, instrument: Instrument, conf_level: float = 0.95
) -> dict[str, float]:
    """Mean pre and post, and the pre-post effect size d with its confidence interval.

    ``d = (M_pre - M_post) / SD_pre`` (positive = improvement; mirrored when higher is
    better), with the large-sample variance ``2 (1 - r) / n + d^2 / (2 n)`` of the
    standardised mean change (Becker 1988; Morris & DeShon 2002).
    """
    s = sample_stats(pre, post)
    sign = 1.0 if instrument.lower_is_better else -1.0
    d = sign * (s.m_pre - s.m_post) / s.sd_pre if s.sd_pre > 0 else np.nan
    z = float(norm.ppf(0.5 + conf_level / 2))
    half = z * np.sqrt(2 * (1 - s.r_prepost) / s.n + d**2 / (2 * s.n)) if s.n > 2 else np.nan
    return {**asdict(s), "d": d, "d_ci_lower": d - half, "d_ci_upper": d + half}


def prepost_pairs(sessions: pd.DataFrame, *, post: str | int = "last") -> pd.DataFrame:
    """Pre (baseline) and post score per client: ``client, pre, post, pre_session, post_session``.

    Pre is the first scored assessment; post the last scored one after it (``"last"``),
    or the last at or before session ``post``. Clients without a post score are left out.
    """
    scored = sessions.loc[sessions["score"].notna(), ["client", "session", "score"]]
    first = scored.groupby("client", sort=False).head(1).set_index("client")
    later = scored[scored["session"] > scored["client"].map(first["session"])]
    if post != "last":
        later = later[later["session"] <= int(post)]
    last = later.groupby("client", sort=False).tail(1).set_index("client")
    out = pd.DataFrame(
        {
            "pre": first["score"].reindex(last.index),
            "post": last["score"],
            "pre_session": first["session"].reindex(last.index),
            "post_session": last["session"],
        }
    )
    return out.rename_axis("client").reset_index()


@dataclass(frozen=True)
class PrePostResult:
    """The pre-post tables of one data set."""

    categories: pd.DataFrame
    by_group: pd.DataFrame
    effects: pd.DataFrame
    reliable_change: pd.DataFrame


def prepost_analysis(
    pairs: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    method: str,
    instrument: Instrument,
    clients_read: int,
    conf_level: float = 0.95,
) -> PrePostResult:
    """Classify every client with a pre and post score, overall and by each group column.

    ``groups`` has a ``client`` column and one column per grouping (for example
    ``stratum``, ``treatment``). Sample statistics come from all classified clients.
    """
    pre, post = pairs["pre"].to_numpy(float), pairs["post"].to_numpy(float)
    data = pairs.merge(groups, on="client", how="left")
    needs_sample = method != "jt" and len(pairs) < 3
    if needs_sample or len(pairs) == 0:
        data["category"] = pd.Series(np.nan, index=data.index, dtype=object)
        note = (f"not estimable: {len(pairs)} client(s) with a pre and a post score"
                + (f"; {method.upper()} needs at least 3" if needs_sample else ""))  # fmt: skip
    else:
        data["category"] = classify(pre, post, method=method, instrument=instrument)
        note = ""
    overall = category_table(data["category"]).assign(
        clients_read=clients_read, clients_used=len(pairs), note=note
    )
    parts, effects = (
        [],
        [{"grouping": "all", "group": "all", **_effect(data, instrument, conf_level)}],
    )
    for column in groups.columns.drop("client"):
        for value, part in data.groupby(column, sort=True, observed=True):
            table = category_table(part["category"])
            parts.append(table.assign(grouping=column, group=str(value)))
            effects.append(
                {"grouping": column, "group": str(value), **_effect(part, instrument, conf_level)}
            )
    by_group = (
        pd.concat(parts, ignore_index=True)[["grouping", "group", "category", "n", "percent"]]
        if parts
        else pd.DataFrame(columns=["grouping", "group", "category", "n", "percent"])
    )
    return PrePostResult(
        overall, by_group, pd.DataFrame(effects), _rc_table(pre, post, method, instrument)
    )


def _effect(part: pd.DataFrame, instrument: Instrument, conf_level: float) -> dict[str, float]:
    if len(part) < 3:
        keys = [
            "n",
            "m_pre",
            "sd_pre",
            "m_post",
            "sd_post",
            "r_prepost",
            "d",
            "d_ci_lower",
            "d_ci_upper",
        ]
        return {**dict.fromkeys(keys, np.nan), "n": len(part)}
    return prepost_effect(
        part["pre"].to_numpy(float),
        part["post"].to_numpy(float),
        instrument=instrument,
        conf_level=conf_level,
    )


def _rc_table(pre: np.ndarray, post: np.ndarray, method: str, inst: Instrument) -> pd.DataFrame:
    s = sample_stats(pre, post)
    crit = inst.reliable_change if method == "jt" else CRITICAL[method]
    se = s.sd_pre * np.sqrt(1 - inst.reliability) if inst.reliability is not None else np.nan
    row = {
        "method": method.upper(),
        "critical_value": crit,
        "critical_scale": "points" if method == "jt" else "z",
        "reliable_change_points": inst.reliable_change,
        "reliable_change_rule": "greater than" if inst.rc_strict else "at least",
        "reliability": inst.reliability,
        "se_measurement": se,
        "cutoff": inst.cutoff,
        "cutoff_type": inst.cutoff_type,
        **asdict(s),
    }
    if method == "ha":
        row["r_dd"] = ha_reliability_of_difference(s, se)
    return pd.DataFrame([row])


def client_groups(
    sessions: pd.DataFrame, pairs: pd.DataFrame, bands: Sequence[Band], group_by: Sequence[str]
) -> pd.DataFrame:
    """Grouping columns per classified client: ``stratum`` from the pre score, any other
    column from the client's first row of the session table."""
    per_client = sessions.groupby("client", sort=False).first()
    out = pd.DataFrame({"client": pairs["client"].to_numpy()})
    for column in group_by:
        if column == "stratum":
            out[column] = assign_stratum(pairs["pre"], bands).to_numpy()
        else:
            out[column] = per_client[column].reindex(out["client"]).to_numpy()
    return out
