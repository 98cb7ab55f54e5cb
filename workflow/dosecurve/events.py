"""From a validated session table to one time-to-event record per client.

Definition (walking skeleton: clinically significant improvement, first time met):

* baseline = the client's first scored assessment (session 0 when it has a score);
* eligible = baseline on the clinical side of the cutoff, a later scored assessment,
  and a baseline inside the severity bands;
* event = first later assessment whose change from baseline in the better direction
  is at least the reliable-change value *and* whose score is on the functional side of
  the cutoff; time = that assessment's session (dose);
* otherwise right-censored at the last scored assessment.

Everything is a vectorised pass over the table sorted by client and session.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dosecurve.instruments import Instrument
from dosecurve.severity import Band, assign_stratum

# Tolerance for "change of at least the reliable-change value" on decimal scores
# (20.3 - 15.3 is 4.999999999999998 in floating point).
TOLERANCE = 1e-9

REASONS = (
    ("no_score", "no score recorded"),
    ("not_clinical", "not clinical at intake (baseline on the functional side of the cutoff)"),
    ("no_follow_up", "no scored assessment after the baseline"),
    ("outside_bands", "baseline outside the severity bands"),
)
EVENT_COLUMNS = [
    "client",
    "stratum",
    "baseline",
    "eligible",
    "time",
    "event",
    "sessions_attended",
    "excluded",
]


def derive_events(
    sessions: pd.DataFrame, *, instrument: Instrument, bands: Sequence[Band]
) -> pd.DataFrame:
    """One row per input client with eligibility, time and event indicator.

    Columns: ``client, stratum, baseline, eligible, time, event, sessions_attended,
    excluded`` (the exclusion reason code, empty when eligible). ``time`` and ``event``
    are empty for ineligible clients.
    """
    clients = pd.Index(sessions["client"].unique(), name="client")
    attended = sessions.groupby("client", sort=False)["session"].max().reindex(clients)
    scored = sessions.loc[sessions["score"].notna(), ["client", "session", "score"]]
    first = scored.groupby("client", sort=False).head(1).set_index("client")
    baseline = first["score"].reindex(clients)
    base_session = first["session"].reindex(clients)
    n_scored = scored.groupby("client", sort=False).size().reindex(clients, fill_value=0)
    last_session = scored.groupby("client", sort=False)["session"].max().reindex(clients)

    follow = scored[scored["session"] > scored["client"].map(base_session)]
    change = instrument.improvement(follow["client"].map(baseline), follow["score"])
    met = (change >= instrument.reliable_change - TOLERANCE) & ~instrument.is_clinical(
        follow["score"]
    )
    first_met = follow.loc[met].groupby("client", sort=False)["session"].min().reindex(clients)

    stratum = assign_stratum(baseline, bands)
    excluded = pd.Series("", index=clients, dtype=object)
    checks = {
        "outside_bands": stratum.isna(),
        "no_follow_up": n_scored < 2,
        "not_clinical": ~instrument.is_clinical(baseline),
        "no_score": baseline.isna(),
    }
    for code, mask in checks.items():  # later checks overwrite: the first reason wins
        excluded[mask.to_numpy()] = code
    eligible = excluded == ""
    event = first_met.notna() & eligible
    time = first_met.where(event, last_session).where(eligible)
    out = pd.DataFrame(
        {
            "stratum": stratum.where(eligible),
            "baseline": baseline,
            "eligible": eligible,
            "time": time.astype("Int64"),
            "event": event.astype("Int64").where(eligible),
            "sessions_attended": attended.astype("int64"),
            "excluded": excluded,
        },
        index=clients,
    ).reset_index()
    return out[EVENT_COLUMNS]


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
