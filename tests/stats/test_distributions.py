"""The distribution functions from scipy.special equal scipy.stats' to the last bit."""

from __future__ import annotations

import numpy as np
from scipy import stats

from dosecurve.stats import distributions as d

RNG = np.random.default_rng(0)
P = RNG.uniform(1e-9, 1 - 1e-9, 20_000)
X = RNG.normal(0, 4, 20_000)
DF = RNG.integers(1, 60, 20_000)
C = RNG.exponential(5, 20_000)


def test_equal_to_scipy_stats_bit_for_bit():
    assert np.array_equal(d.normal_quantile(P), stats.norm.ppf(P))
    assert np.array_equal(d.normal_cdf(X), stats.norm.cdf(X))
    assert np.array_equal(d.normal_sf(X), stats.norm.sf(X))
    assert np.array_equal(d.chi2_sf(C, DF), stats.chi2.sf(C, DF))
    assert np.array_equal(d.t_quantile(P, DF), stats.t.ppf(P, DF))


def test_hand_values_and_order():
    # z for a two-sided 95 % interval; chi-square(1) at 3.841459 is the 5 % point
    assert abs(d.normal_quantile(0.975) - 1.959963984540054) < 1e-15
    assert abs(d.chi2_sf(3.841458820694124, 1) - 0.05) < 1e-12
    assert abs(d.t_quantile(0.975, 10) - 2.228138851986273) < 1e-12  # R: qt(0.975, 10)
    grid = np.linspace(-5, 5, 101)
    cdf = d.normal_cdf(grid)
    assert np.all(np.diff(cdf) > 0) and np.allclose(cdf + d.normal_sf(grid), 1)
