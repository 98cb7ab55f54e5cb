"""Simulated naturalistic session data, calibrated to published routine-care studies.

Model, per client ``i`` with therapist ``t`` (``z`` = intake severity in SD units):

* intake score ``x0 ~ N(intake_mean, intake_sd)``, clipped to the instrument's range;
* the client's own pace ``e_i ~ N(0, 1)``;
* sessions attended ``L ~ round(LogNormal(ln sessions_median + length_severity z -
  length_rate e_i, sessions_sigma))``, between ``sessions_min`` and ``sessions_max`` (with
  ``length_rate > 0`` slower clients stay longer: the "good-enough level" pattern);
* a latent score that falls from ``x0`` towards a floor ``f_i ~ N(floor_mean, floor_sd)``:
  ``linear``  ``x0 - r_i s``; ``loglinear`` ``x0 - r_i ln(1 + s)``; ``scaled`` ``x0 - r_i
  (x0 - f_i) s / L`` (change scaled to the client's own length, "good-enough level"),
  never below the floor, with ``r_i = rate_median exp(rate_severity z + u_t + e_i)``,
  therapist effect ``u_t ~ N(0, therapist_sd)`` and individual term ``rate_sd e_i``;
* observed score = latent + ``N(0, intake_sd sqrt(1 - reliability))`` (the instrument's
  measurement error), rounded to ``score_step`` and clipped to the range;
* appointments: each booked appointment after intake is missed with probability
  ``expit(logit(missed_rate) + missed_severity z)``; a missed appointment adds no dose and
  has no score; the last appointment is attended;
* assessments at intake and then ``every`` session, every ``schedule_k``-th session (and
  the last), or ``prepost`` (intake and last session only);
* ending: ongoing with probability ``ongoing_rate``, otherwise dropout with probability
  ``expit(logit(dropout_rate) + dropout_severity z)``, otherwise planned (the ending does
  not change the simulated length).

Everything is drawn from one seeded generator: the same spec gives the same table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import numpy as np
import pandas as pd

from dosecurve.instruments import PRESETS as INSTRUMENTS
from dosecurve.instruments import Instrument


@dataclass(frozen=True)
class SimulationSpec:
    """Every parameter of the simulator (defaults: the nordmo2021 preset)."""

    n_clients: int = 362
    n_therapists: int = 88
    seed: int = 2021
    instrument: str = "core-om"
    intake_mean: float = 20.0
    intake_sd: float = 6.0
    sessions_median: float = 36.0
    sessions_sigma: float = 0.70
    sessions_min: int = 1
    sessions_max: int = 364
    length_severity: float = 0.15
    length_rate: float = 0.5
    trajectory: str = "linear"
    rate_median: float = 0.21
    rate_sd: float = 0.8
    rate_severity: float = -0.2
    floor_mean: float = 7.0
    floor_sd: float = 3.0
    therapist_sd: float = 0.27
    reliability: float | None = None
    score_step: float = 0.1
    schedule: str = "every"
    schedule_k: int = 1
    missed_rate: float = 0.0
    missed_severity: float = 0.0
    dropout_rate: float = 0.2
    dropout_severity: float = 0.4
    ongoing_rate: float = 0.0
    published: dict[str, float] = field(default_factory=dict, compare=False, hash=False)

    def instrument_preset(self) -> Instrument:
        """The instrument the scores are on."""
        return INSTRUMENTS[self.instrument]


PRESETS: dict[str, SimulationSpec] = {
    # Nordmo et al. (2021), open-ended Norwegian outpatient care: 362 clients, 88
    # therapists; sessions mean 52, SD 59, median 36, range 1-364; 47 % reached CSI;
    # median survival 57 sessions; more severe -> longer, slower but larger change.
    "nordmo2021": SimulationSpec(
        published={
            "clients": 362,
            "therapists": 88,
            "sessions_mean": 52,
            "sessions_sd": 59,
            "sessions_median": 36,
            "sessions_max": 364,
            "csi_percent": 47,
            "median_sessions_to_csi": 57,
        },
    ),
    # Hirschfeld et al. (2024), NHS psychotherapy service: 474 clients, CORE-OM 22.7 at
    # intake and 17.8 at the end, 31.7 sessions attended on average, 26 % of booked
    # appointments missed, more missed with higher intake severity.
    "hirschfeld2024": SimulationSpec(
        n_clients=474,
        n_therapists=60,
        seed=2024,
        intake_mean=22.7,
        intake_sd=6.5,
        sessions_median=23.5,
        sessions_sigma=0.7,
        sessions_max=200,
        length_severity=0.1,
        length_rate=0.3,
        rate_median=0.22,
        rate_sd=0.8,
        rate_severity=-0.3,
        floor_mean=12.0,
        floor_sd=4.0,
        missed_rate=0.25,
        missed_severity=0.3,
        therapist_sd=0.35,
        published={
            "clients": 474,
            "sessions_mean": 31.7,
            "intake_mean": 22.7,
            "end_mean": 17.8,
            "missed_percent": 26,
        },
    ),
    # Brief stepped care (UK NHS Talking Therapies style), PHQ-9: mostly 4 to 12 sessions,
    # about half reliably improved; fast early change (log-linear).
    "brief_iapt": SimulationSpec(
        n_clients=1000,
        n_therapists=40,
        seed=2008,
        instrument="phq-9",
        intake_mean=16.0,
        intake_sd=5.0,
        sessions_median=7.0,
        sessions_sigma=0.45,
        sessions_min=2,
        sessions_max=20,
        length_severity=0.05,
        trajectory="loglinear",
        rate_median=2.9,
        rate_sd=0.7,
        rate_severity=0.0,
        floor_mean=5.0,
        floor_sd=3.0,
        score_step=1.0,
        missed_rate=0.1,
        therapist_sd=0.23,
        published={"sessions_median": 7, "reliable_improvement_percent": 50},
    ),
}

OVERRIDABLE = tuple(f.name for f in fields(SimulationSpec) if f.name != "published")


def spec_from_config(section: dict[str, Any]) -> SimulationSpec:
    """The preset named in ``section`` with every other given key replacing its value."""
    preset = section.get("preset", "nordmo2021")
    if preset not in PRESETS:
        raise ValueError(f"simulate.preset '{preset}' unknown; use one of {', '.join(PRESETS)}")
    unknown = sorted(set(section) - {"preset", *OVERRIDABLE})
    if unknown:
        raise ValueError(f"simulate: unknown parameter(s) {unknown}")
    spec = replace(PRESETS[preset], **{k: v for k, v in section.items() if k != "preset"})
    _check(spec)
    return spec


def _check(spec: SimulationSpec) -> None:
    if spec.n_clients < 1 or spec.n_therapists < 1:
        raise ValueError("simulate.n_clients and simulate.n_therapists must be at least 1")
    if not 1 <= spec.sessions_min <= spec.sessions_max:
        raise ValueError("simulate needs 1 <= sessions_min <= sessions_max")
    for name in ("missed_rate", "dropout_rate", "ongoing_rate"):
        if not 0 <= getattr(spec, name) < 1:
            raise ValueError(f"simulate.{name} must lie in [0, 1)")
    if spec.instrument not in INSTRUMENTS:
        raise ValueError(f"simulate.instrument '{spec.instrument}' is not an instrument preset")


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p))) if p > 0 else -np.inf


def simulate_appointments(spec: SimulationSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate booked appointments and the truth they were built from.

    Returns ``appointments`` (``client, appointment, attended, score, therapist,
    end_reason``; one row per booked appointment, intake = appointment 0) and ``truth``
    (one row per client: ``client, therapist, latent_intake, sessions_attended,
    appointments_booked, end_reason, latent_csi_session``, the first session at which
    the noise-free score shows clinically significant improvement, empty if not within
    the sessions attended).
    """
    _check(spec)
    rng = np.random.default_rng(spec.seed)
    inst = spec.instrument_preset()
    low, high = inst.score_range
    n = spec.n_clients
    intake = np.clip(rng.normal(spec.intake_mean, spec.intake_sd, n), low, high)
    z = (intake - spec.intake_mean) / spec.intake_sd
    e = rng.normal(0.0, 1.0, n)  # the client's own pace of change, standardised
    log_len = rng.normal(
        np.log(spec.sessions_median) + spec.length_severity * z - spec.length_rate * e,
        spec.sessions_sigma,
    )
    length = np.clip(np.rint(np.exp(log_len)), spec.sessions_min, spec.sessions_max)
    length = length.astype(np.int64)
    therapist = rng.integers(0, spec.n_therapists, n)
    u = rng.normal(0.0, spec.therapist_sd, spec.n_therapists)
    rate = spec.rate_median * np.exp(spec.rate_severity * z + u[therapist] + spec.rate_sd * e)
    floor = np.minimum(rng.normal(spec.floor_mean, spec.floor_sd, n), intake)
    p_miss = _expit(_logit(spec.missed_rate) + spec.missed_severity * z)
    missed = rng.negative_binomial(length, 1.0 - p_miss) if spec.missed_rate > 0 else 0 * length
    ending = _endings(spec, z, rng)

    client, attended = _booked(length, missed, rng)
    dose = attended.astype(np.int64).cumsum() - _group_start_values(client, attended)
    latent = _latent(spec, intake[client], floor[client], rate[client], dose, length[client])
    r = spec.reliability if spec.reliability is not None else inst.reliability or 0.9
    noise = rng.normal(0.0, spec.intake_sd * np.sqrt(1 - r), client.size)
    step = spec.score_step
    score = np.clip(np.round((latent + noise) / step) * step, low, high)
    assessed = attended & _scheduled(spec, dose, length[client])
    score = np.where(assessed, np.round(score, 6), np.nan)

    ids = _client_ids(n)
    appointments = pd.DataFrame(
        {
            "client": ids[client],
            "appointment": _position(client),
            "attended": attended,
            "score": score,
            "therapist": np.char.add("T", (therapist + 1).astype(str))[client],
            "end_reason": ending[client],
        }
    )
    met = attended & (dose > 0) & (intake[client] - latent >= inst.reliable_change)
    met &= ~inst.is_clinical(latent)
    first_met = pd.Series(np.where(met, dose, np.nan)).groupby(client).min()
    truth = pd.DataFrame(
        {
            "client": ids,
            "therapist": np.char.add("T", (therapist + 1).astype(str)),
            "latent_intake": np.round(intake, 6),
            "sessions_attended": length,
            "appointments_booked": length + missed,
            "end_reason": ending,
            "latent_csi_session": first_met.reindex(np.arange(n)).to_numpy(),
        }
    )
    return appointments, truth


def _endings(spec: SimulationSpec, z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    u1, u2 = rng.random(z.size), rng.random(z.size)
    p_drop = _expit(_logit(spec.dropout_rate) + spec.dropout_severity * z)
    out = np.where(u2 < p_drop, "dropout", "planned")
    return np.where(u1 < spec.ongoing_rate, "ongoing", out)


def _booked(
    length: np.ndarray, missed: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Client index and attended flag of every booked appointment, in order.

    Per client: the intake (attended), then ``length - 1`` attended and ``missed`` missed
    appointments in random order, then the last session (attended).
    """
    n = length.size
    idx = np.arange(n)
    middle_client = np.concatenate([np.repeat(idx, length - 1), np.repeat(idx, missed)])
    middle_flag = np.concatenate([np.ones((length - 1).sum(), bool), np.zeros(missed.sum(), bool)])
    order = np.lexsort((rng.random(middle_client.size), middle_client))
    middle_client, middle_flag = middle_client[order], middle_flag[order]
    client = np.concatenate([idx, middle_client, idx])
    flag = np.concatenate([np.ones(n, bool), middle_flag, np.ones(n, bool)])
    rank = np.concatenate([np.zeros(n), np.ones(middle_client.size), np.full(n, 2.0)])
    final = np.lexsort((np.arange(client.size), rank, client))  # stable within each client
    return client[final], flag[final]


def _group_start_values(client: np.ndarray, attended: np.ndarray) -> np.ndarray:
    """Cumulative attended count before each client's first row plus one (so intake = 0)."""
    cum = attended.astype(np.int64).cumsum()
    starts = np.flatnonzero(np.r_[True, client[1:] != client[:-1]])
    before = cum[starts] - attended[starts]
    return np.repeat(before, np.diff(np.r_[starts, client.size])) + 1


def _position(client: np.ndarray) -> np.ndarray:
    starts = np.flatnonzero(np.r_[True, client[1:] != client[:-1]])
    return np.arange(client.size) - np.repeat(starts, np.diff(np.r_[starts, client.size]))


def _latent(spec: SimulationSpec, x0, floor, rate, dose, length) -> np.ndarray:
    s = dose.astype(float)
    if spec.trajectory == "linear":
        value = x0 - rate * s
    elif spec.trajectory == "loglinear":
        value = x0 - rate * np.log1p(s)
    elif spec.trajectory == "scaled":
        value = x0 - np.minimum(rate, 1.0) * (x0 - floor) * s / length
    else:
        raise ValueError(f"simulate.trajectory '{spec.trajectory}': use linear, loglinear, scaled")
    return np.maximum(value, floor)


def _scheduled(spec: SimulationSpec, dose: np.ndarray, length: np.ndarray) -> np.ndarray:
    if spec.schedule == "every":
        return np.ones(dose.size, bool)
    if spec.schedule == "every_k":
        return (dose % max(spec.schedule_k, 1) == 0) | (dose == length)
    if spec.schedule == "prepost":
        return (dose == 0) | (dose == length)
    raise ValueError(f"simulate.schedule '{spec.schedule}': use every, every_k or prepost")


def _client_ids(n: int) -> np.ndarray:
    width = len(str(n))
    return np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), width))


SIMULATED_COLUMNS = {
    "client": "client", "session": "appointment", "attended": "attended", "score": "score",
    "therapist": "therapist", "end_reason": "end_reason",
}  # fmt: skip
