"""Ids as integer codes: text conversions once per distinct id, and sorting and
duplicate detection on codes, so tens of millions of session rows never hash text ids."""

from __future__ import annotations

import numpy as np
import pandas as pd


def per_distinct(values: pd.Series, func, missing: object = np.nan) -> pd.Series:
    """``func`` (a vectorised text transformation) applied once per distinct value and
    spread back to the rows as a categorical (one code per row, not one text object);
    missing values become ``missing``. A categorical's codes are reused as they are
    when ``func`` changes no category (ids read as text already)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, uniques = pd.factorize(values)
    mapped = np.asarray(func(pd.Series(uniques, dtype=object)), dtype=object)
    remap, categories = pd.factorize(
        np.append(mapped, np.array([missing], dtype=object))
    )  # codes[-1] -> missing
    same = np.array_equal(remap[: len(uniques)], np.arange(len(uniques)))
    if not (same and (remap[-1] == -1 or not (codes == -1).any())):
        codes = remap[codes]
    dtype = pd.CategoricalDtype(categories)
    return pd.Series(
        pd.Categorical.from_codes(codes, dtype=dtype, validate=False), index=values.index
    )


def sorted_keys(out: pd.DataFrame) -> tuple[np.ndarray | None, bool]:
    """The order sorting rows by client (in the ids' text order) and session (``None``
    when the rows are in that order already), and whether any client-session pair
    repeats (seen as equal neighbours once sorted: no hash table over tens of millions
    of keys). A file already sorted costs one linear pass; otherwise a stable sort of
    one integer key, which is linear on runs already in order."""
    client = text_order(out["client"])
    session = out["session"].to_numpy()
    if in_order(client, session):
        return None, False
    key = client.astype(np.int64) * (int(session.max()) + 1) + session
    order = np.argsort(key, kind="stable")
    key = key[order]
    return order, bool((key[1:] == key[:-1]).any())


def in_order(first: np.ndarray, second: np.ndarray, block: int = 2**20) -> bool:
    """Whether the pairs (first, second) strictly increase row by row, checked a block
    of rows at a time so that the comparisons stay in the processor's cache."""
    for start in range(0, max(len(first) - 1, 0), block):
        a, b = first[start : start + block + 1], second[start : start + block + 1]
        same = a[1:] == a[:-1]
        if not ((a[1:] > a[:-1]) | (same & (b[1:] > b[:-1]))).all():
            return False
    return True


def text_order(ids: pd.Series) -> np.ndarray:
    """Integer codes of ids that sort as the id texts do."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        rank = np.argsort(np.argsort(np.asarray(ids.cat.categories.astype(str)), kind="stable"))
        return rank[ids.cat.codes.to_numpy()]
    return pd.factorize(ids, sort=True)[0]


def cluster_labels(therapist: pd.Series, client: pd.Series | None) -> np.ndarray:
    """Therapist ids as cluster labels for robust SEs; a client whose therapist is unknown
    (missing) is a cluster of its own (named by ``client``, else by row), never one therapist
    called 'nan'.

    >>> cluster_labels(pd.Series(["t1", None, None]), pd.Series(["a", "b", "c"])).tolist()
    ['t1', 'unknown therapist: b', 'unknown therapist: c']
    """
    labels = therapist.astype(object).to_numpy().copy()
    missing = pd.isna(labels)
    if missing.any():
        names = np.arange(len(labels)).astype(str) if client is None else client.astype(str)
        labels[missing] = "unknown therapist: " + np.asarray(names, dtype=object)[missing]
    return labels.astype(str)


def cluster_codes(therapist: pd.Series) -> np.ndarray:
    """Therapist ids as integer cluster codes for robust SEs (therapists in text order), a
    client whose therapist is unknown (missing) a cluster of its own: what
    ``cluster_labels`` names, without making ten million labels.

    >>> cluster_codes(pd.Series(["t2", None, "t1", "t2", None])).tolist()
    [1, 2, 0, 1, 3]
    """
    codes = pd.factorize(therapist, sort=True)[0].astype(np.int64)
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(missing.sum())
    return codes


def codes_in(clients: pd.Series, ids: pd.Index) -> np.ndarray:
    """Each row's position of its client in ``ids`` (text), -1 when not there: one lookup
    per distinct id when the rows' ids are categorical (tens of millions of session rows
    never become text objects).

    >>> codes_in(pd.Series(["b", "a", "c", "b"], dtype="category"), pd.Index(["b", "c"]))
    array([ 0, -1,  1,  0])
    """
    if isinstance(clients.dtype, pd.CategoricalDtype):
        per_category = ids.get_indexer(clients.cat.categories.astype(str))
        codes = clients.cat.codes.to_numpy()
        return np.where(codes >= 0, per_category[codes], -1)
    return ids.get_indexer(clients.astype(str))
