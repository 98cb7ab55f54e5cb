"""What each number means, in plain words: the estimands of ``tables/estimands.csv`` as the
report's opening sentences, and the published benchmarks each beside the quantity read the
way its paper read it (workflow/docs/methods.md, section 8)."""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dosecurve.labels import Clock, level_text
from dosecurve.privacy import count_text
from dosecurve.report.sections import fmt_percent, fmt_sessions, is_number
from dosecurve.stats.kaplan_meier import ALL


@dataclass(frozen=True)
class Estimand:
    """One estimand: its name in the tables, how it is estimated, what it assumes."""

    name: str
    estimator: str
    assumption: str


ESTIMANDS = {
    e.name: e
    for e in (
        Estimand(
            "if_continued",
            "Kaplan-Meier, every ending censored",
            "assumes that ending therapy says nothing about the chance of improving, given "
            "intake severity",
        ),
        Estimand(
            "during_therapy",
            "Aalen-Johansen cumulative incidence, every ending without improvement a competing "
            "event, only clients still in therapy censored",
            "assumes nothing about why clients ended: it describes therapy as delivered",
        ),
        Estimand(
            "among_improved",
            "median of the event times among clients who improved, order-statistic CI",
            "conditional on improving: not the dose the average client needs",
        ),
        Estimand(
            "at_termination",
            "the definition read from the first to the last assessment (exact binomial CI), "
            "and the median sessions attended by those improved",
            "assumes nothing about ending, but ignores when during therapy the change came",
        ),
    )
}


def _lookup(table: pd.DataFrame, estimand: str, measure: str) -> pd.Series | None:
    rows = table[
        (table["estimand"] == estimand) & (table["stratum"] == ALL) & (table["measure"] == measure)
    ]
    return None if rows.empty else rows.iloc[0]


def _interval(row: pd.Series, fmt, ci: str) -> str:
    """' (95 % CI 43 to 71)' from a row's limits; empty when both are missing or suppressed."""
    if not (is_number(row["ci_lower"]) or is_number(row["ci_upper"])):
        return ""
    low = fmt(float(row["ci_lower"])) if is_number(row["ci_lower"]) else "not estimable"
    high = fmt(float(row["ci_upper"])) if is_number(row["ci_upper"]) else "not reached"
    return f" ({ci} {low} to {high})"


def _last_reported(table: pd.DataFrame, estimand: str, prefix: str) -> tuple[int, pd.Series] | None:
    """The latest session with a number for measure ``<prefix><k>`` (all clients)."""
    rows = table[
        (table["estimand"] == estimand)
        & (table["stratum"] == ALL)
        & table["measure"].astype(str).str.startswith(prefix)
    ]
    found = [
        (int(str(r["measure"]).removeprefix(prefix)), r)
        for _, r in rows.iterrows()
        if is_number(r["value"])
    ]
    return max(found, key=lambda pair: pair[0]) if found else None


def _sessions(value: object, missing: str) -> str:
    return fmt_sessions(float(str(value))) if is_number(value) else missing


def _percent(value: object) -> str:
    return fmt_percent(float(str(value))) if is_number(value) else "suppressed"


def _sentence(table: pd.DataFrame, name: str, event: str, clock: Clock, ci: str) -> str:
    """The estimand's answer for all clients, in words (no trailing label)."""
    if name == "if_continued":
        median = _lookup(table, name, "median")
        if median is not None and is_number(median["value"]):
            return (
                f"If no one had left therapy, half would have improved "
                f"{clock.by(fmt_sessions(float(median['value'])))}"
                f"{_interval(median, fmt_sessions, ci)}"
            )
        last = _last_reported(table, name, "improved_by_")
        tail = f": {_percent(last[1]['value'])} {clock.by(last[0])}" if last else ""
        return (
            "If no one had left therapy, fewer than half would have improved within "
            f"follow-up{tail}"
        )
    if name == "during_therapy":
        last = _last_reported(table, name, "improved_by_")
        if last is None:
            return "During therapy as delivered, the share improved is not estimable"
        ended = _lookup(table, name, f"ended_without_improvement_by_{last[0]}")
        ended_text = (
            f" and {_percent(ended['value'])} had ended therapy without improvement"
            if ended is not None
            else ""
        )
        return (
            f"During therapy as delivered, {_percent(last[1]['value'])} improved "
            f"{clock.by(last[0])}{ended_text}"
        )
    if name == "among_improved":
        row = _lookup(table, name, "median")
        if row is None or not is_number(row["value"]):
            return "No client's time to improvement can be shown (none improved, or too few)"
        return (
            f"Among the {count_text(row['n'])} clients who improved, the median time to "
            f"improvement was {fmt_sessions(float(row['value']))} {clock.unit}"
            f"{_interval(row, fmt_sessions, ci)}"
        )
    improved, median = _lookup(table, name, "improved"), _lookup(table, name, "median")
    if improved is None or not is_number(improved["value"]):
        return "From the first to the last assessment, the share improved is not estimable"
    text = (
        f"From the first to the last assessment, {_percent(improved['value'])}"
        f"{_interval(improved, fmt_percent, ci)} showed {html.escape(event)} at the end of therapy"
    )
    if median is not None and is_number(median["value"]):
        text += (
            f", after a median of {fmt_sessions(float(median['value']))} {clock.unit} attended"
            f"{_interval(median, fmt_sessions, ci)}"
        )
    return text


def estimand_sentences(
    table: pd.DataFrame,
    *,
    primary: str = "if_continued",
    event: str = "clinically significant improvement",
    clock: Clock | None = None,
    conf_level: float = 0.95,
) -> list[str]:
    """One sentence per estimand, the primary first, each naming its estimand, how it was
    estimated and what it assumes; intervals are ``conf_level`` CIs."""
    clock = clock or Clock()
    ci = f"{level_text(conf_level)} CI"
    order = [primary, *(n for n in ESTIMANDS if n != primary)]
    return [
        f"{_sentence(table, name, event, clock, ci)} [<code>{name}</code>: "
        f"{ESTIMANDS[name].estimator}; {ESTIMANDS[name].assumption}]."
        for name in order
    ]


def assumptions_text() -> str:
    """The estimands and their assumptions, for the methods paragraph."""
    return " ".join(f"'{e.name}' ({e.estimator}) {e.assumption}." for e in ESTIMANDS.values())


def _value(table: pd.DataFrame | None, estimand: str, measure: str) -> object:
    if table is None:
        return np.nan
    row = _lookup(table, estimand, measure)
    return np.nan if row is None else row["value"]


def benchmark_table(
    estimands: pd.DataFrame | None, improved: pd.DataFrame, medians: pd.DataFrame
) -> pd.DataFrame:
    """Published dose-response results, each beside this data set's quantity read the way
    the paper read it, with that reading (the estimand) named."""
    at = improved.loc[improved["stratum"] == ALL].set_index("session")["improved"]

    def pct(session: int) -> str:
        if session not in at.index:
            return "not tabulated (add it to analysis.improved_at)"
        return fmt_percent(at[session]) or "beyond follow-up"

    overall = medians.loc[medians["stratum"] == ALL].iloc[0]
    km_median = f"median {_sessions(overall['median'], 'not reached')}"
    share = _value(estimands, "at_termination", "improved")
    among = _value(estimands, "at_termination", "median")
    nordmo = (
        f"{_percent(share)} improved; median {_sessions(among, 'not estimable')} sessions "
        "among them"
    )
    howard, nordmo_setting = (
        "15 samples, > 2,400 patients",
        "362 adults, open-ended outpatient care",
    )
    rows = [
        (
            "Howard et al. 1986",
            howard,
            "50 % improved by session 8",
            "if_continued",
            f"{pct(8)} by session 8",
        ),
        (
            "Howard et al. 1986",
            howard,
            "75 % improved by session 26",
            "if_continued",
            f"{pct(26)} by session 26",
        ),
        (
            "Howard et al. 1986 (probit line)",
            howard,
            "86 % by session 52",
            "if_continued",
            f"{pct(52)} by session 52",
        ),
        (
            "Anderson & Lambert 2001",
            "75 outpatients, OQ-45 weekly",
            "Kaplan-Meier median 11 sessions",
            "if_continued",
            km_median,
        ),
        (
            "Hansen & Lambert 2003",
            "4,761 patients, OQ-45 every session",
            "50 % recovered by 15-19 sessions",
            "if_continued",
            km_median,
        ),
        (
            "Nordmo et al. 2021",
            nordmo_setting,
            "47 % clinically significantly improved at termination; median 57 sessions among them",
            "at_termination",
            nordmo,
        ),
    ]
    return pd.DataFrame(rows, columns=["Study", "Setting", "Published", "Reading", "This data set"])


def _median_of(table: pd.DataFrame, method: str) -> pd.Series | None:
    rows = table[
        (table["method"] == method) & (table["stratum"] == ALL) & (table["measure"] == "median")
    ]
    return None if rows.empty else rows.iloc[0]


def ending_sentence(
    table: pd.DataFrame | None,
    tipping: pd.DataFrame | None,
    *,
    clock: Clock | None = None,
    conf_level: float = 0.95,
) -> str:
    """One sentence on how much the answer depends on why clients stop: the IPCW median
    beside the plain one, the bounds, and the tipping point of the severity conclusion."""
    if table is None or table.empty:
        return ""
    clock = clock or Clock()
    ci = f"{level_text(conf_level)} CI"
    km, ipcw = _median_of(table, "km"), _median_of(table, "ipcw")
    best, worst = _median_of(table, "best_case"), _median_of(table, "worst_case")

    def at(row: pd.Series | None) -> str:
        if row is None or not is_number(row["session"]):
            return "not reached"
        return clock.by(fmt_sessions(float(row["session"])))

    def limits(row: pd.Series | None) -> str:
        if row is None or not (is_number(row["ci_lower"]) or is_number(row["ci_upper"])):
            return ""
        low = _sessions(row["ci_lower"], "not estimable")
        high = _sessions(row["ci_upper"], "not reached")
        return f" ({ci} {low} to {high})"

    text = (
        "How much this depends on why clients stop: if ending is explained by the observed "
        f"scores (inverse-probability-of-censoring weighting), half would have improved "
        f"{at(ipcw)}{limits(ipcw)}, against {at(km).removeprefix('by ')} with every ending "
        f"censored; the bounds run from {at(best).removeprefix('by ')} (everyone who ended "
        "without improvement would have improved at their next session) to "
        f"{at(worst).removeprefix('by ')} (none would have)"
    )
    if tipping is not None and len(tipping) and tipping["delta"].notna().any():
        changed = tipping.loc[tipping["conclusion_changed"].astype(str).eq("True"), "delta"]
        deltas = tipping["delta"].dropna()
        if changed.empty:
            text += (
                ". The conclusion about severity (the trend test) holds whatever the hazard "
                f"of improving after ending, from {deltas.min():g} to {deltas.max():g} times "
                "that of clients who stayed"
            )
        else:
            text += (
                ". The conclusion about severity (the trend test) changes if those who ended "
                f"improved at {float(changed.min()):g} times the rate of clients who stayed "
                "(the tipping point)"
            )
    return text + "."


def sparse_sentence(interval: pd.DataFrame | None, clock: Clock | None = None) -> str:
    """When assessments are not every session (median gap above 1), the interval-censored
    readings of the median, and whether the right-point reading lies outside Turnbull's
    interval; empty otherwise."""
    if interval is None or interval.empty or "assessment_gap" not in interval:
        return ""
    gap = pd.to_numeric(interval["assessment_gap"], errors="coerce").iloc[0]
    if not np.isfinite(gap) or gap <= 1:
        return ""
    clock = clock or Clock()
    rows = interval.set_index("method")
    turnbull = (
        rows.loc["Turnbull (interval-censored)"]
        if "Turnbull (interval-censored)" in rows.index
        else None
    )
    right = rows["median"].get("right point (first assessment meeting it)", np.nan)
    text = (
        f"Assessments were a median of {gap:.1f} {clock.unit} apart, so each improvement is "
        f"known only to lie between two assessments: "
    )
    if turnbull is not None and is_number(turnbull["from"]):
        low, high = float(turnbull["from"]), float(turnbull["to"])
        text += (
            f"Turnbull's interval-censored estimate puts the median between {clock.singular} "
            f"{fmt_sessions(low)} and {fmt_sessions(high)}"
        )
    else:
        low = high = np.nan
        text += "Turnbull's interval-censored median is not reached"
    fits = [
        f"{name} {fmt_sessions(float(value))}"
        for name, value in (
            ("Weibull", rows["median"].get("Weibull, interval-censored", np.nan)),
            ("log-normal", rows["median"].get("log-normal, interval-censored", np.nan)),
        )
        if is_number(value)
    ]
    if fits:
        text += f" (interval-censored fits: {', '.join(fits)})"
    if is_number(right):
        right = float(right)
        text += f"; read at the first assessment meeting the definition it is {fmt_sessions(right)}"
        if np.isfinite(low) and not low <= right <= high:
            text += ", outside that interval: the right-point reading is biased by the schedule"
    else:
        text += "; read at the first assessment meeting the definition it is not reached"
    return text + "."
