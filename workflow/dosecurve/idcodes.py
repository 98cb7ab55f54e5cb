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
    remap, categories = pd.factorize(np.append(mapped, missing))  # codes[-1] -> missing
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
    client = text_order(out["client"]).astype(np.int64)
    session = out["session"].to_numpy().astype(np.int64)
    key = client * (int(session.max()) + 1 if len(session) else 1) + session
    if bool((key[1:] > key[:-1]).all()):
        return None, False
    order = np.argsort(key, kind="stable")
    key = key[order]
    return order, bool((key[1:] == key[:-1]).any())


def text_order(ids: pd.Series) -> np.ndarray:
    """Integer codes of ids that sort as the id texts do."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        rank = np.argsort(np.argsort(np.asarray(ids.cat.categories.astype(str)), kind="stable"))
        return rank[ids.cat.codes.to_numpy()]
    return pd.factorize(ids, sort=True)[0]
