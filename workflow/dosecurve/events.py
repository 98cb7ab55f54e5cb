"""From a validated session table to one time-to-event record per client.

Definitions (the change is measured from the baseline, in the better direction):

* ``reliable_improvement``: a reliable change (instrument's reliable-change value);
* ``clinically_significant`` (default): reliable improvement and a score on the
  functional side of the cutoff;
* ``response``: a fall of at least half the baseline's distance from the best end of the
  scale (a 50 % reduction on a scale starting at 0);
* ``remission``: a score on the functional side of the cutoff;
* ``recovery_two_instruments``: both outcomes on the functional side of their cutoffs
  and a reliable improvement on either (as UK NHS Talking Therapies report recovery);
* ``reliable_deterioration``: a reliable change in the worse direction (harm monitoring).

Eligibility: reliable improvement and deterioration need only a baseline; the others
need a clinical baseline (on either outcome for the two-instrument recovery). Every
definition also needs a later scored assessment and a baseline inside the severity bands.

Timing: ``first`` assessment that meets it; ``sustained`` (meets it there and at each of
the next ``k`` assessments that exist, or at every later one with ``k = 0``); or
``termination`` (the status at the last assessment, time = sessions attended).
Not met: right-censored at the last scored assessment. ``time_lower`` is the session of
the assessment before the event (for interval-censored methods); ``time_upper`` the event
session (empty when censored).

Everything is a vectorised pass over the table sorted by client and session.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dosecurve.instruments import Instrument
from dosecurve.severity import Band, assign_stratum

DEFINITIONS = (
    "clinically_significant",
    "reliable_improvement",
    "response",
    "remission",
    "recovery_two_instruments",
    "reliable_deterioration",
)
# What the event is called in titles and prose.
EVENT_LABELS = {
    "clinically_significant": "clinically significant improvement",
    "reliable_improvement": "reliable improvement",
    "response": "response",
    "remission": "remission",
    "recovery_two_instruments": "recovery on both instruments",
    "reliable_deterioration": "reliable deterioration",
}
ANY_BASELINE = ("reliable_improvement", "reliable_deterioration")
REASONS = (
    ("no_score", "no score recorded"),
    ("not_clinical", "not clinical at intake (baseline on the functional side of the cutoff)"),
    ("no_follow_up", "no scored assessment after the baseline"),
    ("outside_bands", "baseline outside the severity bands"),
)
SESSION_COLUMNS = ("client", "session", "score", "score_2", "end_reason")
EVENT_COLUMNS = [
    "client", "stratum", "baseline", "eligible", "time", "event", "sessions_attended",
    "time_lower", "time_upper", "end_reason", "excluded",
]  # fmt: skip


@dataclass(frozen=True)
class EventDefinition:
    """What counts as improvement, and when it is timed."""

    name: str = "csi"
    definition: str = "clinically_significant"
    timing: str = "first"
    sustained_for: int = 1

    @property
    def label(self) -> str:
        """The event as a noun phrase: 'clinically significant improvement'."""
        return EVENT_LABELS[self.definition]

    def describe(self) -> str:
        """Plain words for tables and the report."""
        when = {
            "first": "first assessment meeting it",
            "sustained": (
                f"first assessment meeting it and still meeting it at the next "
                f"{self.sustained_for} assessment(s)"
                if self.sustained_for
                else "first assessment from which it is met at every later one"
            ),
            "termination": "status at the last assessment, timed at the sessions attended",
        }[self.timing]
        return f"{self.definition.replace('_', ' ')}, {when}"


def _met(
    rows: pd.DataFrame,
    base: pd.DataFrame,
    definition: str,
    inst: Instrument,
    second: Instrument | None,
) -> pd.Series:
    """Whether each follow-up row meets the definition (baseline values aligned)."""
    change = inst.improvement(base["score"], rows["score"])
    functional = ~inst.is_clinical(rows["score"])
    if definition == "reliable_improvement":
        return inst.is_reliable(change)
    if definition == "clinically_significant":
        return inst.is_reliable(change) & functional
    if definition == "remission":
        return functional
    if definition == "response":
        room = (base["score"] - inst.best_score()).abs()
        return (room > 0) & (change >= 0.5 * room - 1e-9)
    if definition == "reliable_deterioration":
        return inst.is_reliable(-change)
    assert second is not None
    change2 = second.improvement(base["score_2"], rows["score_2"])
    both_functional = functional & ~second.is_clinical(rows["score_2"])
    return both_functional & (inst.is_reliable(change) | second.is_reliable(change2))


def _timed(rows: pd.DataFrame, met: pd.Series, spec: EventDefinition) -> pd.Series:
    """Rows that count as the event under the timing rule (before taking the first)."""
    grouped = met.groupby(rows["client"], sort=False)
    if spec.timing == "first":
        return met
    if spec.timing == "termination":
        is_last = ~rows["client"].duplicated(keep="last")
        return met & is_last
    if spec.sustained_for == 0:  # met here and at every later assessment
        later_all = met[::-1].groupby(rows["client"][::-1], sort=False).cummin()[::-1]
        return met & later_all.astype(bool)
    keep = met.copy()
    for j in range(1, spec.sustained_for + 1):
        nxt = grouped.shift(-j)
        keep &= nxt.isna() | nxt.astype("boolean").fillna(False).astype(bool)
    return keep


def derive_events(
    sessions: pd.DataFrame,
    *,
    instrument: Instrument,
    bands: Sequence[Band],
    spec: EventDefinition = EventDefinition(),
    second: Instrument | None = None,
) -> pd.DataFrame:
    """One row per input client with eligibility, time, event and interval bounds.

    Columns: see ``EVENT_COLUMNS``; ``time`` and ``event`` are empty for ineligible
    clients and ``excluded`` holds the reason code.
    """
    two = spec.definition == "recovery_two_instruments"
    if two and (second is None or "score_2" not in sessions):
        raise ValueError(
            "definition recovery_two_instruments needs a second outcome: map columns.score_2 "
            "and set second_instrument for this data set"
        )
    # integer client codes for the grouping below (hashing text ids is the slow part at
    # millions of rows), and a slim sorted table of the scored assessments; the ids are
    # put back at the end
    codes, ids = pd.factorize(sessions["client"])
    clients = pd.Index(np.arange(len(ids)), name="client")
    attended = sessions["session"].groupby(codes, sort=False).max().reindex(clients)
    need = ["score", "score_2"] if two else ["score"]
    keep = sessions[need].notna().all(axis=1).to_numpy()
    scored = pd.DataFrame({"client": codes[keep], "session": sessions["session"].to_numpy()[keep],
                           **{c: sessions[c].to_numpy()[keep] for c in need}})  # fmt: skip
    order = np.lexsort((scored["session"].to_numpy(), scored["client"].to_numpy()))
    scored = scored.iloc[order].reset_index(drop=True)
    first = scored.groupby("client", sort=False).head(1).set_index("client")
    base = first.reindex(clients)
    n_scored = scored.groupby("client", sort=False).size().reindex(clients, fill_value=0)
    last_session = scored.groupby("client", sort=False)["session"].max().reindex(clients)

    follow = scored[scored["session"] > scored["client"].map(base["session"])]
    aligned = base.loc[follow["client"]].set_axis(follow.index)
    met = _met(follow, aligned, spec.definition, instrument, second).astype(bool)
    hit = follow.loc[_timed(follow, met, spec), ["client", "session"]]
    event_session = hit.groupby("client", sort=False)["session"].min().reindex(clients)
    lower = _previous_assessment(scored, event_session)

    clinical = instrument.is_clinical(base["score"])
    if two:
        clinical = clinical | second.is_clinical(base["score_2"])
    stratum = assign_stratum(base["score"], bands)
    excluded = pd.Series("", index=clients, dtype=object)
    checks = {
        "outside_bands": stratum.isna(),
        "no_follow_up": n_scored < 2,
        "not_clinical": (~clinical) & (spec.definition not in ANY_BASELINE),
        "no_score": base["score"].isna(),
    }
    for code, mask in checks.items():  # later checks overwrite: the first reason wins
        excluded[mask.to_numpy()] = code
    eligible = excluded == ""
    event = event_session.notna() & eligible
    at_end = spec.timing == "termination"
    time = (attended if at_end else event_session).where(event, last_session).where(eligible)
    t_lower = lower.where(event, last_session)
    out = pd.DataFrame(
        {
            "stratum": stratum.where(eligible),
            "baseline": base["score"],
            "eligible": eligible,
            "time": time.astype("Int64"),
            "event": event.astype("Int64").where(eligible),
            "sessions_attended": attended.astype("int64"),
            "time_lower": t_lower.where(eligible).astype("Int64"),
            "time_upper": time.where(event).astype("Int64"),
            "end_reason": _end_reason(sessions, codes, clients),
            "excluded": excluded,
        },
        index=clients,
    ).reset_index()
    # therapist (cluster), dataset (pooled source) and covariates: the client's first value
    carried = [c for c in sessions.columns if c not in SESSION_COLUMNS]
    for column in carried:
        first = sessions[column].groupby(codes, sort=False).first()
        out[column] = first.reindex(clients).to_numpy()
    out["client"] = np.asarray(ids, dtype=object)[out["client"].to_numpy()]
    return out[[*EVENT_COLUMNS, *carried]]


def _end_reason(sessions: pd.DataFrame, codes: np.ndarray, clients: pd.Index) -> pd.Series:
    if "end_reason" not in sessions:
        return pd.Series("unknown", index=clients)
    known = (sessions["end_reason"] != "unknown").to_numpy()
    reasons = sessions["end_reason"][known]
    last = reasons.groupby(codes[known], sort=False).last().astype(object)
    return last.reindex(clients).fillna("unknown")


def _previous_assessment(scored: pd.DataFrame, event_session: pd.Series) -> pd.Series:
    """Per client, the scored session before the event session (the interval's lower
    bound), from ``scored`` sorted by client code and session."""
    client = scored["client"].to_numpy().astype(np.int64)
    session = scored["session"].to_numpy().astype(np.int64)
    prev = np.r_[np.nan, session[:-1]].astype(float)
    prev[np.r_[True, client[1:] != client[:-1]]] = np.nan
    width = int(session.max()) + 1 if len(session) else 1
    has = event_session.notna().to_numpy()
    target = event_session.index.to_numpy()[has] * width + event_session.to_numpy()[has].astype(
        np.int64
    )
    out = np.full(len(event_session), np.nan)
    out[has] = prev[np.searchsorted(client * width + session, target)]
    return pd.Series(out, index=event_session.index)


def participant_flow(events: pd.DataFrame) -> pd.DataFrame:
    """Count every input client: read, excluded by reason, analysed.

    Columns ``status, reason, n``; the excluded and analysed rows add up to the read row.
    """
    counts = events["excluded"].value_counts()
    rows = [("read", "clients in the input", len(events))]
    rows += [("excluded", label, int(counts.get(code, 0))) for code, label in REASONS]
    rows.append(("analysed", "eligible and analysed", int(events["eligible"].sum())))
    flow = pd.DataFrame(rows, columns=["status", "reason", "n"])
    if flow.loc[flow["status"] != "read", "n"].sum() != len(events):
        raise AssertionError("participant flow does not add up; please report this as a bug")
    return flow


def derive_all(
    sessions: pd.DataFrame,
    *,
    instrument: Instrument,
    bands: Sequence[Band],
    definitions: Sequence[EventDefinition],
    second: Instrument | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Events and flow for several definitions, stacked with a ``definition`` column."""
    events, flows = [], []
    for spec in definitions:
        ev = derive_events(sessions, instrument=instrument, bands=bands, spec=spec, second=second)
        events.append(ev.assign(definition=spec.name))
        flows.append(participant_flow(ev).assign(definition=spec.name))
    flow = pd.concat(flows, ignore_index=True)[["definition", "status", "reason", "n"]]
    return pd.concat(events, ignore_index=True), flow
