"""Severity strata from the intake (baseline) score.

A band covers ``from <= score < to``; the last band may leave ``to`` open. Bands are
listed from the least to the most severe, and that order is the stratum order in
every table and figure.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Band:
    """One severity band: ``lower <= score < upper`` (``upper`` may be ``inf``)."""

    name: str
    lower: float
    upper: float


# CORE-OM clinical-score bands (workflow/docs/methods.md, section 3; widely quoted, not re-checked).
# PHQ-9, GAD-7 and BDI-II bands as published with the instruments.
PRESET_BANDS: dict[str, tuple[Band, ...]] = {
    "core-om": (
        Band("healthy", 0, 6),
        Band("low", 6, 10),
        Band("mild", 10, 15),
        Band("moderate", 15, 20),
        Band("moderate-severe", 20, 25),
        Band("severe", 25, np.inf),
    ),
    "core-10": (
        Band("non-clinical", 0, 11),
        Band("mild", 11, 15),
        Band("moderate", 15, 20),
        Band("moderate-severe", 20, 25),
        Band("severe", 25, np.inf),
    ),
    "phq-9": (
        Band("minimal", 0, 5),
        Band("mild", 5, 10),
        Band("moderate", 10, 15),
        Band("moderately severe", 15, 20),
        Band("severe", 20, np.inf),
    ),
    "gad-7": (
        Band("minimal", 0, 5),
        Band("mild", 5, 10),
        Band("moderate", 10, 15),
        Band("severe", 15, np.inf),
    ),
    "bdi-ii": (
        Band("minimal", 0, 14),
        Band("mild", 14, 20),
        Band("moderate", 20, 29),
        Band("severe", 29, np.inf),
    ),
}


def resolve_bands(spec: str | Mapping[str, Any] | None) -> tuple[Band, ...]:
    """Turn a config ``severity`` value into checked, ordered bands.

    ``None`` gives the CORE-OM bands; a string names a preset; a mapping holds
    ``bands: [{name, from, to}, ...]``. Bands must not overlap or leave gaps.

    >>> [b.name for b in resolve_bands("gad-7")]
    ['minimal', 'mild', 'moderate', 'severe']
    """
    if spec is None:
        return PRESET_BANDS["core-om"]
    if isinstance(spec, str):
        key = spec.lower()
        if key not in PRESET_BANDS:
            raise ValueError(
                f"severity '{spec}' is not a preset; use one of {', '.join(sorted(PRESET_BANDS))} "
                "or give {bands: [{name, from, to}, ...]}"
            )
        return PRESET_BANDS[key]
    bands = tuple(
        Band(
            str(b["name"]), float(b["from"]), float(b["to"]) if b.get("to") is not None else np.inf
        )
        for b in spec["bands"]
    )
    _check_bands(bands)
    return bands


def _check_bands(bands: Sequence[Band]) -> None:
    names = [b.name for b in bands]
    if len(set(names)) != len(names):
        raise ValueError(f"severity.bands has repeated names: {names}")
    if "all" in names:
        raise ValueError(
            "severity.bands: the name 'all' is reserved for the row of all clients together; "
            "name the band otherwise (for example 'clinical')"
        )
    for b in bands:
        if not b.lower < b.upper:
            raise ValueError(
                f"severity band '{b.name}' needs from < to, got {b.lower} to {b.upper}"
            )
    for prev, nxt in pairwise(bands):
        if nxt.lower != prev.upper:
            kind = "overlaps" if nxt.lower < prev.upper else "leaves a gap after"
            raise ValueError(
                f"severity band '{nxt.name}' (from {nxt.lower}) {kind} band '{prev.name}' "
                f"(to {prev.upper}); list bands in order, each 'from' equal to the previous 'to'"
            )


def assign_stratum(baseline: pd.Series, bands: Sequence[Band]) -> pd.Series:
    """Name of the band each baseline score falls in (missing if in none), ordered."""
    edges = [bands[0].lower, *(b.upper for b in bands)]
    cut = pd.cut(baseline, bins=edges, right=False, labels=[b.name for b in bands])
    return cut.astype(pd.CategoricalDtype([b.name for b in bands], ordered=True))
