"""What a simulated client would have shown had therapy continued: the truth the estimands are
checked against (workflow/docs/methods.md, sections 8 and 9).

Each client's observed path is continued past the session therapy ended at, up to
``sessions_max``: the same latent trajectory, the data's own measurement noise and assessments
wherever the data has them (so the continued path starts as the observed one), fresh draws
beyond. The session of the first assessment meeting clinically significant improvement on it
(reliable improvement from the observed intake score and a score on the functional side of
the cutoff) is the client's event *if therapy had continued*; the same event at or before the
session therapy ended is the event *during therapy as delivered*.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from dosecurve.measures.instruments import Instrument
from dosecurve.simulation.spec import SimulationSpec

CONTINUED_STREAM = 3  # np.random.default_rng([seed, CONTINUED_STREAM])
BLOCK_CLIENTS = 20_000  # clients per block: a block holds clients x (sessions_max + 1) scores


def continued_csi_session(
    spec: SimulationSpec,
    inst: Instrument,
    latent_of: Callable[[np.ndarray, np.ndarray], np.ndarray],
    *,
    end: np.ndarray,
    noise_sd: float,
    rows: dict[str, np.ndarray],
    schedule_draw: float,
) -> np.ndarray:
    """Per client the first session of CSI on the continued path (NaN if none by
    ``sessions_max``). ``latent_of(clients, sessions)`` gives the latent scores of those
    clients (a column) at those sessions (a row); ``rows`` are the data's attended rows
    (``client, dose, noise, assessed``); ``schedule_draw`` is the probability an irregular
    schedule assesses a session."""
    n = len(end)
    horizon = int(spec.sessions_max)
    grid = np.arange(horizon + 1)
    low, high = inst.score_range
    rng = np.random.default_rng([spec.seed, CONTINUED_STREAM])
    out = np.full(n, np.nan)
    order = np.argsort(rows["client"], kind="stable")
    by_client = {k: v[order] for k, v in rows.items()}
    starts = np.searchsorted(by_client["client"], np.arange(n + 1))
    for first in range(0, n, BLOCK_CLIENTS):
        clients = np.arange(first, min(first + BLOCK_CLIENTS, n))
        size = len(clients)
        noise = rng.normal(0.0, noise_sd, (size, horizon + 1))
        assessed = _continued_schedule(spec, grid, end[clients], rng, schedule_draw)
        lo, hi = starts[first], starts[clients[-1] + 1]
        local = by_client["client"][lo:hi] - first
        dose = by_client["dose"][lo:hi]
        inside = dose <= horizon
        noise[local[inside], dose[inside]] = by_client["noise"][lo:hi][inside]
        assessed[local[inside], dose[inside]] = by_client["assessed"][lo:hi][inside]
        latent = latent_of(clients[:, None], grid[None, :])
        step = spec.score_step
        observed = np.round(np.clip(np.round((latent + noise) / step) * step, low, high), 6)
        base = observed[:, :1]
        met = assessed & (grid >= 1)[None, :]
        met &= inst.is_reliable(inst.improvement(base, observed)) & ~inst.is_clinical(observed)
        hit = met.any(axis=1)
        out[clients[hit]] = np.argmax(met[hit], axis=1)
    return out


def _continued_schedule(
    spec: SimulationSpec,
    grid: np.ndarray,
    end: np.ndarray,
    rng: np.random.Generator,
    probability: float,
) -> np.ndarray:
    """Which sessions of the continued path are assessed: the data's schedule, with the
    session therapy ended at assessed where the schedule assesses the last one."""
    last = grid[None, :] == end[:, None]
    first = (grid == 0)[None, :]
    if spec.schedule == "every":
        return np.ones((len(end), len(grid)), dtype=bool)
    if spec.schedule == "every_k":
        return ((grid % max(spec.schedule_k, 1)) == 0)[None, :] | last
    if spec.schedule == "prepost":
        return first | last
    return first | last | (rng.random((len(end), len(grid))) < probability)
