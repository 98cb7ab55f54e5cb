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
session (empty when censored). ``met_at_end``: whether the definition is met at the last
scored assessment whatever the timing (the pre-post reading of the ``at_termination``
estimand; empty for ineligible clients); ``unconfirmed``: the event is at the client's last
scored assessment, so no later one confirms it; ``assessment_gap``: the mean number of
sessions between the client's scored assessments.

Timing ``confirmed``: the first assessment meeting it whose next assessment meets it too;
an event at the last assessment (nothing to confirm it) is counted or censored there
(``unconfirmed: count | censor``).

Everything is a vectorised pass over the table sorted by client and session.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dosecurve.data.client_rows import ClientRows, sort_sessions
from dosecurve.measures.instruments import Instrument
from dosecurve.measures.severity import Band, assign_stratum

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
    "client",
    "stratum",
    "baseline",
    "eligible",
    "time",
    "event",
    "sessions_attended",
    "time_lower",
    "time_upper",
    "end_reason",
    "excluded",
    "met_at_end",
    "unconfirmed",
    "assessment_gap",
]


@dataclass(frozen=True)
class EventDefinition:
    """What counts as improvement, and when it is timed."""

    name: str = "csi"
    definition: str = "clinically_significant"
    timing: str = "first"
    sustained_for: int = 1
    unconfirmed: str = "count"  # timing confirmed: an event at the last assessment counts

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
            "confirmed": (
                "first assessment meeting it and confirmed by the next one; at the last "
                "assessment "
                + ("counted unconfirmed" if self.unconfirmed == "count" else "censored")
            ),
        }[self.timing]
        return f"{self.definition.replace('_', ' ')}, {when}"


def _met(
    rows: Mapping[str, np.ndarray],
    base: Mapping[str, np.ndarray],
    definition: str,
    inst: Instrument,
    second: Instrument | None,
) -> np.ndarray:
    """Whether each follow-up row meets the definition (scores and the client's baseline
    scores as aligned arrays)."""
    change = inst.improvement(base["score"], rows["score"])
    functional = ~inst.is_clinical(rows["score"])
    if definition == "reliable_improvement":
        return inst.is_reliable(change)
    if definition == "clinically_significant":
        return inst.is_reliable(change) & functional
    if definition == "remission":
        return functional
    if definition == "response":
        room = np.abs(base["score"] - inst.best_score())
        return (room > 0) & (change >= 0.5 * room - 1e-9)
    if definition == "reliable_deterioration":
        return inst.is_reliable(-change)
    assert second is not None
    change2 = second.improvement(base["score_2"], rows["score_2"])
    both_functional = functional & ~second.is_clinical(rows["score_2"])
    return both_functional & (inst.is_reliable(change) | second.is_reliable(change2))


def _timed(client: np.ndarray, met: np.ndarray, spec: EventDefinition) -> np.ndarray:
    """Rows that count as the event under the timing rule (before taking the first), on
    follow-up rows sorted by client and session."""
    if spec.timing == "first":
        return met
    same_next = np.r_[client[1:] == client[:-1], False]
    if spec.timing == "termination":
        return met & ~same_next
    if spec.timing == "confirmed":  # the next assessment meets it too; none: as configured
        next_met = np.r_[met[1:], False] & same_next
        return met & (next_met | (~same_next & (spec.unconfirmed == "count")))
    if spec.sustained_for == 0:  # met here and at every later assessment
        position = np.arange(len(met))
        next_miss = np.minimum.accumulate(np.where(met, len(met), position)[::-1])[::-1]
        last = ~same_next
        client_end = np.flatnonzero(last)[np.cumsum(last) - last]  # the client's last row
        return met & (next_miss > client_end)
    keep = met.copy()
    for j in range(1, spec.sustained_for + 1):  # the j-th next assessment, where it exists
        ahead = np.r_[met[j:], np.ones(min(j, len(met)), dtype=bool)]
        exists = np.r_[client[j:] == client[:-j], np.zeros(min(j, len(met)), dtype=bool)]
        keep &= ~exists | ahead
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
    return _derive(sort_sessions(sessions), instrument, bands, spec, second)


BLOCK_ROWS = 2**21  # session rows per block of clients (see ClientRows.blocks)


def _derive(
    table: ClientRows,
    instrument: Instrument,
    bands: Sequence[Band],
    spec: EventDefinition,
    second: Instrument | None,
) -> pd.DataFrame:
    blocks = list(table.blocks(BLOCK_ROWS))  # views of consecutive clients
    if len(blocks) > 1:
        parts = [_derive(block, instrument, bands, spec, second) for block in blocks]
        return pd.concat(parts, ignore_index=True)
    two = spec.definition == "recovery_two_instruments"
    if two and (second is None or "score_2" not in table.columns):
        raise ValueError(
            "definition recovery_two_instruments needs a second outcome: map columns.score_2 "
            "and set second_instrument for this data set"
        )
    client, session = table.client, np.asarray(table.columns["session"])
    cols = {"session": session}
    cols.update(
        {
            c: np.asarray(table.columns[c], dtype=float)
            for c in ("score", "score_2")
            if c in table.columns
        }
    )
    clients = pd.Index(np.arange(table.n), name="client")
    attended = pd.Series(table.at(table.ends(last=True), session), index=clients)
    need = ["score", "score_2"] if two else ["score"]
    is_scored = np.logical_and.reduce([~np.isnan(cols[c]) for c in need])
    scored = None if is_scored.all() else np.flatnonzero(is_scored)  # None: every row
    first, last = table.ends(scored), table.ends(scored, last=True)
    base = pd.DataFrame({c: table.at(first, cols[c]) for c in ["session", *need]}, clients)
    count = np.zeros(table.n, dtype=np.int64)  # scored rows per client, from their positions
    position = (lambda r: r) if scored is None else (lambda r: np.searchsorted(scored, r))
    count[client[first]] = position(last) - position(first) + 1
    n_scored = pd.Series(count, index=clients)
    last_session = pd.Series(table.at(last, session), index=clients)

    # follow-up rows: every scored row after the client's first (sorted by client, so the
    # baseline is repeated per row rather than looked up); the event is the first that
    # meets the definition under the timing rule, its lower bound the scored row before
    is_scored[first] = False
    follow_client = np.repeat(np.arange(table.n), np.maximum(count - 1, 0))
    rows = {c: cols[c][is_scored] for c in need}
    aligned = {c: np.repeat(base[c].to_numpy(), np.maximum(count - 1, 0)) for c in need}
    met = np.asarray(_met(rows, aligned, spec.definition, instrument, second), dtype=bool)
    # the definition at the client's last scored assessment (the pre-post reading)
    ends_here = np.r_[follow_client[1:] != follow_client[:-1], True][: len(follow_client)]
    met_at_end = np.zeros(table.n, dtype=bool)
    met_at_end[follow_client[ends_here]] = met[ends_here]
    hit = np.flatnonzero(_timed(follow_client, met, spec))
    first_hit = hit[np.r_[True, np.diff(follow_client[hit]) > 0][: len(hit)]]
    first_hit = np.flatnonzero(is_scored)[first_hit]  # as rows of the table
    before = first_hit - 1 if scored is None else scored[np.searchsorted(scored, first_hit) - 1]
    event_session = pd.Series(table.at(first_hit, session), index=clients)
    lower = pd.Series(np.nan, index=clients)
    lower.iloc[client[first_hit]] = session[before]

    clinical = instrument.is_clinical(base["score"])
    if two and second is not None:
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
            "client": table.ids,
            "stratum": stratum.where(eligible),
            "baseline": base["score"],
            "eligible": eligible,
            "time": time.astype("Int64"),
            "event": event.astype("Int64").where(eligible),
            "sessions_attended": attended.astype("int64"),
            "time_lower": t_lower.where(eligible).astype("Int64"),
            "time_upper": time.where(event).astype("Int64"),
            "end_reason": (
                table.last_known("end_reason", "unknown")
                if "end_reason" in table.columns
                else np.full(table.n, "unknown", dtype=object)
            ),
            "excluded": excluded,
            "met_at_end": pd.Series(met_at_end, index=clients).where(eligible).astype("boolean"),
            "unconfirmed": (event & (time == last_session)).where(eligible).astype("boolean"),
            # the mean number of sessions between the client's scored assessments
            "assessment_gap": ((last_session - base["session"]) / (n_scored - 1)).where(
                n_scored > 1
            ),
        },
        index=clients,
    ).reset_index(drop=True)
    # therapist (cluster), dataset (pooled source) and covariates: the client's first value
    carried = [c for c in table.columns if c not in SESSION_COLUMNS]
    for column in carried:
        out[column] = table.first_value(column)
    return out[[*EVENT_COLUMNS, *carried]]


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
    events, table = [], sort_sessions(sessions)
    for spec in definitions:
        ev = _derive(table, instrument, bands, spec, second)
        events.append(ev.assign(definition=spec.name))
    stacked = pd.concat(events, ignore_index=True)
    return stacked, flow_by_definition(stacked)


def flow_by_definition(events: pd.DataFrame) -> pd.DataFrame:
    """``participant_flow`` of each definition of events stacked with a ``definition``
    column (in their order): columns ``definition, status, reason, n``."""
    flows = [
        participant_flow(part.drop(columns="definition")).assign(definition=name)
        for name, part in events.groupby("definition", sort=False)
    ]
    return pd.concat(flows, ignore_index=True)[["definition", "status", "reason", "n"]]
