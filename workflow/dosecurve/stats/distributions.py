"""The normal, chi-square and t quantities the estimators need, from ``scipy.special``.

These are the functions ``scipy.stats`` itself calls (``norm.ppf`` is ``ndtri``, ``chi2.sf``
is ``chdtrc``, ``t.ppf`` is ``stdtrit``; equal to the last bit, checked in the tests), without
importing ``scipy.stats``, which costs about half a second in every workflow step; and
``scipy.special`` itself is imported on first use (0.13 s), not by every step that imports
this module (every figure does).

>>> round(float(normal_quantile(0.975)), 6), round(float(chi2_sf(3.841459, 1)), 6)
(1.959964, 0.05)
"""

from __future__ import annotations

from typing import Any


def _special() -> Any:
    from scipy import special

    return special


def normal_quantile(p: Any) -> Any:
    """The standard normal quantile (``scipy.stats.norm.ppf``)."""
    return _special().ndtri(p)


def normal_cdf(x: Any) -> Any:
    """The standard normal distribution function (``norm.cdf``)."""
    return _special().ndtr(x)


def normal_sf(x: Any) -> Any:
    """The standard normal upper tail (``norm.sf``)."""
    return _special().ndtr(-x)


def chi2_sf(x: Any, df: Any) -> Any:
    """The chi-square upper tail with ``df`` degrees of freedom (``chi2.sf``)."""
    return _special().chdtrc(df, x)


def t_quantile(p: Any, df: Any) -> Any:
    """Student's t quantile with ``df`` degrees of freedom (``t.ppf``)."""
    return _special().stdtrit(df, p)
