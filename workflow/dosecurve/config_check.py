"""Check a workflow config: the JSON schema, then what a schema cannot say, each problem
worded as the config key to fix."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema

from dosecurve.config import (
    check_prepost,
    check_two_instruments,
    cox_settings,
    dataset_bands,
    dataset_instrument,
    event_definitions,
    expand_datasets,
    group_settings,
    primary_definition,
    second_instrument,
    simulation_spec,
)


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
            options = [e.validator_value for e in error.context if e.validator == "enum"]
            allowed = ", ".join(str(v) for v in (options[0] if options else []))
            return f"config key {where}: {error.instance!r} is not one of {allowed}"
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


def check_config(config: Mapping[str, Any], schema: Mapping[str, Any]) -> None:
    """Raise ``ValueError`` naming the key if ``config`` breaks the schema or the rules."""
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        raise ValueError("invalid config: " + "; ".join(_schema_message(e) for e in errors[:5]))
    for name, ds in expand_datasets(config).items():
        try:
            dataset_instrument(ds)
            dataset_bands(ds)
            second_instrument(ds)
            if "simulate" in ds:
                simulation_spec(ds["simulate"])
            definitions = event_definitions(ds)
            primary_definition(ds)
            check_two_instruments(ds, definitions)
            check_prepost(ds)
            cox_settings(ds)
            group_settings(ds)
        except (ValueError, KeyError, TypeError) as err:
            raise ValueError(f"datasets.{name}: {err}") from None
