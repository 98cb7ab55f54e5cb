"""What later steps read from the session rows, as parts: each a reduction of a table of
whole clients that is made shard by shard when a data set is read in shards
(``rules/shards.smk``, rule ``session_part``) and gathered exactly, or made from the whole
table in the step itself when it is not. Either way the step gets the same table.

* client-level parts (one row per client: pairs of scores) are gathered in the whole
  table's client order (``dosecurve.data.shards.gather_clients``);
* counted parts (scores counted per stratum and session) are summed
  (``dosecurve.outcomes.score_counts.add_counts``);
* sampled parts (the session rows of the clients a model samples, drawn once from all
  clients' events: ``sample``) are gathered as a session table
  (``dosecurve.data.shards.gather_sessions``).

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

# what the parts read of the events (a shard's events hold every definition's)
EVENT_COLUMNS = ("client", "stratum", "eligible", "time", "event", "definition")

Make = Callable[[pd.DataFrame, pd.DataFrame, DatasetSettings, Mapping[str, Any]], pd.DataFrame]


@dataclass(frozen=True)
class Part:
    """One reduction of the session rows: how it is made from a table of whole clients
    (its session rows, the events of its clients or of all, the data set's settings and the
    step's analysis settings), and how the shards' parts are gathered."""

    make: Make
    gather: Callable[[Sequence[pd.DataFrame]], pd.DataFrame]
    # the events it reads: its own clients' (primary definition), or a sample drawn from
    # every client's (drawn once for all shards: ``sample``), or none
    events: Literal["own", "sample", "none"]
    # the session columns it reads beyond client, session and score
    more_columns: Callable[[DatasetSettings], Sequence[str]] = lambda s: ()

    def columns(self, settings: DatasetSettings) -> list[str]:
        """The columns of the session table it reads."""
        return ["client", "session", "score", *self.more_columns(settings)]


def rows_of(sessions: pd.DataFrame, clients: pd.DataFrame) -> pd.DataFrame:
    """The scored session rows (``client, session, score``) of ``clients`` (their events
    rows), in the table's order; a categorical id column keeps only their ids (a sample of
    a few hundred clients from each shard would otherwise carry every client's id, and their
    gather all ten million)."""
    keep = (codes_in(sessions["client"], pd.Index(clients["client"].astype(str))) >= 0) & (
        sessions["score"].notna().to_numpy()
    )
    rows = sessions.loc[keep, ["client", "session", "score"]].reset_index(drop=True)
    if isinstance(rows["client"].dtype, pd.CategoricalDtype):
        rows["client"] = rows["client"].cat.remove_unused_categories()
    return rows


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


def _growth_sample(events, step):
    from dosecurve.stats import growth

    return growth.sample_clients(events, growth.Settings(**step))


def _ending_sample(events, step):
    from dosecurve.stats import ending_sensitivity as ending

    return ending.sample_clients(events, ending.Settings(**step))


# the clients a sampled part is drawn for, from every client's events and the step's settings
SAMPLES: dict[str, Callable[[pd.DataFrame, Mapping[str, Any]], pd.DataFrame]] = {
    "growth_rows": _growth_sample,
    "ending_rows": _ending_sample,
}


def sample(name: str, events: pd.DataFrame, step: Mapping[str, Any]) -> pd.DataFrame:
    """The clients (``client``) whose session rows sampled part ``name`` holds, in order."""
    return SAMPLES[name](events, step)[["client"]].reset_index(drop=True)


def _sampled_rows(sessions, clients, s, step):
    return rows_of(sessions, clients)


def _add_counts(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    from dosecurve.outcomes.score_counts import add_counts

    return add_counts(parts)


PARTS: dict[str, Part] = {
    # first and last score of every scored client: the Jacobson plot, calibration
    "first_last": Part(_first_last, gather_clients, "none"),
    # pre-post pairs with their grouping columns: the pre-post tables
    "prepost": Part(
        _prepost,
        gather_clients,
        "none",
        lambda s: [c for c in s.prepost.group_by if c != "stratum"],
    ),
    # intake and score at the event: the Jacobson plot at the event
    "event_pairs": Part(_event_pairs, gather_clients, "own"),
    # scores counted by stratum, improvement and session: trajectories, expected recovery
    "score_counts": Part(_score_counts, _add_counts, "own"),
    # the growth models' sample of clients, and the ending sensitivity's
    "growth_rows": Part(_sampled_rows, gather_sessions, "sample"),
    "ending_rows": Part(_sampled_rows, gather_sessions, "sample"),
}


def part_table(
    name: str,
    inputs: Mapping[str, Any],
    settings: DatasetSettings,
    step: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Part ``name`` of a step's inputs (as ``dosecurve.results.read_results`` reads them):
    its shards' tables gathered when they are given (a list under ``name``), else made
    from the session table (``sessions``: the whole table, or a shard's) with ``events``
    (a sampled part: the clients drawn, ``sample``, when given, else drawn from them)."""
    part, step = PARTS[name], step or {}
    given = inputs.get(name)
    if given is not None:
        return part.gather(list(given) if isinstance(given, list | tuple) else [given])
    events = inputs.get("events") if part.events != "none" else None
    if part.events == "sample":
        events = inputs["sample"] if "sample" in inputs else sample(name, events, step)
    return part.make(inputs["sessions"], events, settings, step)


def own_events(events: pd.DataFrame, primary: str) -> pd.DataFrame:
    """A shard's events of the primary definition (a shard keeps every definition's)."""
    return events.loc[events["definition"] == primary].drop(columns="definition")


def with_parts(
    inputs: Mapping[str, Any], names: Sequence[str], settings: DatasetSettings
) -> dict[str, Any]:
    """``inputs`` with each part of ``names`` that is a part (``PARTS``) as one table."""
    return {**inputs, **{n: part_table(n, inputs, settings) for n in names if n in PARTS}}
