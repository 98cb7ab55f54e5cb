"""What later steps read from the session rows, as parts: each a reduction of a table of
whole clients that is made shard by shard when a data set is read in shards
(``rules/shards.smk``, rule ``session_part``) and gathered exactly, or made from the whole
table in the step itself when it is not. Either way the step gets the same table.

* client-level parts (one row per client: pairs of scores) are gathered in the whole
  table's client order (``dosecurve.data.shards.gather_clients``);
* counted parts (scores counted per stratum and session) are summed
  (``dosecurve.outcomes.score_counts.add_counts``);
* sampled parts (the session rows of the clients a model samples, drawn from all clients'
  events) are gathered as a session table (``dosecurve.data.shards.gather_sessions``).

Nothing here touches files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from dosecurve.config import DatasetSettings
from dosecurve.data.idcodes import codes_in
from dosecurve.data.shards import gather_clients, gather_sessions

Make = Callable[[pd.DataFrame, pd.DataFrame, DatasetSettings, Mapping[str, Any]], pd.DataFrame]


@dataclass(frozen=True)
class Part:
    """One reduction of the session rows: how it is made from a table of whole clients
    (its session rows, the events of its clients or of all, the data set's settings and the
    step's analysis settings), and how the shards' parts are gathered."""

    make: Make
    gather: Callable[[Sequence[pd.DataFrame]], pd.DataFrame]
    # the events it reads: its own clients' (primary definition) or every client's (a sample
    # is drawn from them), or none
    events: Literal["own", "all", "none"]


def rows_of(sessions: pd.DataFrame, clients: pd.DataFrame) -> pd.DataFrame:
    """The scored session rows (``client, session, score``) of ``clients`` (their events
    rows), in the table's order."""
    keep = (codes_in(sessions["client"], pd.Index(clients["client"].astype(str))) >= 0) & (
        sessions["score"].notna().to_numpy()
    )
    return sessions.loc[keep, ["client", "session", "score"]].reset_index(drop=True)


def _first_last(sessions, events, s, step):
    from dosecurve.figures.data import first_last

    return first_last(sessions)


def _prepost(sessions, events, s, step):
    from dosecurve.outcomes.prepost import prepost_clients

    return prepost_clients(sessions, post=s.prepost.post, group_by=s.prepost.group_by)


def _event_pairs(sessions, events, s, step):
    from dosecurve.figures.data import event_pairs

    return event_pairs(sessions, events)


def _score_counts(sessions, events, s, step):
    from dosecurve.outcomes.score_counts import score_counts

    return score_counts(sessions, events, s.strata)


def _growth_rows(sessions, events, s, step):
    from dosecurve.stats import growth

    return rows_of(sessions, growth.sample_clients(events, growth.Settings(**step)))


def _ending_rows(sessions, events, s, step):
    from dosecurve.stats import ending_sensitivity as ending

    return rows_of(sessions, ending.sample_clients(events, ending.Settings(**step)))


def _add_counts(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    from dosecurve.outcomes.score_counts import add_counts

    return add_counts(parts)


PARTS: dict[str, Part] = {
    # first and last score of every scored client: the Jacobson plot, calibration
    "first_last": Part(_first_last, gather_clients, "none"),
    # pre-post pairs with their grouping columns: the pre-post tables
    "prepost": Part(_prepost, gather_clients, "none"),
    # intake and score at the event: the Jacobson plot at the event
    "event_pairs": Part(_event_pairs, gather_clients, "own"),
    # scores counted by stratum, improvement and session: trajectories, expected recovery
    "score_counts": Part(_score_counts, _add_counts, "own"),
    # the growth models' sample of clients, and the ending sensitivity's
    "growth_rows": Part(_growth_rows, gather_sessions, "all"),
    "ending_rows": Part(_ending_rows, gather_sessions, "all"),
}


def part_table(
    name: str,
    inputs: Mapping[str, Any],
    settings: DatasetSettings,
    step: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Part ``name`` of a step's inputs (as ``dosecurve.results.read_results`` reads them):
    its shards' tables gathered when they are given (a list under ``name``), else made
    from the whole session table (``sessions``, with ``events``)."""
    part = PARTS[name]
    given = inputs.get(name)
    if given is not None:
        return part.gather(list(given) if isinstance(given, list | tuple) else [given])
    events = inputs.get("events") if part.events != "none" else None
    return part.make(inputs["sessions"], events, settings, step or {})


def own_events(events: pd.DataFrame, primary: str) -> pd.DataFrame:
    """A shard's events of the primary definition (a shard keeps every definition's)."""
    return events.loc[events["definition"] == primary].drop(columns="definition")


def with_parts(
    inputs: Mapping[str, Any], names: Sequence[str], settings: DatasetSettings
) -> dict[str, Any]:
    """``inputs`` with each part of ``names`` that is a part (``PARTS``) as one table."""
    return {**inputs, **{n: part_table(n, inputs, settings) for n in names if n in PARTS}}
