"""Plain-words description of the effective settings, for the report's settings list."""

from __future__ import annotations

import platform
from collections.abc import Mapping
from importlib.metadata import version
from typing import Any

import numpy as np

from dosecurve import __version__
from dosecurve import config as cfg
from dosecurve.clinsig import CRITICAL
from dosecurve.labels import Clock, level_text


def settings_lines(
    ds: Mapping[str, Any], *, conf_level: float, conf_type: str = "log-log"
) -> list[str]:
    """One line per setting that shaped the results."""
    instrument = cfg.dataset_instrument(ds)
    primary = cfg.primary_definition(ds)
    prepost = cfg.prepost_settings(ds)
    rule = "more than" if instrument.rc_strict else "at least"
    direction = "lower" if instrument.lower_is_better else "higher"
    side = "at or above" if instrument.lower_is_better else "at or below"
    lines = [
        _data_line(ds),
        f"Instrument: {instrument.name}, range {instrument.score_range[0]:g}-"
        f"{instrument.score_range[1]:g}, {direction} is better; clinical = {side} the cutoff "
        f"{instrument.cutoff:g} (cutoff {instrument.cutoff_type}); reliable change = a change "
        f"of {rule} {instrument.reliable_change:.4g} points. Source: {instrument.source}.",
        "Baseline: the score at session 0 (intake), else the first scored assessment.",
        f"Primary event: {primary.name}: {primary.describe()}. Eligible: a baseline inside the "
        "severity bands and a later scored assessment; clinical at intake for every definition "
        "except reliable improvement and reliable deterioration.",
        "Other definitions: "
        + (
            "; ".join(
                f"{d.name}: {d.describe()}"
                for d in cfg.event_definitions(ds)
                if d.name != primary.name
            )
            or "none"
        )
        + ".",
        f"Time: {Clock(ds.get('time_unit', 'sessions')).axis.lower()} at that assessment "
        f"(time_unit: {ds.get('time_unit', 'sessions')}); clients without the event are "
        "right-censored at their last scored assessment, whatever the reason therapy ended "
        "(the competing-risks table treats dropout before improvement as a competing event).",
        f"Severity strata (intake score): {bands_text(ds)}.",
        "Estimator: Kaplan-Meier with Greenwood standard errors and "
        f"{level_text(conf_level)} {conf_type} "
        f"confidence intervals (as R survfit, conf.type = '{conf_type}'); medians, quartiles and "
        "their limits as R quantile.survfit. Tests: log-rank across the severity strata "
        "present, a trend test across their order, and pairwise log-rank tests with Holm's "
        "adjustment (as R survdiff and p.adjust); Cox models (Efron ties) on the intake score "
        "and the strata, with therapist cluster-robust SEs when therapists are known.",
        f"Pre-post classification: {prepost.method.upper()} reliable change "
        + (
            f"(critical value {CRITICAL[prepost.method]:.3f})"
            if prepost.method != "jt"
            else "(the instrument's reliable change in points)"
        )
        + ", first scored assessment against the "
        + ("last" if prepost.post == "last" else f"last at or before session {prepost.post}")
        + "; effect size d = (mean pre - mean post) / SD pre with the CI of Becker (1988).",
        f"Software: dosecurve {__version__}, Python {platform.python_version()}, "
        f"lifelines {version('lifelines')}, pandas {version('pandas')}, "
        f"NumPy {version('numpy')}, SciPy {version('scipy')}, matplotlib {version('matplotlib')}, "
        f"Snakemake {version('snakemake')}.",
    ]
    return lines


def _data_line(ds: Mapping[str, Any]) -> str:
    if "simulate" in ds:
        spec = cfg.simulation_spec(ds["simulate"])
        preset = ds["simulate"].get("preset", "nordmo2021")
        return (
            f"Data: simulated with the built-in simulator, preset {preset}: {spec.n_clients} "
            f"clients, {spec.n_therapists} therapists, seed {spec.seed}; {spec.trajectory} "
            f"change, sessions attended log-normal (median {spec.sessions_median:g}), "
            f"assessed {spec.schedule.replace('_', ' ')}"
            + (f" {spec.schedule_k}" if spec.schedule == "every_k" else "")
            + f", {100 * spec.missed_rate:.0f} % of appointments missed at average severity, "
            f"{100 * spec.dropout_rate:.0f} % dropout at average severity."
        )
    if "pool" in ds:
        return (
            f"Data: pooled from the data sets {', '.join(ds['pool'])}, each validated on its own; "
            "client and therapist ids are prefixed with their data set, kept as 'dataset'."
        )
    cols = ", ".join(f"{k} = '{v}'" for k, v in cfg.column_map(ds).items())
    shape = "wide" if ds.get("layout") == "wide" else "long"
    doses = {
        "session": "session numbers",
        "date": "session dates",
        "appointments": "appointments with an attended flag",
    }
    dose = doses[ds.get("session_from", "session")]
    return f"Data: {shape} file '{ds['path']}', dose from {dose}, columns {cols}."


def bands_text(ds: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{b.name} {b.lower:g}" + (f" to <{b.upper:g}" if np.isfinite(b.upper) else " and above")
        for b in cfg.dataset_bands(ds)
    )
