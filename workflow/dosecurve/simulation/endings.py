"""Why and when simulated clients stop: endings tied to their progress (workflow/docs/methods.md,
section 9), on top of the length each client was drawn with.

* ``good_enough``: after each assessment the client ends with probability
  ``expit(logit(good_enough_rate) + good_enough_slope * d)``, ``d`` the points the observed
  score lies on the functional side of the cutoff (negative while still clinical): clients
  stop when they feel good enough (Barkham et al. 2006). Recorded as a planned ending.
* ``nonresponse``: at session ``nonresponse_session`` a client whose last observed score shows
  no reliable improvement leaves with probability ``nonresponse_dropout`` (a dropout).
* administrative end of follow-up: a client still in therapy at ``follow_up_max`` sessions is
  cut there and recorded as ongoing (censored).

The earliest trigger ends therapy. The draws come from their own stream of the seed, so a
spec without these mechanisms gives the same data as before they existed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dosecurve.measures.instruments import Instrument
from dosecurve.simulation.spec import SimulationSpec

ENDINGS_STREAM = 1  # np.random.default_rng([seed, ENDINGS_STREAM])


@dataclass(frozen=True)
class Endings:
    """Per client: the session therapy ended at, its recorded reason and what ended it
    (``length``: the drawn length; ``good_enough``, ``nonresponse``, ``follow_up``)."""

    session: np.ndarray
    reason: np.ndarray
    mechanism: np.ndarray


def has_endings(spec: SimulationSpec) -> bool:
    """Whether any ending mechanism is switched on."""
    return (
        spec.good_enough_rate > 0
        or (spec.nonresponse_dropout > 0 and spec.nonresponse_session > 0)
        or spec.follow_up_max is not None
    )


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def apply_endings(
    spec: SimulationSpec,
    inst: Instrument,
    *,
    client: np.ndarray,
    dose: np.ndarray,
    assessed: np.ndarray,
    score: np.ndarray,
    length: np.ndarray,
    reason: np.ndarray,
) -> Endings:
    """The session each client ends at, from the rows of their drawn therapy (``client``,
    ``dose`` = sessions attended so far, ``assessed`` and the observed ``score`` of each row,
    rows in order within each client)."""
    n = len(length)
    rng = np.random.default_rng([spec.seed, ENDINGS_STREAM])
    u_rows, u_clients = rng.random(client.size), rng.random(n)
    end = length.astype(np.int64).copy()
    mechanism = np.full(n, "length", dtype=object)
    reason = np.asarray(reason, dtype=object).copy()

    def trigger(at: np.ndarray, name: str, why: str) -> None:
        earlier = at < end
        end[earlier] = at[earlier]
        mechanism[earlier] = name
        reason[earlier] = why

    inside = assessed & (dose >= 1) & (dose < length[client])
    if spec.good_enough_rate > 0:
        side = -1.0 if inst.lower_is_better else 1.0
        distance = side * (score - inst.cutoff)  # points on the functional side
        logit = np.log(spec.good_enough_rate / (1 - spec.good_enough_rate))
        stops = inside & (u_rows < _expit(logit + spec.good_enough_slope * distance))
        trigger(_first(client, dose, stops, n), "good_enough", "planned")
    k = spec.nonresponse_session
    if spec.nonresponse_dropout > 0 and k > 0:
        seen = assessed & (dose <= k)
        last = _last_row(client, seen, n)
        baseline = _first_value(client, assessed, score, n)
        has = last >= 0
        improved = np.zeros(n, dtype=bool)
        improved[has] = inst.is_reliable(inst.improvement(baseline[has], score[last[has]]))
        leaves = has & ~improved & (length > k) & (u_clients < spec.nonresponse_dropout)
        trigger(np.where(leaves, k, np.iinfo(np.int64).max), "nonresponse", "dropout")
    if spec.follow_up_max is not None:
        cap = np.full(n, int(spec.follow_up_max), dtype=np.int64)
        trigger(np.where(length > cap, cap, np.iinfo(np.int64).max), "follow_up", "ongoing")
    return Endings(end, reason.astype(str), mechanism.astype(str))


def _first(client: np.ndarray, dose: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Per client the smallest ``dose`` among rows in ``mask`` (max int when none)."""
    out = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(out, client[mask], dose[mask])
    return out


def _last_row(client: np.ndarray, mask: np.ndarray, n: int) -> np.ndarray:
    """Per client the index of its last row in ``mask`` (-1 when none)."""
    out = np.full(n, -1, dtype=np.int64)
    rows = np.flatnonzero(mask)
    out[client[rows]] = rows  # rows are in order: the last write wins
    return out


def _first_value(client: np.ndarray, mask: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """Per client the value of its first row in ``mask`` (NaN when none)."""
    out = np.full(n, np.nan)
    rows = np.flatnonzero(mask)[::-1]
    out[client[rows]] = value[rows]  # reversed: the first row is written last
    return out


def kept_rows(
    client: np.ndarray, dose: np.ndarray, attended: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """The rows of each client's therapy as delivered: every booked appointment before the
    session it ended at, and that session itself (one attended row per dose: missed
    appointments after it are dropped)."""
    stop = end[client]
    return (dose < stop) | ((dose == stop) & attended)
