"""Check the workflow config and turn each data set's settings into typed values.

The JSON schema (``workflow/schemas/config.schema.yaml``) rejects unknown keys and
wrong types; the checks here add what a schema cannot say (an instrument with no
severity bands, a custom band list with a gap) and word every problem as the config
key to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema

from dosecurve.instruments import Instrument, resolve_instrument
from dosecurve.severity import PRESET_BANDS, Band, resolve_bands
from dosecurve.simulate import PRESETS as SIM_PRESETS
from dosecurve.simulate import SimulationSpec

DEFAULT_IMPROVED_AT = (4, 8, 13, 26, 52, 104)


@dataclass(frozen=True)
class AnalysisSettings:
    """Settings shared by every data set."""

    improved_at: tuple[int, ...] = DEFAULT_IMPROVED_AT
    conf_level: float = 0.95


def _key(path: Any) -> str:
    return ".".join(str(p) for p in path) or "(top level)"


def _schema_message(error: jsonschema.ValidationError) -> str:
    where = _key(error.absolute_path)
    if error.validator == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        extra = sorted(set(error.instance) - set(allowed))
        keys = [f"{where}.{k}" if error.absolute_path else k for k in extra]
        return f"config key(s) {', '.join(keys)} not recognised; allowed here: {', '.join(allowed)}"
    if "propertyNames" in error.absolute_schema_path:
        return (
            f"data set name {error.instance!r} under datasets is not allowed: use letters, "
            "digits, '_' and '-' only (it becomes the folder results/<name>/)"
        )
    if error.validator == "oneOf" and where.startswith("datasets.") and where.count(".") == 1:
        return (
            f"{where}: give either 'simulate: {{...}}' or both 'path:' and 'columns:' "
            "(not both forms, not neither)"
        )
    return f"config key {where}: {error.message}"


def check_config(config: Mapping[str, Any], schema: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming the key if ``config`` breaks the schema or the rules."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        raise ValueError("invalid config: " + "; ".join(_schema_message(e) for e in errors[:5]))
    for name, ds in config["datasets"].items():
        try:
            dataset_instrument(ds)
            dataset_bands(ds)
            if "simulate" in ds:
                simulation_spec(ds["simulate"])
        except (ValueError, KeyError) as err:
            raise ValueError(f"datasets.{name}: {err}") from None


def analysis_settings(config: Mapping[str, Any]) -> AnalysisSettings:
    """Shared analysis settings with defaults filled in."""
    section = config.get("analysis", {}) or {}
    return AnalysisSettings(
        improved_at=tuple(sorted(set(section.get("improved_at", DEFAULT_IMPROVED_AT)))),
        conf_level=float(section.get("conf_level", 0.95)),
    )


def dataset_instrument(ds: Mapping[str, Any]) -> Instrument:
    """The data set's instrument (CORE-OM when not given)."""
    return resolve_instrument(ds.get("instrument"))


def dataset_bands(ds: Mapping[str, Any]) -> tuple[Band, ...]:
    """The data set's severity bands: as configured, else the instrument's preset bands."""
    if "severity" in ds:
        return resolve_bands(ds["severity"])
    instrument = ds.get("instrument")
    if instrument is None:
        return PRESET_BANDS["core-om"]
    if isinstance(instrument, str) and instrument.lower() in PRESET_BANDS:
        return PRESET_BANDS[instrument.lower()]
    raise ValueError(
        "severity is required for this instrument (it has no preset severity bands): add "
        "severity: {bands: [{name: ..., from: ..., to: ...}, ...]}"
    )


def simulation_spec(section: Mapping[str, Any]) -> SimulationSpec:
    """Simulation settings: the preset, with any given values replacing its own."""
    preset = section.get("preset", "nordmo2021")
    if preset not in SIM_PRESETS:
        raise ValueError(f"simulate.preset '{preset}' unknown; use one of {', '.join(SIM_PRESETS)}")
    base = SIM_PRESETS[preset]
    overrides = {k: section[k] for k in ("n_clients", "n_therapists", "seed") if k in section}
    return SimulationSpec(**{**base.__dict__, **overrides})


def column_map(ds: Mapping[str, Any]) -> dict[str, str]:
    """Mapping of dosecurve's column names to the file's (identity for simulated data)."""
    if "simulate" in ds:
        return {
            "client": "client",
            "session": "session",
            "score": "score",
            "therapist": "therapist",
        }
    return dict(ds["columns"])
