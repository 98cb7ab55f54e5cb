"""Plain-words description of the effective settings, for the report's settings list."""

from __future__ import annotations

import platform
from importlib.metadata import version

import numpy as np

from dosecurve import __version__
from dosecurve.config import DatasetSettings
from dosecurve.labels import level_text
from dosecurve.measures.reliable_change import CRITICAL


def settings_lines(
    ds: DatasetSettings, *, conf_level: float, conf_type: str = "log-log"
) -> list[str]:
    """One line per setting that shaped the results."""
    instrument = ds.instrument
    primary = ds.primary
    prepost = ds.prepost
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
            "; ".join(f"{d.name}: {d.describe()}" for d in ds.definitions if d.name != primary.name)
            or "none"
        )
        + ".",
        f"Time: {ds.clock.axis.lower()} at that assessment "
        f"(time_unit: {ds.time_unit}); clients without the event are "
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


def _data_line(ds: DatasetSettings) -> str:
    if ds.simulation is not None:
        spec, preset = ds.simulation, ds.preset
        return (
            f"Data: simulated with the built-in simulator, preset {preset}: {spec.n_clients} "
            f"clients, {spec.n_therapists} therapists, seed {spec.seed}; {spec.trajectory} "
            f"change, sessions attended log-normal (median {spec.sessions_median:g}), "
            f"assessed {spec.schedule.replace('_', ' ')}"
            + (f" {spec.schedule_k}" if spec.schedule == "every_k" else "")
            + f", {100 * spec.missed_rate:.0f} % of appointments missed at average severity, "
            f"{100 * spec.dropout_rate:.0f} % dropout at average severity."
        )
    if ds.kind == "pooled":
        return (
            f"Data: pooled from the data sets {', '.join(ds.members)}, each validated on its own; "
            "client and therapist ids are prefixed with their data set, kept as 'dataset'."
        )
    cols = ", ".join(f"{k} = '{v}'" for k, v in ds.columns.items())
    shape = "wide" if ds.layout.layout == "wide" else "long"
    doses = {
        "session": "session numbers",
        "date": "session dates",
        "appointments": "appointments with an attended flag",
    }
    dose = doses[ds.layout.session_from]
    return f"Data: {shape} file '{ds.path}', dose from {dose}, columns {cols}."


def bands_text(ds: DatasetSettings) -> str:
    return ", ".join(
        f"{b.name} {b.lower:g}" + (f" to <{b.upper:g}" if np.isfinite(b.upper) else " and above")
        for b in ds.bands
    )
