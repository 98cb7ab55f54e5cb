"""Check the workflow config and parse each data set's settings, once, into a frozen
``DatasetSettings``.

The JSON schema (``workflow/schemas/config.schema.yaml``) rejects unknown keys and
wrong types; the checks here add what a schema cannot say (an instrument with no
severity bands, a custom band list with a gap) and word every problem as the config
key to fix. Everything downstream (adapters, figures, report) takes the parsed object;
the rules still pass the plain config values as ``params`` so that Snakemake sees a
changed setting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Literal

from dosecurve.data.layouts import Layout
from dosecurve.data.sessions import MAX_SESSIONS
from dosecurve.labels import Clock
from dosecurve.measures.instruments import Instrument, resolve_instrument
from dosecurve.measures.severity import PRESET_BANDS, Band, resolve_bands
from dosecurve.outcomes.events import EventDefinition
from dosecurve.simulation.simulate import SIMULATED_COLUMNS, SimulationSpec, spec_from_config

if TYPE_CHECKING:
    import jsonschema

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
    primary_estimand: str = "if_continued"


ESTIMANDS = ("if_continued", "during_therapy", "among_improved", "at_termination")


@dataclass(frozen=True)
class PrivacySettings:
    """``privacy``: small-cell suppression and whether therapists are named."""

    min_cell: int | None = None
    show_therapists: bool = False


FIGURE_WIDTHS_MM = {"single": 85.0, "double": 180.0}  # journal column widths


@dataclass(frozen=True)
class FigureSettings:
    """``figures``: the journal width, where curves end, and the dose axis."""

    width: str = "double"
    horizon: float | None = None  # None: each curve ends where < 10 % are still at risk
    log_dose: bool = False

    @property
    def width_mm(self) -> float:
        return FIGURE_WIDTHS_MM[self.width]


def figure_settings(config: Mapping[str, Any]) -> FigureSettings:
    """The figures section with defaults filled in.

    >>> figure_settings({"figures": {"width": "single"}}).width_mm
    85.0
    """
    section = config.get("figures") or {}
    horizon = section.get("horizon")
    return FigureSettings(
        width=str(section.get("width", "double")),
        horizon=None if horizon is None else float(horizon),
        log_dose=bool(section.get("log_dose", False)),
    )


def figures_section(config: Mapping[str, Any], keys: Sequence[str]) -> dict[str, Any]:
    """The figures section's plain values of ``keys``: the params of a step that reads
    only those (so that a changed key re-runs exactly the steps that read it).

    >>> figures_section({"figures": {"width": "single", "log_dose": True}}, ["width"])
    {'width': 'single'}
    """
    section = config.get("figures") or {}
    return {k: section[k] for k in sorted(section) if k in keys}


def privacy_settings(config: Mapping[str, Any]) -> PrivacySettings:
    """The privacy section with defaults filled in."""
    section = config.get("privacy") or {}
    return PrivacySettings(
        min_cell=section.get("min_cell"), show_therapists=bool(section.get("show_therapists"))
    )


def shared_analysis(config: Mapping[str, Any], own_steps: Sequence[str]) -> dict[str, Any]:
    """The analysis section as plain data without the keys that one step reads alone
    (``own_steps``): the params of every step that reads the shared keys."""
    section = config.get("analysis") or {}
    return {k: v for k, v in section.items() if k not in own_steps}


def step_settings(config: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``analysis.<key>`` as plain data (empty: the step's defaults), for that step alone."""
    return dict((config.get("analysis") or {}).get(key) or {})


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
        primary_estimand=section.get("primary_estimand", "if_continued"),
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


def _dataset_instrument(ds: Mapping[str, Any]) -> Instrument:
    """The data set's instrument: as configured, else the simulator's, else CORE-OM."""
    return resolve_instrument(ds.get("instrument", _simulated_instrument(ds)))


def _simulated_instrument(ds: Mapping[str, Any]) -> str | None:
    return _simulation_spec(ds["simulate"]).instrument if "simulate" in ds else None


def _layout(ds: Mapping[str, Any]) -> Layout:
    """How the data set's rows become sessions (the simulator books appointments)."""
    if "simulate" in ds:
        return Layout(session_from="appointments")
    return Layout(
        layout=ds.get("layout", "long"),
        wide_pattern=ds.get("wide_pattern", r"score_(\d+)"),
        session_from=ds.get("session_from", "session"),
        intake=ds.get("intake", "session_0"),
        date_format=ds.get("date_format"),
        wide_columns=tuple((str(k), int(v)) for k, v in (ds.get("wide_columns") or {}).items()),
    )


def _dataset_bands(ds: Mapping[str, Any]) -> tuple[Band, ...]:
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


def _simulation_spec(section: Mapping[str, Any]) -> SimulationSpec:
    """Simulation settings: the preset, with any given values replacing its own."""
    return spec_from_config(dict(section))


def _column_map(ds: Mapping[str, Any]) -> dict[str, Any]:
    """Mapping of dosecurve's column names to the file's (the simulator's own for simulated
    data)."""
    if "simulate" in ds:
        return dict(SIMULATED_COLUMNS)
    if "pool" in ds:
        return {"covariates": ["dataset"]}
    return dict(ds.get("columns") or {})  # the schema requires it of a file; a step may not need it


def _second_instrument(ds: Mapping[str, Any]) -> Instrument | None:
    """The instrument of the second outcome (``columns.score_2``), if any."""
    spec = ds.get("second_instrument")
    return None if spec is None else resolve_instrument(spec)


def _event_definitions(ds: Mapping[str, Any]) -> list[EventDefinition]:
    """The data set's event definitions (default: CSI, first assessment meeting it)."""
    section = ds.get("events", {}) or {}
    items = section.get("definitions") or [{"definition": "clinically_significant"}]
    out = []
    for item in items:
        timing = item.get("timing", "first")
        k = int(item.get("sustained_for", 1))
        unconfirmed = item.get("unconfirmed", "count")
        default = "csi" if item["definition"] == "clinically_significant" else item["definition"]
        if timing != "first":
            default += f"_{timing}" + (f"{k}" if timing == "sustained" else "")
        if timing == "confirmed" and unconfirmed == "censor":
            default += "_censored"
        name = item.get("name", default)
        out.append(EventDefinition(name, item["definition"], timing, k, unconfirmed))
    names = [d.name for d in out]
    if len(set(names)) != len(names):
        raise ValueError(f"events.definitions has repeated names {names}: give each a 'name'")
    return out


def _primary_definition(ds: Mapping[str, Any]) -> EventDefinition:
    """The definition behind events.parquet and the main tables."""
    definitions = _event_definitions(ds)
    primary = (ds.get("events", {}) or {}).get("primary", definitions[0].name)
    for d in definitions:
        if d.name == primary:
            return d
    raise ValueError(
        f"events.primary '{primary}' is not among the definitions' names "
        f"{[d.name for d in definitions]}"
    )


def _check_two_instruments(ds: Mapping[str, Any], definitions: list[EventDefinition]) -> None:
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


def _prepost_settings(ds: Mapping[str, Any]) -> PrePostSettings:
    """The data set's pre-post settings with defaults."""
    section = ds.get("prepost", {}) or {}
    return PrePostSettings(
        method=section.get("method", "jt"),
        post=section.get("post", "last"),
        group_by=tuple(section.get("group_by", ["stratum"])),
    )


def _check_prepost(ds: Mapping[str, Any]) -> None:
    settings = _prepost_settings(ds)
    if settings.method != "jt" and _dataset_instrument(ds).reliability is None:
        raise ValueError(
            f"prepost.method {settings.method} needs the instrument's reliability: add "
            "instrument.reliability (or norms)"
        )
    columns = _column_map(ds)
    known = {"stratum", *columns.get("covariates", [])}
    if "therapist" in columns:
        known.add("therapist")
    unknown = [g for g in settings.group_by if g not in known]
    if unknown:
        raise ValueError(
            f"prepost.group_by {unknown} are not available; use stratum, therapist (when "
            "mapped) or a column listed in columns.covariates"
        )


def _reader_options(ds: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments of ``readers.read_table`` for this data set."""
    columns = _column_map(ds)
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
    instruments = {m: _dataset_instrument(datasets[m]) for m in members}
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


def _cox_settings(ds: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Covariates and interactions of the adjusted Cox model, checked against the
    columns the data set carries."""
    section = ds.get("cox", {}) or {}
    covariates = list(section.get("covariates", []))
    interactions = [list(pair) for pair in section.get("interactions", [])]
    known = set(_column_map(ds).get("covariates", []))
    unknown = [c for c in covariates if c not in known]
    if unknown:
        raise ValueError(
            f"cox.covariates {unknown} are not among columns.covariates; list them there too"
        )
    loose = [c for pair in interactions for c in pair if c not in covariates]
    if loose:
        raise ValueError(f"cox.interactions use {loose}, which are not in cox.covariates")
    return covariates, interactions


def _group_settings(ds: Mapping[str, Any]) -> tuple[list[str], bool]:
    """Grouping columns for extra curves, checked against the columns carried."""
    section = ds.get("groups", {}) or {}
    columns = list(section.get("columns", []))
    carried = set(_column_map(ds).get("covariates", []))
    if "therapist" in _column_map(ds):
        carried.add("therapist")
    unknown = [c for c in columns if c not in carried]
    if unknown:
        raise ValueError(f"groups.columns {unknown} are not among columns.covariates")
    names = [group_key(c) for c in columns]
    clash = sorted({c for c, n in zip(columns, names, strict=True) if names.count(n) > 1})
    if clash:
        raise ValueError(
            f"groups.columns {clash} would share the figure file "
            f"improvement_by_group_{group_key(clash[0])}: rename one of them (in "
            "columns.covariates and here)"
        )
    return columns, bool(section.get("cross_with_severity", False))


def group_key(column: str) -> str:
    """The file-name part of a ``groups`` column's figure: letters, digits, '-' and '_'
    kept, anything else '_'.

    >>> group_key("arm"), group_key("treatment arm")
    ('arm', 'treatment_arm')
    """
    import re

    return re.sub(r"[^A-Za-z0-9_-]", "_", column)


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
            f"{where}: give exactly one of 'simulate: {{...}}', both 'path:' and 'columns:', "
            "or 'pool: [...]'"
        )
    if error.validator == "oneOf" and error.context:
        if isinstance(error.instance, str):
            options: list[Any] = [e.validator_value for e in error.context if e.validator == "enum"]
            choices = ", ".join(str(v) for v in (options[0] if options else []))
            return f"config key {where}: {error.instance!r} is not one of {choices}"
        shallow = ("enum", "type", "const")
        useful = [
            e
            for e in error.context
            if not (e.validator in shallow and e.absolute_path == error.absolute_path)
        ] or list(error.context)
        deepest = max(useful, key=lambda e: len(e.absolute_path))
        if deepest.absolute_path != error.absolute_path:
            return _schema_message(deepest)
        return f"config key {where}: {deepest.message}"
    return f"config key {where}: {error.message}"


Kind = Literal["file", "simulated", "pooled"]


@dataclass(frozen=True)
class CoxSettings:
    """The adjusted Cox model's covariates and interactions (``cox``)."""

    covariates: tuple[str, ...] = ()
    interactions: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class GroupSettings:
    """Extra curves by categorical columns (``groups``)."""

    columns: tuple[str, ...] = ()
    cross_with_severity: bool = False


@dataclass(frozen=True)
class DatasetSettings:
    """One data set's settings, checked and with every default filled in: what the steps,
    figures and report read. Made once per data set by ``parse_dataset``."""

    name: str
    kind: Kind
    instrument: Instrument
    band_list: tuple[Band, ...] | None  # None: this step was not given the severity settings
    definitions: tuple[EventDefinition, ...]
    primary: EventDefinition
    second_instrument: Instrument | None
    layout: Layout
    columns: Mapping[str, Any]
    prepost: PrePostSettings
    cox: CoxSettings
    groups: GroupSettings
    simulation: SimulationSpec | None = None
    preset: str | None = None
    members: tuple[str, ...] = ()
    path: str | None = None
    reader: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    end_reasons: Mapping[str, Any] | None = None
    max_sessions: int = MAX_SESSIONS
    shards: int | None = None  # None: auto (dosecurve.data.shards.shard_count)
    time_unit: str = "sessions"
    improved_at: tuple[int, ...] | None = None

    @property
    def bands(self) -> tuple[Band, ...]:
        """The severity bands, mildest first."""
        if self.band_list is None:
            raise ValueError(
                f"the step reading data set {self.name!r} was not given its 'severity' settings: "
                "add 'severity' to the keys its rule passes (workflow/rules/common.smk)"
            )
        return self.band_list

    @property
    def strata(self) -> list[str]:
        """The severity strata's names, mildest first."""
        return [b.name for b in self.bands]

    @property
    def clock(self) -> Clock:
        """The unit the analysis counts time in, with its words."""
        return Clock(self.time_unit)

    @property
    def source(self) -> str:
        """Where the rows come from, for provenance."""
        return self.path or "simulated appointments"


def parse_dataset(ds: Mapping[str, Any], name: str = "", *, check: bool = True) -> DatasetSettings:
    """A data set's config section as ``DatasetSettings``: raise ``ValueError`` naming the
    key when it is inconsistent.

    A step's adapter passes ``check=False``: its rule gives it only the keys it reads (so a
    change to any other key does not re-run it), the others take their defaults, and the
    checks across keys were made on the whole section when the workflow started. Bands that
    cannot be made from the keys given raise only when read.

    >>> s = parse_dataset({"simulate": {"n_clients": 40}}, "demo")
    >>> s.kind, s.instrument.name, s.strata[0], s.primary.name, s.clock.axis
    ('simulated', 'CORE-OM', 'healthy', 'csi', 'Sessions attended')
    """
    kind: Kind = "simulated" if "simulate" in ds else "pooled" if "pool" in ds else "file"
    definitions = _event_definitions(ds)
    if check:
        _check_two_instruments(ds, definitions)
        _check_prepost(ds)
    covariates, interactions = _cox_settings(ds)
    group_columns, cross = _group_settings(ds)
    try:
        bands: tuple[Band, ...] | None = _dataset_bands(ds)
    except ValueError:
        if check or "severity" in ds:
            raise
        bands = None
    spec = _simulation_spec(ds["simulate"]) if kind == "simulated" else None
    given = ds.get("improved_at")
    return DatasetSettings(
        name=name,
        kind=kind,
        instrument=_dataset_instrument(ds),
        band_list=bands,
        definitions=tuple(definitions),
        primary=_primary_definition(ds),
        second_instrument=_second_instrument(ds),
        layout=_layout(ds),
        columns=MappingProxyType(_column_map(ds)),
        prepost=_prepost_settings(ds),
        cox=CoxSettings(tuple(covariates), tuple(tuple(pair) for pair in interactions)),
        groups=GroupSettings(tuple(group_columns), cross),
        simulation=spec,
        preset=ds["simulate"].get("preset", "nordmo2021") if spec is not None else None,
        members=tuple(ds.get("pool", ())),
        path=ds.get("path"),
        reader=MappingProxyType(_reader_options(ds) if kind == "file" else {}),
        end_reasons=ds.get("end_reasons"),
        max_sessions=int(ds.get("max_sessions", MAX_SESSIONS)),
        shards=None if ds.get("shards", "auto") == "auto" else int(ds["shards"]),
        time_unit=ds.get("time_unit", "sessions"),
        improved_at=tuple(sorted({int(v) for v in given})) if given else None,
    )


def check_config(
    config: Mapping[str, Any], schema: Mapping[str, Any]
) -> dict[str, DatasetSettings]:
    """Each data set's parsed settings; raise ``ValueError`` naming the key if ``config``
    breaks the schema or the rules."""
    import jsonschema  # only where the whole config is checked: not in every step

    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        raise ValueError("invalid config: " + "; ".join(_schema_message(e) for e in errors[:5]))
    parsed = {}
    for name, ds in expand_datasets(config).items():
        try:
            parsed[name] = parse_dataset(ds, name)
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"datasets.{name}: {err}") from None
    return parsed
