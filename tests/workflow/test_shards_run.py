"""A data set read in shards (the clinics run's ``defs_split``: ``defs`` in three shards of
whole clients) gives the same files, byte for byte, as read whole; a simulated member read
in shards pools like any other."""

from __future__ import annotations

import pandas as pd
import pytest
from runs import SPLIT_FILES

pytestmark = pytest.mark.workflow


@pytest.mark.parametrize("file", SPLIT_FILES)
def test_read_in_shards_gives_the_same_file(clinics, file):
    whole = (clinics / "results/defs" / file).read_bytes()
    split = (clinics / "results/defs_split" / file).read_bytes()
    assert len(whole) > 30
    assert split == whole


def test_shards_hold_whole_clients_and_the_session_table_is_never_gathered(clinics):
    folder = clinics / "results/defs_split"
    clients = [
        set(pd.read_parquet(folder / f"shards/{i}/sessions.parquet")["client"].astype(str))
        for i in range(3)
    ]
    assert all(clients)  # the tiny file's clients land in every shard
    assert sum(map(len, clients)) == len(set().union(*clients))
    events = pd.read_parquet(folder / "events.parquet")
    assert set().union(*clients) == set(events["client"])
    assert not (folder / "sessions.parquet").exists()
    log = (folder / "logs/split_sessions.log").read_text()
    assert "split into 3 shards by client" in log


def test_a_member_read_in_shards_is_pooled_with_every_client(clinics):
    sim_b = clinics / "results/sim_b"
    assert (sim_b / "shards/1/events.parquet").exists()
    flow = pd.read_csv(sim_b / "flow.csv")
    assert flow.loc[flow["status"] == "read", "n"].item() == 70
    pooled = pd.read_parquet(clinics / "results/both/sessions.parquet")
    assert pooled.loc[pooled["client"].str.startswith("sim_b:"), "client"].nunique() == 70
