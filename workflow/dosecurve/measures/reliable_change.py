"""Reliable change methods and the pre-post clinical-significance classification.

Methods (workflow/docs/methods.md, section 2; lower is better, scores are mirrored when
higher is better so that a negative statistic is always an improvement):

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

from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from dosecurve.measures.instruments import Z_975, Instrument
from dosecurve.stats.distributions import normal_quantile

METHODS = ("jt", "gln", "en", "nk", "ha")
CATEGORIES = ("recovered", "improved", "unchanged", "deteriorated", "harmed")
Z_95 = 1.6448536269514722  # one-sided 5 % critical value (norm.ppf(0.95)), checked in tests
CRITICAL = {"gln": Z_975, "en": Z_975, "nk": Z_975, "ha": Z_95}


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
    z = float(normal_quantile(0.5 + conf_level / 2))
    half = z * np.sqrt(2 * (1 - s.r_prepost) / s.n + d**2 / (2 * s.n)) if s.n > 2 else np.nan
    return {**asdict(s), "d": d, "d_ci_lower": d - half, "d_ci_upper": d + half}
