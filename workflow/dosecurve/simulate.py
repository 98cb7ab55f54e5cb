"""A simple seeded generator of naturalistic session data (the embedded default).

This is the walking skeleton's generator: plausible, deterministic and fast, with
parameters chosen after the Nordmo et al. (2021) sample (domain brief section 7), but
not yet the calibrated simulator with every parameter exposed.

Model, per client ``i`` with therapist ``t``:

* intake CORE-OM-like score ``x0 ~ N(20, 6)``, clipped to 0-40;
* sessions attended ``L ~ round(LogNormal(ln 36 + 0.15 z, 0.858))``, 1-364, where
  ``z = (x0 - 20) / 6`` (more severe, longer therapy);
* latent score falling linearly, ``x0 - r_i s``, to a floor ``f_i ~ N(7, 3)``, with rate
  ``r_i = 0.17 exp(-0.2 z + u_t + e_i)``, ``u_t ~ N(0, 0.25)`` (therapist),
  ``e_i ~ N(0, 0.9)`` (more severe, slower change);
* observed score = latent + ``N(0, 1.6)`` (CORE-OM measurement error), rounded to 0.1
  and clipped to 0-40, assessed at intake (session 0) and after every session;
* ending: dropout with probability ``expit(logit(0.2) + 0.4 z)`` (about 20 %, more likely
  with severity), otherwise planned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SimulationSpec:
    """Settings of the simple generator."""

    n_clients: int = 362
    n_therapists: int = 88
    seed: int = 2021
    intake_mean: float = 20.0
    intake_sd: float = 6.0
    sessions_median: float = 36.0
    sessions_sigma: float = 0.858
    sessions_max: int = 364
    rate_median: float = 0.17
    rate_severity: float = -0.2
    length_severity: float = 0.15
    rate_sd: float = 0.9
    noise_sd: float = 1.6
    dropout_rate: float = 0.2


PRESETS: dict[str, SimulationSpec] = {"nordmo2021": SimulationSpec()}


def simulate_sessions(spec: SimulationSpec) -> pd.DataFrame:
    """Generate a long session table (``client, session, score, therapist, end_reason``).

    The same ``spec`` (seed included) always gives the same table.

    >>> simulate_sessions(SimulationSpec(n_clients=3, seed=1)).groupby("client").size().size
    3
    """
    if spec.n_clients < 1 or spec.n_therapists < 1:
        raise ValueError("simulate.n_clients and simulate.n_therapists must be at least 1")
    rng = np.random.default_rng(spec.seed)
    n = spec.n_clients
    intake = np.clip(rng.normal(spec.intake_mean, spec.intake_sd, n), 0.0, 40.0)
    z = (intake - spec.intake_mean) / spec.intake_sd
    log_len = rng.normal(
        np.log(spec.sessions_median) + spec.length_severity * z, spec.sessions_sigma
    )
    length = np.clip(np.rint(np.exp(log_len)), 1, spec.sessions_max).astype(np.int64)
    therapist = rng.integers(0, spec.n_therapists, n)
    u = rng.normal(0.0, 0.25, spec.n_therapists)
    rate = spec.rate_median * np.exp(
        spec.rate_severity * z + u[therapist] + rng.normal(0.0, spec.rate_sd, n)
    )
    floor = np.minimum(rng.normal(7.0, 3.0, n), intake)

    rows = length + 1
    idx = np.repeat(np.arange(n), rows)
    session = np.arange(rows.sum()) - np.repeat(np.cumsum(rows) - rows, rows)
    latent = np.maximum(intake[idx] - rate[idx] * session, floor[idx])
    score = np.clip(np.round(latent + rng.normal(0.0, spec.noise_sd, idx.size), 1), 0.0, 40.0)
    score[session == 0] = np.round(intake, 1)
    odds = np.log(spec.dropout_rate / (1 - spec.dropout_rate)) + 0.4 * z
    dropout = rng.random(n) < 1 / (1 + np.exp(-odds))
    width = len(str(n))
    return pd.DataFrame(
        {
            "client": np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), width))[idx],
            "session": session,
            "score": score,
            "therapist": np.char.add("T", (therapist + 1).astype(str))[idx],
            "end_reason": np.where(dropout, "dropout", "planned")[idx],
        }
    )
