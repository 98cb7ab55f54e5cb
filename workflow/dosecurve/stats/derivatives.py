"""Second derivatives by central differences, for the curvature of likelihoods that have no
closed-form Hessian (profiled or Laplace-approximated)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def central_hessian(
    f: Callable[[np.ndarray], float], x: np.ndarray, step: float = 1e-4
) -> np.ndarray:
    """The Hessian of ``f`` at ``x`` from four evaluations per pair of coordinates
    (diagonal entries with a step of ``2 step``).

    >>> h = central_hessian(lambda v: v[0] ** 2 * v[1] + 3 * v[1] ** 2, np.array([1.0, 2.0]))
    >>> np.round(h, 6)
    array([[4., 2.],
           [2., 6.]])
    """
    x = np.asarray(x, float)
    k = len(x)
    h = np.zeros((k, k))
    e = np.eye(k) * step
    for i in range(k):
        for j in range(i, k):
            h[i, j] = h[j, i] = (
                f(x + e[i] + e[j]) - f(x + e[i] - e[j]) - f(x - e[i] + e[j]) + f(x - e[i] - e[j])
            ) / (4 * step**2)
    return h
