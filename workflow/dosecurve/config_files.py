"""Read the workflow's config files as plain data, and decide which files make the config.

Snakemake parses config files with a loader that builds Python objects from tags
(``!!python/name:os.environ``), expands YAML aliases without bound and keeps the last of two
equal keys. dosecurve reads each file again with :func:`load_yaml` (a safe loader that
refuses all three) and uses only that reading.

Which files: ``config/config.yaml`` (the embedded default) when no ``--configfile`` is
given; otherwise only the files given, merged left to right, so a user's config never
silently picks up the default data set. ``--config key=value`` pairs apply last.
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

DEFAULT_CONFIG = "config/config.yaml"
MAX_NODES = 100_000  # values in a config after its aliases are expanded


class ConfigFileError(ValueError):
    """A config file that is not plain, unambiguous data."""


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that refuses repeated keys in a mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ConfigFileError(
                    f"key {key!r} is given twice (lines {seen[key]} and {line}); the second "
                    "would silently replace the first: keep one"
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The config in ``path`` as plain data (mappings, lists, text, numbers, booleans).

    Raises :class:`ConfigFileError` naming the file for Python tags, repeated keys, an
    alias expansion over ``MAX_NODES`` values, or a top level that is not a mapping.
    """
    try:
        with open(path, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=_StrictLoader)  # a SafeLoader subclass
    except ConfigFileError as err:
        raise ConfigFileError(f"{path}: {err}") from None
    except yaml.constructor.ConstructorError as err:
        mark = err.problem_mark
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise ConfigFileError(
            f"{path}{where}: {_short(err.problem)}; a dosecurve config is plain data (text, "
            "numbers, lists and mappings): remove the tag"
        ) from None
    except yaml.YAMLError as err:
        raise ConfigFileError(f"{path}: not valid YAML: {_short(str(err))}") from None
    except UnicodeDecodeError:
        raise ConfigFileError(f"{path}: not UTF-8 text; save the config as UTF-8") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigFileError(f"{path}: the top level must be a mapping of keys to values")
    if "__use_yte__" in data:
        raise ConfigFileError(
            f"{path}: uses YTE templates (__use_yte__), whose expressions Snakemake runs as "
            "Python; dosecurve treats its config as plain data: write the values out"
        )
    if _size(data, {}) > MAX_NODES:
        raise ConfigFileError(
            f"{path}: its aliases expand to more than {MAX_NODES:,} values; write the "
            "values out instead of nesting aliases"
        )
    return data


def _short(text: str | None, limit: int = 200) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[:limit] + "..."


def _size(value: Any, memo: dict[int, int]) -> int:
    """How many values ``value`` holds once every alias is counted as a copy (memoised on
    the shared objects, so a bomb of nested aliases is measured without expanding it)."""
    if not isinstance(value, dict | list):
        return 1
    key = id(value)
    if key not in memo:
        memo[key] = 0  # a self-referencing alias counts once
        children = value.values() if isinstance(value, dict) else value
        memo[key] = 1 + sum(min(_size(v, memo), MAX_NODES + 1) for v in children)
    return memo[key]


def merge(base: dict[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``update`` merged into ``base`` key by key, mappings recursively (as Snakemake does
    for several ``--configfile`` files)."""
    for key, value in update.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            merge(base[key], value)
        else:
            base[key] = value
    return base


def effective_config(
    given: Iterable[str | os.PathLike[str]],
    overrides: Mapping[str, Any] | None = None,
    default: str = DEFAULT_CONFIG,
) -> tuple[dict[str, Any], list[str]]:
    """The config to run and the files it came from: the ``given`` files (``--configfile``)
    merged in order, else ``default``; then ``overrides`` (``--config``) on top."""
    files = [os.fspath(f) for f in given] or [default]
    config: dict[str, Any] = {}
    for path in files:
        if not os.path.isfile(path):
            raise ConfigFileError(f"config file {path} not found (looked in {os.getcwd()})")
        merge(config, load_yaml(path))
    merge(config, {key: _typed(value) for key, value in (overrides or {}).items()})
    check_plain(config)
    return config, files


def _typed(value: Any) -> Any:
    """A ``--config`` value with its nested text read as YAML scalars (Snakemake reads
    ``privacy={min_cell: 5}`` with every inner value as text)."""
    if isinstance(value, Mapping):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    if isinstance(value, str):
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError:
            return value
        return parsed if isinstance(parsed, int | float | bool) or parsed is None else value
    return value


def check_plain(value: Any, where: str = "") -> None:
    """Refuse values no setting can take: not-a-number and infinite numbers, and text with
    control characters (a data set name ``"x\\n"``), each named by its config key."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            if isinstance(key, str) and _has_control(key):
                raise ConfigFileError(
                    f"config key {path!r} contains a control character (such as a line "
                    "break or tab); names are plain text"
                )
            if key != "delimiter":  # a tab is a delimiter
                check_plain(item, path)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_plain(item, f"{where}[{i}]")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ConfigFileError(f"config key {where}: {value} is not a number this setting takes")
    elif isinstance(value, str) and _has_control(value):
        raise ConfigFileError(
            f"config key {where}: the text {value!r} contains a control character (such as a "
            "line break or tab); remove it"
        )


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) == "Cc" for ch in text)
