"""Simulated naturalistic session data, calibrated to published routine-care studies.

Model, per client ``i`` with therapist ``t`` (``z`` = intake severity in SD units):

* intake score ``x0 ~ N(intake_mean, intake_sd)``, clipped to the instrument's range;
* the client's own pace ``e_i ~ N(0, 1)``;
* sessions attended ``L ~ round(LogNormal(ln sessions_median + length_severity z -
  length_rate e_i, sessions_sigma))``, between ``sessions_min`` and ``sessions_max`` (with
  ``length_rate > 0`` slower clients stay longer: the "good-enough level" pattern); a share
  ``long_share`` of clients in long-term therapy has ``long_factor`` times the length (the
  long tail of open-ended care);
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
  the last), each session with probability ``schedule_q`` (and the last: ``irregular``), or
  ``prepost`` (intake and last session only); measurement noise SD ``noise_sd`` if given;
* ending: ongoing with probability ``ongoing_rate``, otherwise dropout with probability
  ``expit(logit(dropout_rate) + dropout_severity z)``, otherwise planned (the label does not
  change the simulated length); then the endings tied to progress of
  ``dosecurve.simulation.endings`` (good-enough level, non-response, end of follow-up) may end
  therapy earlier;
* the truth: ``dosecurve.simulation.truth`` continues each observed path past its ending.

Everything is drawn from one seeded generator: the same spec gives the same table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dosecurve.simulation.endings import Endings, apply_endings, has_endings, kept_rows
from dosecurve.simulation.spec import (
    OVERRIDABLE,
    PRESETS,
    SimulationSpec,
    check_spec,
    spec_from_config,
)
from dosecurve.simulation.truth import continued_csi_session

__all__ = [
    "OVERRIDABLE",
    "PRESETS",
    "SIMULATED_COLUMNS",
    "SimulationSpec",
    "simulate_appointments",
    "simulate_sessions",
    "spec_from_config",
]


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _logit(p: float) -> float:
    return float(np.log(p / (1 - p))) if p > 0 else -np.inf


def simulate_appointments(spec: SimulationSpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate booked appointments and the truth they were built from.

    Returns ``appointments`` (``client, appointment, attended, score, therapist,
    end_reason``; one row per booked appointment, intake = appointment 0) and ``truth``
    (one row per client: ``client, therapist, latent_intake, sessions_attended,
    appointments_booked, end_reason, latent_csi_session`` (the first session at which the
    noise-free score shows clinically significant improvement, empty if not within the
    sessions attended), ``drawn_sessions, ending_mechanism, continued_csi_session`` (the
    first CSI on the observed path continued to ``sessions_max``) and
    ``observed_csi_session`` (that event within therapy as delivered)).
    """
    check_spec(spec)
    rng = np.random.default_rng(spec.seed)
    inst = spec.instrument_preset()
    low, high = inst.score_range
    n = spec.n_clients
    intake, length, therapist, rate, floor, missed, drawn_ending = _draw_clients(spec, rng)

    client, attended = _booked(length, missed, rng)
    dose = attended.astype(np.int64).cumsum() - _group_start_values(client, attended)
    latent = _latent(spec, intake[client], floor[client], rate[client], dose, length[client])
    noise_sd = _noise_sd(spec)
    noise = rng.normal(0.0, noise_sd, client.size)
    step = spec.score_step
    score = np.round(np.clip(np.round((latent + noise) / step) * step, low, high), 6)
    draws = _schedule_draws(spec, client.size)
    assessed = attended & _scheduled(spec, dose, length[client], draws)
    if has_endings(spec):
        endings = apply_endings(
            spec,
            inst,
            client=client,
            dose=dose,
            assessed=assessed,
            score=score,
            length=length,
            reason=drawn_ending,
        )
    else:
        endings = Endings(length, drawn_ending, np.full(n, "length"))
    end = endings.session
    all_rows = {"client": client, "dose": dose, "noise": noise}
    keep = kept_rows(client, dose, attended, end)
    assessed = attended & _scheduled(spec, dose, end[client], draws)  # the last is the end
    continued = continued_csi_session(
        spec,
        inst,
        lambda c, s: _latent(spec, intake[c], floor[c], rate[c], s, length[c]),
        end=end,
        noise_sd=noise_sd,
        rows={k: v[attended] for k, v in {**all_rows, "assessed": assessed}.items()},
        schedule_draw=spec.schedule_q,
    )
    client, attended, dose, latent = client[keep], attended[keep], dose[keep], latent[keep]
    score = np.where(assessed[keep], score[keep], np.nan)

    ids = _client_ids(n)
    appointments = pd.DataFrame(
        {
            "client": ids[client],
            "appointment": _position(client),
            "attended": attended,
            "score": score,
            "therapist": np.char.add("T", (therapist + 1).astype(str))[client],
            "end_reason": endings.reason[client],
        }
    )
    met = attended & (dose > 0) & inst.is_reliable(inst.improvement(intake[client], latent))
    met &= ~inst.is_clinical(latent)
    first_met = pd.Series(np.where(met, dose, np.nan)).groupby(client).min()
    truth = pd.DataFrame(
        {
            "client": ids,
            "therapist": np.char.add("T", (therapist + 1).astype(str)),
            "latent_intake": np.round(intake, 6),
            "sessions_attended": end,
            "appointments_booked": np.bincount(client, minlength=n),
            "end_reason": endings.reason,
            "latent_csi_session": first_met.reindex(np.arange(n)).to_numpy(),
            "drawn_sessions": length,
            "ending_mechanism": endings.mechanism,
            "continued_csi_session": continued,
            "observed_csi_session": np.where(continued <= end, continued, np.nan),
        }
    )
    return appointments, truth


def _noise_sd(spec: SimulationSpec) -> float:
    """The SD of the measurement noise of one assessment: ``noise_sd`` if given, else the
    instrument's measurement error ``intake_sd * sqrt(1 - reliability)``."""
    if spec.noise_sd is not None:
        return float(spec.noise_sd)
    r = spec.reliability if spec.reliability is not None else spec.instrument_preset().reliability
    return float(spec.intake_sd * np.sqrt(1 - (r or 0.9)))


def _draw_clients(spec: SimulationSpec, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Per client: intake, sessions attended, therapist, rate, floor, missed appointments and
    ending, drawn in a fixed order (so a seed always gives the same clients)."""
    low, high = spec.instrument_preset().score_range
    n = spec.n_clients
    intake = np.clip(rng.normal(spec.intake_mean, spec.intake_sd, n), low, high)
    z = (intake - spec.intake_mean) / spec.intake_sd
    e = rng.normal(0.0, 1.0, n)  # the client's own pace of change, standardised
    log_len = rng.normal(
        np.log(spec.sessions_median) + spec.length_severity * z - spec.length_rate * e,
        spec.sessions_sigma,
    )
    if spec.long_share > 0:  # a share in long-term therapy (drawn only then: presets stay)
        log_len += np.log(spec.long_factor) * (rng.random(n) < spec.long_share)
    length = np.clip(np.rint(np.exp(log_len)), spec.sessions_min, spec.sessions_max)
    length = length.astype(np.int64)
    therapist = rng.integers(0, spec.n_therapists, n)
    u = rng.normal(0.0, spec.therapist_sd, spec.n_therapists)
    rate = spec.rate_median * np.exp(spec.rate_severity * z + u[therapist] + spec.rate_sd * e)
    floor = np.minimum(rng.normal(spec.floor_mean, spec.floor_sd, n), intake)
    p_miss = _expit(_logit(spec.missed_rate) + spec.missed_severity * z)
    missed = rng.negative_binomial(length, 1.0 - p_miss) if spec.missed_rate > 0 else 0 * length
    return intake, length, therapist, rate, floor, missed, _endings(spec, z, rng)


def simulate_sessions(spec: SimulationSpec) -> pd.DataFrame:
    """The fast path, for benchmarks and scale tests: the same clients as
    ``simulate_appointments`` but attended sessions only (no missed appointments are
    booked), as ``client, session, score, therapist, end_reason`` with the ids and the
    ending as categoricals and the session as int32, so that tens of millions of rows fit
    in a few GB. Scores follow the same model (``schedule`` included)."""
    check_spec(spec)
    if has_endings(spec):
        raise ValueError(
            "the fast path simulates no ending mechanisms (good_enough_rate, "
            "nonresponse_dropout, follow_up_max): use simulate_appointments"
        )
    rng = np.random.default_rng(spec.seed)
    inst = spec.instrument_preset()
    low, high = inst.score_range
    intake, length, therapist, rate, floor, _, ending = _draw_clients(spec, rng)
    client = np.repeat(np.arange(spec.n_clients, dtype=np.int32), length + 1)
    dose = _position(client)
    latent = _latent(spec, intake[client], floor[client], rate[client], dose, length[client])
    latent += rng.normal(0.0, _noise_sd(spec), client.size)
    score = np.clip(np.round(latent / spec.score_step) * spec.score_step, low, high)
    draws = _schedule_draws(spec, client.size)
    score[~_scheduled(spec, dose, length[client], draws)] = np.nan
    endings = np.array(["dropout", "ongoing", "planned"])
    therapists = np.char.add("T", np.arange(1, spec.n_therapists + 1).astype(str))
    return pd.DataFrame(
        {
            "client": pd.Categorical.from_codes(client, _client_ids(spec.n_clients)),
            "session": dose.astype(np.int32),
            "score": np.round(score, 6),
            "therapist": pd.Categorical.from_codes(therapist[client], therapists),
            "end_reason": pd.Categorical.from_codes(
                np.searchsorted(endings, ending)[client], endings
            ),
        }
    )


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


SCHEDULE_STREAM = 2  # np.random.default_rng([seed, SCHEDULE_STREAM]): irregular schedules


def _schedule_draws(spec: SimulationSpec, size: int) -> np.ndarray | None:
    """One uniform draw per row for an irregular schedule (its own stream of the seed)."""
    if spec.schedule != "irregular":
        return None
    return np.random.default_rng([spec.seed, SCHEDULE_STREAM]).random(size)


def _scheduled(
    spec: SimulationSpec, dose: np.ndarray, length: np.ndarray, draws: np.ndarray | None = None
) -> np.ndarray:
    """Which rows are assessments: intake and then every session, every ``schedule_k``-th
    (and the last), each with probability ``schedule_q`` (and the last: ``irregular``), or
    intake and the last only (``prepost``)."""
    if spec.schedule == "every":
        return np.ones(dose.size, bool)
    if spec.schedule == "every_k":
        return (dose % max(spec.schedule_k, 1) == 0) | (dose == length)
    if spec.schedule == "prepost":
        return (dose == 0) | (dose == length)
    if spec.schedule == "irregular" and draws is not None:
        return (dose == 0) | (dose == length) | (draws < spec.schedule_q)
    raise ValueError(
        f"simulate.schedule '{spec.schedule}': use every, every_k, irregular or prepost"
    )


def _client_ids(n: int) -> np.ndarray:
    width = len(str(n))
    return np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), width))


SIMULATED_COLUMNS = {
    "client": "client",
    "session": "appointment",
    "attended": "attended",
    "score": "score",
    "therapist": "therapist",
    "end_reason": "end_reason",
}
