"""Parameters of the simulator and the presets calibrated to published studies.

See ``dosecurve.simulation.simulate`` for the model the parameters drive.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

from dosecurve.measures.instruments import PRESETS as INSTRUMENTS
from dosecurve.measures.instruments import Instrument


@dataclass(frozen=True)
class SimulationSpec:
    """Every parameter of the simulator. The defaults are the base model the presets start
    from; each preset in ``PRESETS`` sets the values it was calibrated with."""

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
    long_share: float = 0.0
    long_factor: float = 1.0
    trajectory: str = "linear"
    rate_median: float = 0.21
    rate_sd: float = 0.8
    rate_severity: float = -0.2
    floor_mean: float = 7.0
    floor_sd: float = 3.0
    therapist_sd: float = 0.27
    reliability: float | None = None
    noise_sd: float | None = None
    score_step: float = 0.1
    schedule: str = "every"
    schedule_k: int = 1
    schedule_q: float = 0.5
    missed_rate: float = 0.0
    missed_severity: float = 0.0
    dropout_rate: float = 0.2
    dropout_severity: float = 0.4
    ongoing_rate: float = 0.0
    good_enough_rate: float = 0.0
    good_enough_slope: float = 0.5
    nonresponse_session: int = 0
    nonresponse_dropout: float = 0.0
    follow_up_max: int | None = None
    published: dict[str, float] = field(default_factory=dict, compare=False, hash=False)

    def instrument_preset(self) -> Instrument:
        """The instrument the scores are on."""
        return INSTRUMENTS[self.instrument]


PRESETS: dict[str, SimulationSpec] = {
    # Nordmo et al. (2021), open-ended Norwegian outpatient care: 362 clients, 88
    # therapists; sessions mean 52, SD 59, median 36, range 1-364; at termination 47 %
    # showed clinically significant improvement (CSI), after a median of 57 sessions; more
    # severe -> longer, slower change. Calibrated to the at-termination reading, as the paper
    # read its data (workflow/docs/methods.md, section 7): change is linear in sessions and
    # independent of the length of therapy (a dose effect), 8 % are in long-term therapy.
    # Expected at 40,000 clients: sessions mean 53, SD 57, median 36; 48 % CSI at
    # termination, median 55 sessions among them. Seed 2082 is a draw typical of those.
    "nordmo2021": SimulationSpec(
        seed=2082,
        sessions_median=33.0,
        sessions_sigma=0.72,
        length_rate=0.0,
        long_share=0.08,
        long_factor=4.5,
        rate_median=0.26,
        rate_sd=0.3,
        floor_mean=4.0,
        floor_sd=2.0,
        published={
            "clients": 362,
            "therapists": 88,
            "sessions_mean": 52,
            "sessions_sd": 59,
            "sessions_median": 36,
            "sessions_max": 364,
            "csi_at_termination_percent": 47,
            "sessions_among_improved_at_termination": 57,
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
    check_spec(spec)
    return spec


def check_spec(spec: SimulationSpec) -> None:
    if spec.n_clients < 1 or spec.n_therapists < 1:
        raise ValueError("simulate.n_clients and simulate.n_therapists must be at least 1")
    if not 1 <= spec.sessions_min <= spec.sessions_max:
        raise ValueError("simulate needs 1 <= sessions_min <= sessions_max")
    if spec.long_factor < 1:
        raise ValueError("simulate.long_factor must be at least 1")
    if spec.schedule not in ("every", "every_k", "prepost", "irregular"):
        raise ValueError(
            f"simulate.schedule '{spec.schedule}': use every, every_k, irregular or prepost"
        )
    if not 0 < spec.schedule_q <= 1:
        raise ValueError("simulate.schedule_q must lie in (0, 1]")
    if spec.follow_up_max is not None and spec.follow_up_max < 1:
        raise ValueError("simulate.follow_up_max must be at least 1")
    if spec.noise_sd is not None and spec.noise_sd < 0:
        raise ValueError("simulate.noise_sd must not be negative")
    names = ("missed_rate", "dropout_rate", "ongoing_rate", "long_share", "good_enough_rate")
    for name in (*names, "nonresponse_dropout"):
        if not 0 <= getattr(spec, name) < 1:
            raise ValueError(f"simulate.{name} must lie in [0, 1)")
    if spec.instrument not in INSTRUMENTS:
        raise ValueError(f"simulate.instrument '{spec.instrument}' is not an instrument preset")
