"""Outcome instruments: constants for reliable and clinically significant change.

Constants follow the project's domain brief (section 3). Each preset records the
source of its constants; every value can be replaced by a custom instrument in
config. Convention (Jacobson & Truax 1991, with raw-point presets): reliable
improvement is a change of *at least* ``reliable_change`` points in the better
direction; a score at or beyond the cutoff on the clinical side is clinical.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Instrument:
    """An outcome instrument and the constants the event definition needs.

    Attributes
    ----------
    name : label used in tables and the report.
    cutoff : clinical cutoff; clinical is ``score >= cutoff`` when lower is better,
        ``score <= cutoff`` when higher is better.
    reliable_change : smallest change in points counted as reliable.
    lower_is_better : direction of the scale.
    score_range : (min, max) of valid scores.
    source : where the constants come from, shown in the report.
    """

    name: str
    cutoff: float
    reliable_change: float
    lower_is_better: bool
    score_range: tuple[float, float]
    source: str

    def is_clinical(self, score: Any) -> Any:
        """Whether a score (scalar or array) lies on the clinical side of the cutoff."""
        return score >= self.cutoff if self.lower_is_better else score <= self.cutoff

    def improvement(self, baseline: Any, score: Any) -> Any:
        """Change in the better direction (positive = better)."""
        return baseline - score if self.lower_is_better else score - baseline


PRESETS: dict[str, Instrument] = {
    "core-om": Instrument(
        "CORE-OM",
        10.0,
        5.0,
        True,
        (0.0, 40.0),
        "CORE-OM clinical score (item mean x 10): cutoff 10 and reliable change 5 "
        "(Evans et al. 2002; Connell et al. 2007)",
    ),
    "core-10": Instrument(
        "CORE-10",
        11.0,
        6.0,
        True,
        (0.0, 40.0),
        "CORE-10: cutoff 11, reliable change 6 (Barkham et al. 2013)",
    ),
    "phq-9": Instrument(
        "PHQ-9",
        10.0,
        6.0,
        True,
        (0.0, 27.0),
        "PHQ-9: cutoff 10 (Kroenke et al. 2001); reliable change 6 as used in UK "
        "NHS Talking Therapies (widely quoted, not re-checked)",
    ),
    "gad-7": Instrument(
        "GAD-7",
        8.0,
        4.0,
        True,
        (0.0, 21.0),
        "GAD-7: caseness 8 and reliable change 4 as in the UK NHS Talking Therapies "
        "manual (widely quoted, not re-checked)",
    ),
    "oq-45": Instrument(
        "OQ-45 (US norms)",
        64.0,
        14.0,
        True,
        (0.0, 180.0),
        "OQ-45 US norms: cutoff 64, reliable change 14 (Lambert et al. 2004; widely "
        "quoted, not re-checked)",
    ),
    "oq-45-nl": Instrument(
        "OQ-45 (Dutch norms)",
        56.0,
        18.0,
        True,
        (0.0, 180.0),
        "OQ-45 Dutch norms: cutoff 56, reliable change 18 (de Jong et al. 2007)",
    ),
    "bdi-ii": Instrument(
        "BDI-II",
        14.0,
        8.46,
        True,
        (0.0, 63.0),
        "BDI-II: cutoff 14 (Beck et al. 1996); reliable change 8.46 (Seggar et al. "
        "2002; widely quoted, not re-checked)",
    ),
}


def resolve_instrument(spec: str | Mapping[str, Any] | None) -> Instrument:
    """Turn a config ``instrument`` value into an :class:`Instrument`.

    ``None`` gives CORE-OM; a string names a preset; a mapping gives the constants
    ``cutoff``, ``reliable_change``, ``lower_is_better`` and ``range``.

    >>> resolve_instrument("phq-9").cutoff
    10.0
    """
    if spec is None:
        return PRESETS["core-om"]
    if isinstance(spec, str):
        key = spec.lower()
        if key not in PRESETS:
            raise ValueError(
                f"instrument '{spec}' is not a preset; use one of {', '.join(sorted(PRESETS))} "
                "or give {cutoff, reliable_change, lower_is_better, range}"
            )
        return PRESETS[key]
    low, high = (float(v) for v in spec["range"])
    if not low < high:
        raise ValueError(f"instrument.range must be [min, max] with min < max, got {spec['range']}")
    cutoff = float(spec["cutoff"])
    if not low <= cutoff <= high:
        raise ValueError(
            f"instrument.cutoff {cutoff} lies outside instrument.range [{low}, {high}]"
        )
    if float(spec["reliable_change"]) <= 0:
        raise ValueError("instrument.reliable_change must be greater than 0")
    return Instrument(
        name=str(spec.get("name", "custom instrument")),
        cutoff=cutoff,
        reliable_change=float(spec["reliable_change"]),
        lower_is_better=bool(spec.get("lower_is_better", True)),
        score_range=(low, high),
        source="custom constants given in config",
    )
