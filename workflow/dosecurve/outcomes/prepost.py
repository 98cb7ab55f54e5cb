"""The pre-post clinical-significance analysis: first against last assessment, overall
and by group, with mean scores, effect sizes and the reliable-change constants used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from dosecurve.measures.instruments import Instrument
from dosecurve.measures.reliable_change import (
    CRITICAL,
    category_table,
    classify,
    ha_reliability_of_difference,
    prepost_effect,
    sample_stats,
)
from dosecurve.measures.severity import Band, assign_stratum


def prepost_pairs(sessions: pd.DataFrame, *, post: str | int = "last") -> pd.DataFrame:
    """Pre (baseline) and post score per client: ``client, pre, post, pre_session, post_session``.

    Pre is the first scored assessment; post the last scored one after it (``"last"``),
    or the last at or before session ``post``. Clients without a post score are left out.
    Computed on integer client codes over the sorted assessments (no grouping on text ids).
    """
    scored = sessions.loc[sessions["score"].notna(), ["client", "session", "score"]]
    codes, ids = pd.factorize(scored["client"])
    session = scored["session"].to_numpy()
    score = scored["score"].to_numpy(float)
    order = np.lexsort((session, codes))
    codes, session, score = codes[order], session[order], score[order]
    start = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, bool)
    first = np.flatnonzero(start)  # the k-th client's first row (codes run 0, 1, ...)
    later = session > session[first[codes]]
    if post != "last":
        later &= session <= int(post)
    rows = np.flatnonzero(later)
    last = rows[np.r_[codes[rows][1:] != codes[rows][:-1], True]] if len(rows) else rows
    pre = first[codes[last]]
    return pd.DataFrame(
        {
            "client": np.asarray(ids, dtype=object)[codes[last]],
            "pre": score[pre],
            "post": score[last],
            "pre_session": session[pre],
            "post_session": session[last],
        }
    )


@dataclass(frozen=True)
class PrePostResult:
    """The pre-post tables of one data set."""

    categories: pd.DataFrame
    by_group: pd.DataFrame
    effects: pd.DataFrame
    reliable_change: pd.DataFrame


def prepost_analysis(
    pairs: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    method: str,
    instrument: Instrument,
    clients_read: int,
    conf_level: float = 0.95,
) -> PrePostResult:
    """Classify every client with a pre and post score, overall and by each group column.

    ``groups`` has a ``client`` column and one column per grouping (for example
    ``stratum``, ``treatment``). Sample statistics come from all classified clients.
    """
    pre, post = pairs["pre"].to_numpy(float), pairs["post"].to_numpy(float)
    data = pairs.merge(groups, on="client", how="left")
    needs_sample = method != "jt" and len(pairs) < 3
    if needs_sample or len(pairs) == 0:
        data["category"] = pd.Series(np.nan, index=data.index, dtype=object)
        note = f"not estimable: {len(pairs)} client(s) with a pre and a post score" + (
            f"; {method.upper()} needs at least 3" if needs_sample else ""
        )
    else:
        data["category"] = classify(pre, post, method=method, instrument=instrument)
        note = ""
    overall = category_table(data["category"]).assign(
        clients_read=clients_read, clients_used=len(pairs), note=note
    )
    parts, effects = (
        [],
        [{"grouping": "all", "group": "all", **_effect(data, instrument, conf_level)}],
    )
    for column in groups.columns.drop("client"):
        for value, part in data.groupby(column, sort=True, observed=True):
            table = category_table(part["category"])
            parts.append(table.assign(grouping=column, group=str(value)))
            effects.append(
                {"grouping": column, "group": str(value), **_effect(part, instrument, conf_level)}
            )
    by_group = (
        pd.concat(parts, ignore_index=True)[["grouping", "group", "category", "n", "percent"]]
        if parts
        else pd.DataFrame(columns=["grouping", "group", "category", "n", "percent"])
    )
    return PrePostResult(
        overall, by_group, pd.DataFrame(effects), _rc_table(pre, post, method, instrument)
    )


def _effect(part: pd.DataFrame, instrument: Instrument, conf_level: float) -> dict[str, float]:
    if len(part) < 3:
        keys = [
            "n",
            "m_pre",
            "sd_pre",
            "m_post",
            "sd_post",
            "r_prepost",
            "d",
            "d_ci_lower",
            "d_ci_upper",
        ]
        return {**dict.fromkeys(keys, np.nan), "n": len(part)}
    return prepost_effect(
        part["pre"].to_numpy(float),
        part["post"].to_numpy(float),
        instrument=instrument,
        conf_level=conf_level,
    )


def _rc_table(pre: np.ndarray, post: np.ndarray, method: str, inst: Instrument) -> pd.DataFrame:
    s = sample_stats(pre, post)
    crit = inst.reliable_change if method == "jt" else CRITICAL[method]
    se = s.sd_pre * np.sqrt(1 - inst.reliability) if inst.reliability is not None else np.nan
    row = {
        "method": method.upper(),
        "critical_value": crit,
        "critical_scale": "points" if method == "jt" else "z",
        "reliable_change_points": inst.reliable_change,
        "reliable_change_rule": "greater than" if inst.rc_strict else "at least",
        "reliability": inst.reliability,
        "se_measurement": se,
        "cutoff": inst.cutoff,
        "cutoff_type": inst.cutoff_type,
        **asdict(s),
    }
    if method == "ha":
        row["r_dd"] = ha_reliability_of_difference(s, se)
    return pd.DataFrame([row])


def prepost_clients(
    sessions: pd.DataFrame, *, post: str | int = "last", group_by: Sequence[str] = ()
) -> pd.DataFrame:
    """Everything per client the pre-post analysis reads from the session table: one row
    per client of the table (in its order) with ``client, pre, post`` (missing where the
    client has no pair: ``prepost_pairs``) and each grouping column other than ``stratum``
    (the client's first row's value)."""
    pairs = prepost_pairs(sessions, post=post)[["client", "pre", "post"]]
    ids = np.asarray(pd.unique(sessions["client"]), dtype=object)
    out = pd.DataFrame({"client": ids}).merge(pairs, on="client", how="left", sort=False)
    others = [c for c in group_by if c != "stratum"]
    if others:
        per_client = sessions.groupby("client", sort=False, observed=True)[others].first()
        for column in others:
            out[column] = per_client[column].reindex(out["client"]).to_numpy()
    return out


def paired(clients: pd.DataFrame) -> pd.DataFrame:
    """The clients of ``prepost_clients`` with a pre and a post score."""
    return clients.loc[clients["post"].notna()].reset_index(drop=True)


def client_groups(
    clients: pd.DataFrame, bands: Sequence[Band], group_by: Sequence[str]
) -> pd.DataFrame:
    """Grouping columns per classified client (rows of ``prepost_clients``): ``stratum``
    from the pre score, any other column as carried."""
    out = pd.DataFrame({"client": clients["client"].to_numpy()})
    for column in group_by:
        if column == "stratum":
            out[column] = assign_stratum(clients["pre"], bands).to_numpy()
        else:
            out[column] = clients[column].to_numpy()
    return out
