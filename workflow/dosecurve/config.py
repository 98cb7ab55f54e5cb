"""Check the workflow config and turn each data set's settings into typed values.

The JSON schema (``workflow/schemas/config.schema.yaml``) rejects unknown keys and
wrong types; the checks here add what a schema cannot say (an instrument with no
severity bands, a custom band list with a gap) and word every problem as the config
key to fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dosecurve.events import EventDefinition
from dosecurve.instruments import Instrument, resolve_instrument
from dosecurve.layouts import Layout
from dosecurve.severity import PRESET_BANDS, Band, resolve_bands
from dosecurve.simulate import SIMULATED_COLUMNS, SimulationSpec, spec_from_config

DEFAULT_IMPROVED_AT = (1, 4, 8, 13, 26, 52, 104)


@dataclass(frozen=True)
class AnalysisSettings:
    """Settings shared by every data set."""

    improved_at: tuple[int, ...] = DEFAULT_IMPROVED_AT
    conf_level: float = 0.95
    conf_type: str = "log-log"
    fh_rho: float | None = None
    fh_gamma: float = 0.0
    rmst_horizon: float | None = None


def analysis_settings(config: Mapping[str, Any]) -> AnalysisSettings:
    """Shared analysis settings with defaults filled in."""
    section = config.get("analysis", {}) or {}
    return AnalysisSettings(
        improved_at=tuple(sorted(set(section.get("improved_at", DEFAULT_IMPROVED_AT)))),
        conf_level=float(section.get("conf_level", 0.95)),
        conf_type=section.get("conf_type", "log-log"),
        fh_rho=(section.get("fleming_harrington") or {}).get("rho"),
        fh_gamma=float((section.get("fleming_harrington") or {}).get("gamma", 0.0)),
        rmst_horizon=section.get("rmst_horizon"),
    )


def landmarks(requested: Sequence[int] | None, max_time: float) -> tuple[int, ...]:
    """Sessions for the '% improved by session' tables: as configured (the data set's
    ``improved_at``, else ``analysis.improved_at``); else the default ones within the data's
    range, so a trial followed for 12 weeks is not tabulated at 104.

    >>> landmarks(None, 30), landmarks([6, 2, 6], 30), landmarks(None, float("nan"))
    ((1, 4, 8, 13, 26), (2, 6), (1,))
    """
    if requested:
        return tuple(sorted({int(v) for v in requested}))
    try:
        top = float(max_time)
    except (TypeError, ValueError):  # no eligible client: pandas' NA
        top = float("nan")
    inside = tuple(v for v in DEFAULT_IMPROVED_AT if v <= top)
    return inside or DEFAULT_IMPROVED_AT[:1]


def dataset_instrument(ds: Mapping[str, Any]) -> Instrument:
    """The data set's instrument: as configured, else the simulator's, else CORE-OM."""
    return resolve_instrument(ds.get("instrument", _simulated_instrument(ds)))


def _simulated_instrument(ds: Mapping[str, Any]) -> str | None:
    return simulation_spec(ds["simulate"]).instrument if "simulate" in ds else None


def layout(ds: Mapping[str, Any]) -> Layout:
    """How the data set's rows become sessions (the simulator books appointments)."""
    if "simulate" in ds:
        return Layout(session_from="appointments")
    return Layout.from_config(ds)


def dataset_bands(ds: Mapping[str, Any]) -> tuple[Band, ...]:
    """The data set's severity bands: as configured, else the instrument's preset bands."""
    if "severity" in ds:
        return resolve_bands(ds["severity"])
    instrument = ds.get("instrument", _simulated_instrument(ds))
    if instrument is None:
        return PRESET_BANDS["core-om"]
    preset = instrument.get("preset") if isinstance(instrument, Mapping) else instrument
    if isinstance(preset, str) and preset.lower() in PRESET_BANDS:
        return PRESET_BANDS[preset.lower()]
    raise ValueError(
        "severity is required for this instrument (it has no preset severity bands): add "
        "severity: {bands: [{name: ..., from: ..., to: ...}, ...]}"
    )


def simulation_spec(section: Mapping[str, Any]) -> SimulationSpec:
    """Simulation settings: the preset, with any given values replacing its own."""
    return spec_from_config(dict(section))


def column_map(ds: Mapping[str, Any]) -> dict[str, Any]:
    """Mapping of dosecurve's column names to the file's (the simulator's own for simulated
    data)."""
    if "simulate" in ds:
        return dict(SIMULATED_COLUMNS)
    if "pool" in ds:
        return {"covariates": ["dataset"]}
    return dict(ds["columns"])


def second_instrument(ds: Mapping[str, Any]) -> Instrument | None:
    """The instrument of the second outcome (``columns.score_2``), if any."""
    spec = ds.get("second_instrument")
    return None if spec is None else resolve_instrument(spec)


def event_definitions(ds: Mapping[str, Any]) -> list[EventDefinition]:
    """The data set's event definitions (default: CSI, first assessment meeting it)."""
    section = ds.get("events", {}) or {}
    items = section.get("definitions") or [{"definition": "clinically_significant"}]
    out = []
    for item in items:
        timing = item.get("timing", "first")
        k = int(item.get("sustained_for", 1))
        default = "csi" if item["definition"] == "clinically_significant" else item["definition"]
        if timing != "first":
            default += f"_{timing}" + (f"{k}" if timing == "sustained" else "")
        out.append(EventDefinition(item.get("name", default), item["definition"], timing, k))
    names = [d.name for d in out]
    if len(set(names)) != len(names):
        raise ValueError(f"events.definitions has repeated names {names}: give each a 'name'")
    return out


def primary_definition(ds: Mapping[str, Any]) -> EventDefinition:
    """The definition behind events.parquet and the main tables."""
    definitions = event_definitions(ds)
    primary = (ds.get("events", {}) or {}).get("primary", definitions[0].name)
    for d in definitions:
        if d.name == primary:
            return d
    raise ValueError(
        f"events.primary '{primary}' is not among the definitions' names "
        f"{[d.name for d in definitions]}"
    )


def check_two_instruments(ds: Mapping[str, Any], definitions: list[EventDefinition]) -> None:
    if any(d.definition == "recovery_two_instruments" for d in definitions):
        if "score_2" not in ds.get("columns", {}) or "second_instrument" not in ds:
            raise ValueError(
                "definition recovery_two_instruments needs columns.score_2 and second_instrument"
            )


@dataclass(frozen=True)
class PrePostSettings:
    """How the pre-post classification is made."""

    method: str = "jt"
    post: str | int = "last"
    group_by: tuple[str, ...] = ("stratum",)


def prepost_settings(ds: Mapping[str, Any]) -> PrePostSettings:
    """The data set's pre-post settings with defaults."""
    section = ds.get("prepost", {}) or {}
    return PrePostSettings(
        method=section.get("method", "jt"),
        post=section.get("post", "last"),
        group_by=tuple(section.get("group_by", ["stratum"])),
    )


def check_prepost(ds: Mapping[str, Any]) -> None:
    settings = prepost_settings(ds)
    if settings.method != "jt" and dataset_instrument(ds).reliability is None:
        raise ValueError(
            f"prepost.method {settings.method} needs the instrument's reliability: add "
            "instrument.reliability (or norms)"
        )
    columns = column_map(ds)
    known = {"stratum", *columns.get("covariates", [])}
    if "therapist" in columns:
        known.add("therapist")
    unknown = [g for g in settings.group_by if g not in known]
    if unknown:
        raise ValueError(
            f"prepost.group_by {unknown} are not available; use stratum, therapist (when "
            "mapped) or a column listed in columns.covariates"
        )


def reader_options(ds: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``readers.read_table`` for this data set."""
    columns = column_map(ds)
    labelled = [columns[k] for k in ("therapist", "end_reason") if k in columns]
    return {
        "fmt": ds.get("format"),
        "delimiter": ds.get("delimiter"),
        "encoding": ds.get("encoding", "utf-8"),
        "sheet": ds.get("sheet"),
        "label_columns": [*labelled, *columns.get("covariates", [])],
        "text_columns": [columns[k] for k in ("client", "therapist", "end_reason") if k in columns],
    }


RESERVED_NAMES = ("comparison",)


def expand_datasets(config: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The data sets to analyse: each of several ``outcomes`` becomes its own data set
    ``<name>-<outcome>``, and a ``pool`` data set takes its members' instrument."""
    out: dict[str, dict[str, Any]] = {}
    for name, ds in config["datasets"].items():
        if name in RESERVED_NAMES:
            raise ValueError(f"datasets.{name}: the name '{name}' is reserved; choose another")
        if "outcomes" not in ds:
            out[name] = dict(ds)
            continue
        for outcome in ds["outcomes"]:
            derived = {k: v for k, v in ds.items() if k != "outcomes"}
            derived["columns"] = {**ds["columns"], "score": outcome["column"]}
            for key in ("instrument", "severity"):
                if key in outcome:
                    derived[key] = outcome[key]
            full = f"{name}-{outcome['name']}"
            if full in config["datasets"] or full in out:
                raise ValueError(f"datasets.{name}.outcomes: '{full}' is already a data set name")
            out[full] = derived
    for name, ds in out.items():
        if "pool" in ds:
            out[name] = _pooled(name, ds, out)
    return out


def _pooled(name: str, ds: dict[str, Any], datasets: Mapping[str, Any]) -> dict[str, Any]:
    members = list(ds["pool"])
    missing = [m for m in members if m not in datasets or "pool" in datasets[m]]
    if missing:
        raise ValueError(
            f"datasets.{name}.pool: {missing} are not data sets that can be pooled; list "
            f"names of datasets (or of their outcomes: name-outcome) from {sorted(datasets)}"
        )
    instruments = {m: dataset_instrument(datasets[m]) for m in members}
    keys = {
        m: (i.cutoff, i.reliable_change, i.lower_is_better, i.score_range)
        for m, i in instruments.items()
    }
    if len(set(keys.values())) > 1:
        raise ValueError(
            f"datasets.{name}.pool: the members use different instruments or constants "
            f"({', '.join(f'{m}: {instruments[m].name}' for m in members)}); pool data sets "
            "measured on the same scale"
        )
    first = datasets[members[0]]
    pooled = dict(ds)
    pooled.setdefault("instrument", first.get("instrument", _simulated_instrument(first)))
    pooled["columns"] = {"covariates": ["dataset"]}
    return pooled


def cox_settings(ds: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Covariates and interactions of the adjusted Cox model, checked against the
    columns the data set carries."""
    section = ds.get("cox", {}) or {}
    covariates = list(section.get("covariates", []))
    interactions = [list(pair) for pair in section.get("interactions", [])]
    known = set(column_map(ds).get("covariates", []))
    unknown = [c for c in covariates if c not in known]
    if unknown:
        raise ValueError(
            f"cox.covariates {unknown} are not among columns.covariates; list them there too"
        )
    loose = [c for pair in interactions for c in pair if c not in covariates]
    if loose:
        raise ValueError(f"cox.interactions use {loose}, which are not in cox.covariates")
    return covariates, interactions


def group_settings(ds: Mapping[str, Any]) -> tuple[list[str], bool]:
    """Grouping columns for extra curves, checked against the columns carried."""
    section = ds.get("groups", {}) or {}
    columns = list(section.get("columns", []))
    carried = set(column_map(ds).get("covariates", []))
    if "therapist" in column_map(ds):
        carried.add("therapist")
    unknown = [c for c in columns if c not in carried]
    if unknown:
        raise ValueError(f"groups.columns {unknown} are not among columns.covariates")
    return columns, bool(section.get("cross_with_severity", False))
