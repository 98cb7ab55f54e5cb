"""Ids as integer codes: text conversions once per distinct id, and sorting and
duplicate detection on codes, so tens of millions of session rows never hash text ids."""

from __future__ import annotations

import numpy as np
import pandas as pd


def per_distinct(values: pd.Series, func, missing: object = np.nan) -> pd.Series:
    """``func`` (a vectorised text transformation) applied once per distinct value and
    spread back to the rows as a categorical (one code per row, not one text object);
    missing values become ``missing``."""
    codes, uniques = pd.factorize(values)
    mapped = pd.Series(np.append(np.asarray(func(pd.Series(uniques, dtype=object)),
                                            dtype=object), missing))  # fmt: skip
    new_codes, categories = pd.factorize(mapped)
    return pd.Series(
        pd.Categorical.from_codes(new_codes[codes], categories=categories), index=values.index
    )


def sorted_keys(out: pd.DataFrame) -> tuple[np.ndarray, bool]:
    """The order sorting rows by client (in the ids' text order) and session, and whether
    any client-session pair repeats (seen as equal neighbours once sorted: no hash table
    over tens of millions of keys)."""
    client = text_order(out["client"]).astype(np.int64)
    session = out["session"].to_numpy().astype(np.int64)
    order = np.lexsort((session, client))
    key = client[order] * (int(session.max()) + 1 if len(session) else 1) + session[order]
    return order, bool((key[1:] == key[:-1]).any())


def text_order(ids: pd.Series) -> np.ndarray:
    """Integer codes of ids that sort as the id texts do."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        rank = np.argsort(np.argsort(np.asarray(ids.cat.categories.astype(str)), kind="stable"))
        return rank[ids.cat.codes.to_numpy()]
    return pd.factorize(ids, sort=True)[0]
