"""Client shards: the split is a fixed function of the id as validation reads it, every
shard holds whole clients, and what is gathered from the shards equals what the whole
table gives (the same rows in the same order, to the bit)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from dosecurve.config import parse_dataset
from dosecurve.data import shards
from dosecurve.data.sessions import SessionsSummary, validate_sessions
from dosecurve.outcomes.events import derive_all, flow_by_definition
from dosecurve.parts import PARTS, own_events, part_table, sample
from dosecurve.simulation.simulate import simulate_sessions
from dosecurve.simulation.spec import PRESETS

COLUMNS = {
    "client": "client",
    "session": "session",
    "score": "score",
    "therapist": "therapist",
    "end_reason": "end_reason",
}
DATASET = {
    "path": "x.parquet",
    "columns": COLUMNS,
    "events": {
        "definitions": [
            {"name": "csi", "definition": "clinically_significant"},
            {"definition": "reliable_improvement"},
        ]
    },
    "prepost": {"group_by": ["stratum", "therapist"]},
}
STEP = {"growth_rows": {"max_clients": 300}, "ending_rows": {"max_clients": 250, "seed": 4}}


def test_the_shard_is_a_fixed_function_of_the_id_as_validation_reads_it():
    # frozen values: a change in the hash would move clients between shards of old runs
    ids = pd.Series(["A", "A ", " A", "B", "client-001", "7"])
    assert shards.shard_of(ids, 8).tolist() == [3, 3, 3, 6, 0, 0]
    # whole-number ids stored as numbers are the text validation makes of them
    assert shards.shard_of(pd.Series([7, 12, 300]), 8).tolist() == [0, 5, 0]
    assert shards.shard_of(pd.Series([7.0, 12.0, 300.0]), 8).tolist() == [0, 5, 0]
    assert shards.shard_of(pd.Series(["7", "12", "300"], dtype="category"), 8).tolist() == [0, 5, 0]
    assert shards.shard_of(ids, 1).tolist() == [0] * 6


def test_ids_with_decimals_are_refused_rather_than_read_two_ways():
    with pytest.raises(ValueError, match=r"f\.csv: column 'id' .*decimals.*shards: 1"):
        shards.split_frame(pd.DataFrame({"id": [1.0, 2.5]}), "id", 2, "f.csv")


def test_auto_makes_one_shard_per_50_million_rows():
    assert [shards.auto_shards(n) for n in (0, 50_000_000, 50_000_001, 454_000_000)] == [
        1,
        1,
        2,
        10,
    ]


def raw_sessions(n_clients=1500, seed=11) -> pd.DataFrame:
    """A service's export: text ids in file order (not sorted), therapists, endings."""
    spec = replace(PRESETS["nordmo2021"], n_clients=n_clients, seed=seed, n_therapists=40)
    table = simulate_sessions(spec)
    table = table.astype({c: str for c in ("client", "therapist", "end_reason")})
    return table.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # any order


def validate(raw: pd.DataFrame, whole_file: bool = True):
    s = parse_dataset(DATASET, "x")
    return validate_sessions(
        raw, columns=COLUMNS, instrument=s.instrument, source="x.parquet", whole_file=whole_file
    )


def derive(sessions: pd.DataFrame):
    s = parse_dataset(DATASET, "x")
    return derive_all(sessions, instrument=s.instrument, bands=s.bands, definitions=s.definitions)


@pytest.fixture(scope="module")
def split_run():
    """The whole table's sessions and events, and each of 4 shards'."""
    raw = raw_sessions()
    whole, summary = validate(raw)
    events, flow = derive(whole)
    parts = shards.split_frame(raw, "client", 4, "x.parquet")
    validated = [validate(part, whole_file=False) for part in parts]
    return {
        "raw": raw,
        "whole": whole,
        "summary": summary,
        "events": events,
        "flow": flow,
        "parts": parts,
        "sessions": [v[0] for v in validated],
        "summaries": [v[1] for v in validated],
        "shard_events": [derive(v[0])[0] for v in validated],
    }


def test_every_shard_holds_whole_clients_and_every_row_once(split_run):
    parts = split_run["parts"]
    clients = [set(p["client"]) for p in parts]
    assert all(len(c) > 200 for c in clients)  # about a quarter each
    assert sum(len(c) for c in clients) == len(set().union(*clients))  # no client in two
    rows = np.sort(np.concatenate([p[shards.ROW_COLUMN].to_numpy() for p in parts]))
    assert rows.tolist() == list(range(1, len(split_run["raw"]) + 1))
    for part in parts:  # file order kept within a shard
        assert part[shards.ROW_COLUMN].is_monotonic_increasing


def test_gathered_sessions_events_flow_and_checks_equal_the_whole_files(split_run):
    gathered = shards.gather_sessions(split_run["sessions"])
    pd.testing.assert_frame_equal(gathered, split_run["whole"], check_exact=True)
    events = shards.gather_clients(split_run["shard_events"], ["csi", "reliable_improvement"])
    pd.testing.assert_frame_equal(events, split_run["events"], check_exact=True)
    pd.testing.assert_frame_equal(flow_by_definition(events), split_run["flow"])
    total = shards.gather_summaries(split_run["summaries"], check=True, source="x")
    assert total == split_run["summary"]
    frames = [shards.summary_frame(s) for s in split_run["summaries"]]
    assert [shards.summary_of(f) for f in frames] == split_run["summaries"]


@pytest.mark.parametrize("name", sorted(PARTS))
def test_each_part_gathered_from_the_shards_equals_the_whole_tables(split_run, name):
    s = parse_dataset(DATASET, "x")
    primary = own_events(split_run["events"], "csi")
    step = STEP.get(name, {})
    whole = part_table(name, {"sessions": split_run["whole"], "events": primary}, s, step)
    made = []
    for sessions, events in zip(split_run["sessions"], split_run["shard_events"], strict=True):
        inputs = {"sessions": sessions, "events": own_events(events, "csi")}
        if PARTS[name].events == "sample":  # drawn once from every client's events
            inputs = {"sessions": sessions, "sample": sample(name, primary, step)}
        made.append(part_table(name, inputs, s, step))
    gathered = part_table(name, {name: made}, s, step)
    assert len(whole) > 100
    pd.testing.assert_frame_equal(gathered, whole, check_exact=True)
    if name.endswith("_rows"):  # a sample: fewer clients than the eligible
        assert whole["client"].nunique() == STEP[name]["max_clients"]
        # a shard's part names only its sampled clients, not every client of the shard
        assert all(len(m["client"].cat.categories) == m["client"].nunique() for m in made)


def test_split_parquet_streams_into_the_same_shards(tmp_path, monkeypatch, split_run):
    raw = split_run["raw"]
    raw.to_parquet(tmp_path / "x.parquet", index=False)
    monkeypatch.setattr(shards, "BATCH_ROWS", 4001)  # many batches, shards split across them
    written: dict[int, list] = {i: [] for i in range(4)}
    rows = shards.split_parquet(
        str(tmp_path / "x.parquet"), "client", 4, lambda i, t: written[i].append(t), "x"
    )
    assert rows == len(raw)
    for i, part in enumerate(split_run["parts"]):
        streamed = pd.concat([t.to_pandas() for t in written[i]], ignore_index=True)
        pd.testing.assert_frame_equal(streamed, part, check_dtype=False)


def test_an_error_in_a_shard_names_the_row_of_the_file():
    raw = pd.DataFrame(
        {"client": list("aabbccdd"), "session": [0, 1] * 4, "score": [20, 9, 22, 18, 25, 99, 30, 5]}
    )
    part = next(p for p in shards.split_frame(raw, "client", 3, "f.csv") if "c" in set(p["client"]))
    with pytest.raises(ValueError, match=r"outside .* in data rows 6 \(clients c\)"):
        validate(part.assign(therapist="t", end_reason=""), whole_file=False)


def test_the_intake_check_is_made_on_every_shard_together():
    # each shard alone would pass or fail differently; together most clients lack an intake
    a = SessionsSummary(10, 4, 0, 0, clients_without_intake_score=1, clients_scored=4)
    b = SessionsSummary(10, 4, 0, 0, clients_without_intake_score=4, clients_scored=4)
    with pytest.raises(ValueError, match="5 of 8 clients with a score have none at session 0"):
        shards.gather_summaries([a, b], check=True, source="f.csv")
    assert shards.gather_summaries([a, b], check=False, source="f.csv").rows_read == 20


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"layout": "wide"}, "a wide file"),
        (
            {"session_from": "date", "columns": {**COLUMNS, "date": "d"}},
            "date_format",
        ),
    ],
)
def test_shards_are_refused_where_a_shard_could_read_the_file_differently(extra, message):
    s = parse_dataset({**DATASET, "shards": 2, **extra}, "x")
    with pytest.raises(ValueError, match=message):
        shards.shard_count(s)


def test_a_pool_is_not_sharded_itself_and_auto_reads_the_parquet_footer(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="set shards on its members"):
        shards.shard_count(parse_dataset({"pool": ["a", "b"], "shards": 2}, "p"))
    path = tmp_path / "x.parquet"
    pd.DataFrame({"client": ["a"] * 25, "session": range(25), "score": 1.0}).to_parquet(path)
    monkeypatch.setattr(shards, "ROWS_PER_SHARD", 10)
    assert shards.shard_count(parse_dataset({**DATASET, "path": str(path)}, "x")) == 3
    csv = parse_dataset({**DATASET, "path": str(tmp_path / "x.csv")}, "x")
    assert shards.shard_count(csv) == 1  # auto: only a Parquet file's rows are known
