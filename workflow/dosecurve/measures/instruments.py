"""Outcome instruments: constants for reliable and clinically significant change.

Constants follow the methods notes (workflow/docs/methods.md, section 3); each preset
records where its constants come from, and every value can be overridden per data set. Conventions
(Jacobson & Truax 1991):

* with raw-point constants (every preset, or ``cutoff``/``reliable_change`` given in
  config) a change of **at least** ``reliable_change`` points is reliable;
* with norms, ``reliable_change = z * sqrt(2) * SD_clin * sqrt(1 - r)`` and a change must
  be **greater** than it (``|RCI| > z``);
* a score at or beyond the cutoff on the clinical side is clinical (``>= cutoff`` when
  lower is better, ``<= cutoff`` when higher is better).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

Z_975 = 1.959963984540054  # two-sided 5 % critical value of the standard normal


@dataclass(frozen=True)
class Norms:
    """Population norms from which the reliable change and cutoffs a, b, c follow."""

    reliability: float
    clinical_mean: float
    clinical_sd: float
    functional_mean: float | None = None
    functional_sd: float | None = None

    def reliable_change(self) -> float:
        """``z * S_diff`` with ``S_diff = sqrt(2) * SD_clin * sqrt(1 - r)``."""
        return float(Z_975 * np.sqrt(2.0) * self.clinical_sd * np.sqrt(1.0 - self.reliability))

    def cutoffs(self, *, lower_is_better: bool) -> dict[str, float]:
        """Cutoffs ``a`` (leave the clinical population), ``b`` (enter the functional
        population, with the *functional* SD) and ``c`` (between the two)."""
        sign = -1.0 if lower_is_better else 1.0
        out = {"a": self.clinical_mean + sign * 2.0 * self.clinical_sd}
        if self.functional_mean is not None and self.functional_sd is not None:
            out["b"] = self.functional_mean - sign * 2.0 * self.functional_sd
            out["c"] = (
                self.clinical_sd * self.functional_mean + self.functional_sd * self.clinical_mean
            ) / (self.clinical_sd + self.functional_sd)
        return out


@dataclass(frozen=True)
class Instrument:
    """An outcome instrument and the constants the event definitions need.

    ``reliability`` is used by the alternative reliable-change methods (GLN, EN, NK,
    HA); ``rc_strict`` is true when the reliable change was computed from norms and a
    change must exceed it; ``cutoff_type`` says where the cutoff came from.
    """

    name: str
    cutoff: float
    reliable_change: float
    lower_is_better: bool
    score_range: tuple[float, float]
    source: str
    reliability: float | None = None
    rc_strict: bool = False
    cutoff_type: str = "given"

    def is_clinical(self, score: Any) -> Any:
        """Whether a score (scalar or array) lies on the clinical side of the cutoff."""
        return score >= self.cutoff if self.lower_is_better else score <= self.cutoff

    def improvement(self, baseline: Any, score: Any) -> Any:
        """Change in the better direction (positive = better)."""
        return baseline - score if self.lower_is_better else score - baseline

    def is_reliable(self, change: Any, tolerance: float = 1e-9) -> Any:
        """Whether a change in points (either direction, pass the signed value) is reliable."""
        if self.rc_strict:
            return change > self.reliable_change + tolerance
        return change >= self.reliable_change - tolerance

    def best_score(self) -> float:
        """The best end of the scale."""
        return self.score_range[0] if self.lower_is_better else self.score_range[1]


def _preset(name: str, cutoff: float, rc: float, high: float, r: float, source: str) -> Instrument:
    return Instrument(name, cutoff, rc, True, (0.0, high), source, reliability=r)


PRESETS: dict[str, Instrument] = {
    "core-om": _preset(
        "CORE-OM",
        10.0,
        5.0,
        40.0,
        0.94,
        "CORE-OM clinical score (item mean x 10): cutoff 10 and reliable change 5 (Connell et al. "
        "2007; Evans et al. 2002); reliability 0.94 (Evans et al. 2002, internal consistency)",
    ),
    "core-10": _preset(
        "CORE-10",
        11.0,
        6.0,
        40.0,
        0.90,
        "CORE-10: cutoff 11, reliable change 6, reliability 0.90 (Barkham et al. 2013)",
    ),
    "phq-9": _preset(
        "PHQ-9",
        10.0,
        6.0,
        27.0,
        0.89,
        "PHQ-9: cutoff 10 and reliability 0.89 (Kroenke et al. 2001); reliable change 6 as used "
        "in UK NHS Talking Therapies (widely quoted, not re-checked)",
    ),
    "gad-7": _preset(
        "GAD-7",
        8.0,
        4.0,
        21.0,
        0.92,
        "GAD-7: caseness 8 and reliable change 4 as in the UK NHS Talking Therapies manual "
        "(widely quoted, not re-checked); reliability 0.92 (Spitzer et al. 2006)",
    ),
    "oq-45": _preset(
        "OQ-45 (US norms)",
        64.0,
        14.0,
        180.0,
        0.93,
        "OQ-45 US norms: cutoff 64, reliable change 14, reliability 0.93 (Lambert et al. 2004; "
        "widely quoted, not re-checked)",
    ),
    "oq-45-nl": _preset(
        "OQ-45 (Dutch norms)",
        56.0,
        18.0,
        180.0,
        0.93,
        "OQ-45 Dutch norms: cutoff 56, reliable change 18 (de Jong et al. 2007); reliability "
        "0.93 (US manual value; widely quoted, not re-checked)",
    ),
    "bdi-ii": _preset(
        "BDI-II",
        14.0,
        8.46,
        63.0,
        0.92,
        "BDI-II: cutoff 14 and reliability 0.92 (Beck et al. 1996); reliable change 8.46 "
        "(Seggar et al. 2002; widely quoted, not re-checked)",
    ),
}

_OVERRIDABLE = ("name", "cutoff", "reliable_change", "lower_is_better", "range", "reliability")


def resolve_instrument(spec: str | Mapping[str, Any] | None) -> Instrument:
    """Turn a config ``instrument`` value into an :class:`Instrument`.

    ``None`` gives CORE-OM; a string names a preset; a mapping gives either
    ``preset`` with values to override, or custom constants (``cutoff``,
    ``reliable_change``, ``range``, ``lower_is_better``), or ``norms`` (reliability,
    clinical and functional mean and SD) from which the reliable change and the cutoff
    (``cutoff_type`` a, b or c; default c, or a without functional norms) are computed.

    >>> resolve_instrument({"preset": "phq-9", "cutoff": 9}).cutoff
    9.0
    """
    if spec is None:
        return PRESETS["core-om"]
    if isinstance(spec, str):
        spec = {"preset": spec}
    if "preset" in spec:
        key = str(spec["preset"]).lower()
        if key not in PRESETS:
            raise ValueError(
                f"instrument '{spec['preset']}' is not a preset; use one of "
                f"{', '.join(sorted(PRESETS))} or give custom constants or norms"
            )
        base = PRESETS[key]
        if not any(k in spec for k in (*_OVERRIDABLE, "norms")):
            return base
        inherited = {
            "name": base.name,
            "lower_is_better": base.lower_is_better,
            "range": list(base.score_range),
        }
        if "norms" not in spec:
            inherited |= {
                "cutoff": base.cutoff,
                "reliable_change": base.reliable_change,
                "reliability": base.reliability,
            }
        spec = inherited | {k: v for k, v in spec.items() if k != "preset"}
        source = f"{base.source}; overridden in config: " + ", ".join(
            k
            for k in spec
            if k in (*_OVERRIDABLE, "norms")
            and k not in ("name", "range")
            and spec[k] != _field(base, k)
        )
        return _checked(_custom(spec, source))
    return _checked(_custom(spec, "custom instrument given in config"))


def _field(base: Instrument, key: str) -> Any:
    return list(base.score_range) if key == "range" else getattr(base, key, None)


def _custom(spec: Mapping[str, Any], source: str) -> Instrument:
    lower = bool(spec.get("lower_is_better", True))
    if "range" not in spec:
        raise ValueError("instrument.range is required for a custom instrument: [min, max]")
    low, high = (float(v) for v in spec["range"])
    name = str(spec.get("name", "custom instrument"))
    reliability = spec.get("reliability")
    if "norms" in spec:
        norms = Norms(**spec["norms"])
        cutoffs = norms.cutoffs(lower_is_better=lower)
        kind = str(spec.get("cutoff_type", "c" if "c" in cutoffs else "a"))
        if kind not in cutoffs:
            raise ValueError(
                f"instrument.cutoff_type '{kind}' needs functional_mean and functional_sd in "
                "instrument.norms; give them or use cutoff_type: a"
            )
        rc = float(spec["reliable_change"]) if "reliable_change" in spec else None
        cutoff = float(spec["cutoff"]) if "cutoff" in spec else cutoffs[kind]
        return Instrument(
            name,
            cutoff,
            rc if rc is not None else norms.reliable_change(),
            lower,
            (low, high),
            f"{source}; reliable change and cutoff {kind} computed from norms "
            f"(Jacobson & Truax 1991)",
            reliability=norms.reliability,
            rc_strict=rc is None,
            cutoff_type="given" if "cutoff" in spec else kind,
        )
    missing = [k for k in ("cutoff", "reliable_change") if k not in spec]
    if missing:
        raise ValueError(
            f"instrument needs {' and '.join(missing)} (or norms: {{reliability, clinical_mean, "
            "clinical_sd, functional_mean, functional_sd}})"
        )
    return Instrument(
        name,
        float(spec["cutoff"]),
        float(spec["reliable_change"]),
        lower,
        (low, high),
        source,
        reliability=None if reliability is None else float(reliability),
    )


def _checked(inst: Instrument) -> Instrument:
    low, high = inst.score_range
    if not low < high:
        raise ValueError(f"instrument.range must be [min, max] with min < max, got [{low}, {high}]")
    if not low <= inst.cutoff <= high:
        raise ValueError(
            f"instrument.cutoff {inst.cutoff:g} lies outside instrument.range [{low:g}, {high:g}]"
        )
    if not inst.reliable_change > 0:
        raise ValueError("instrument.reliable_change must be greater than 0")
    if inst.reliability is not None and not 0 < inst.reliability < 1:
        raise ValueError(f"instrument reliability must lie between 0 and 1, got {inst.reliability}")
    return inst
