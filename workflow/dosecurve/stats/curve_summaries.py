"""Summaries read off the Kaplan-Meier curves: quantiles, restricted means, the answer
under each event definition, and a pooled data set's members side by side."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from dosecurve.stats.distributions import normal_quantile
from dosecurve.stats.kaplan_meier import (
    ALL,
    StrataCurves,
    fit_by_stratum,
    improved_by_session,
    kaplan_meier,
    km_quantile,
    median_table,
)
from dosecurve.stats.logrank import logrank_tests


def quantile_table(
    fit: StrataCurves, probs: Sequence[float] = (0.25, 0.5, 0.75, 0.95)
) -> pd.DataFrame:
    """Sessions by which each proportion has improved, with CI (R ``quantile.survfit``);
    empty = not reached."""
    rows = [
        dict(zip(("sessions", "ci_lower", "ci_upper"), km_quantile(curve, p), strict=True))
        | {"stratum": name, "improved": p}
        for name, curve in fit.curves.items()
        for p in probs
    ]
    columns = ["stratum", "improved", "sessions", "ci_lower", "ci_upper"]
    return pd.DataFrame(rows, columns=columns)


# the columns of the stacked events the sensitivity table reads (ten million clients per
# definition: the others are gigabytes)
SENSITIVITY_COLUMNS = ("definition", "eligible", "time", "event", "unconfirmed")


def sensitivity_table(
    events: pd.DataFrame,
    definitions: Sequence[tuple[str, str]],
    *,
    session: int = 26,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> pd.DataFrame:
    """Events, median and % improved by ``session`` for each definition, side by side,
    and how many events are unconfirmed (at the client's last assessment: no later one
    confirms them) with the median when those are censored instead.

    ``events`` is the stacked table with a ``definition`` column; ``definitions`` pairs
    each name with a plain-words description.
    """
    rows = []
    for name, described in definitions:
        part = events.loc[(events["definition"] == name) & events["eligible"].astype(bool)]
        row: dict[str, object] = {"definition": name, "description": described, "n": len(part)}
        if len(part) == 0:
            rows.append({**row, "events": 0, "note": "not estimable: no eligible clients"})
            continue
        curve = kaplan_meier(
            part["time"].to_numpy(),
            part["event"].to_numpy(),
            conf_level=conf_level,
            conf_type=conf_type,
        )
        median, lower, upper = km_quantile(curve, 0.5)
        improved = improved_by_session(StrataCurves({ALL: curve}), [session]).iloc[0]
        unconfirmed = (
            part["unconfirmed"].fillna(False).astype(bool).to_numpy()
            if "unconfirmed" in part
            else np.zeros(len(part), bool)
        )
        event = part["event"].to_numpy(int)
        censored = kaplan_meier(part["time"].to_numpy(), np.where(unconfirmed, 0, event))
        rows.append(
            {
                **row,
                "events": int(part["event"].sum()),
                "median": median,
                "ci_lower": lower,
                "ci_upper": upper,
                f"improved_{session}": improved["improved"],
                f"improved_{session}_ci_lower": improved["ci_lower"],
                f"improved_{session}_ci_upper": improved["ci_upper"],
                "unconfirmed": int((unconfirmed & (event == 1)).sum()),
                "median_unconfirmed_censored": km_quantile(censored, 0.5)[0],
                "note": "",
            }
        )
    return pd.DataFrame(rows)


def by_dataset(
    events: pd.DataFrame, members: Sequence[str], *, conf_level: float = 0.95
) -> pd.DataFrame:
    """Median sessions per member data set of a pooled analysis, with a log-rank test.

    The data set takes the place of the severity stratum; the pooled row is ``all``.
    """
    as_strata = events.assign(stratum=events["dataset"])
    table = median_table(fit_by_stratum(as_strata, members, conf_level=conf_level))
    test = logrank_tests(as_strata, members)[0].iloc[0]
    return table.assign(
        logrank_statistic=test["statistic"], logrank_df=test["df"], logrank_p=test["p_value"]
    )


def restricted_mean(curve: pd.DataFrame, horizon: float) -> tuple[float, float]:
    """Restricted mean sessions without improvement up to ``horizon``, and its SE.

    The area under the Kaplan-Meier step function from 0 to ``horizon``, integrated
    exactly; the SE is ``sqrt(sum A_i^2 d_i / (n_i (n_i - d_i)))`` over event times
    ``t_i <= horizon`` with ``A_i`` the area from ``t_i`` to the horizon (R
    ``print(survfit, rmean = horizon)``).
    """
    times = curve["time"].to_numpy(float)
    surv = curve["surv"].to_numpy(float)
    inside = times <= horizon
    edges = np.concatenate([[0.0], times[inside], [horizon]])
    level = np.concatenate([[1.0], surv[inside]])
    pieces = np.diff(edges) * level
    area = float(pieces.sum())
    after = np.cumsum(pieces[::-1])[::-1][1:]  # area from each time to the horizon
    n = curve["at_risk"].to_numpy(float)[inside]
    d = curve["events"].to_numpy(float)[inside]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where((d > 0) & (n > d), after**2 * d / (n * (n - d)), 0.0)
    return area, float(np.sqrt(terms.sum()))


def restricted_mean_table(
    fit: StrataCurves, horizon: float | None = None, *, conf_level: float = 0.95
) -> pd.DataFrame:
    """Restricted mean sessions without improvement to ``horizon`` per stratum, and the
    difference of each stratum from the first (mildest) with a normal-theory CI.

    Without a horizon, the shortest of the strata's follow-ups is used, so that every
    curve is estimated up to it.
    """
    if horizon is None:
        ends = [c["time"].iloc[-1] for name, c in fit.curves.items() if name != ALL]
        horizon = float(min(ends)) if ends else float("nan")
    z = float(normal_quantile(0.5 + conf_level / 2))
    rows = []
    for name, curve in fit.curves.items():
        mean, se = restricted_mean(curve, horizon)
        rows.append({"stratum": name, "horizon": horizon, "rmst": mean, "se": se})
    table = pd.DataFrame(rows, columns=["stratum", "horizon", "rmst", "se"])
    strata = table[table["stratum"] != ALL]
    if len(strata):
        ref = strata.iloc[0]
        diff = table["rmst"] - ref["rmst"]
        se = np.sqrt(table["se"] ** 2 + ref["se"] ** 2)
        own = (table["stratum"] == ref["stratum"]) | (table["stratum"] == ALL)
        table["difference_from"] = np.where(own, "", ref["stratum"])
        table["difference"] = diff.where(~own)
        table["difference_ci_lower"] = (diff - z * se).where(~own)
        table["difference_ci_upper"] = (diff + z * se).where(~own)
    return table


def by_group(
    events: pd.DataFrame,
    column: str,
    strata: Sequence[str],
    *,
    cross: bool = False,
    conf_level: float = 0.95,
    conf_type: str = "log-log",
) -> pd.DataFrame:
    """Median sessions to improvement by a categorical column (treatment arm, sex, site),
    alone or crossed with the severity strata, with the log-rank test across the groups.

    Columns: ``grouping, group, n, events, median, ci_lower, ci_upper, note`` and the test
    in ``logrank_statistic, logrank_df, logrank_p``.
    """
    data = events.loc[events["eligible"].astype(bool)].copy()
    values = data[column].astype(str).where(data[column].notna(), "(missing)")
    levels = sorted(values.unique())
    if cross:
        data["stratum"] = values + " / " + data["stratum"].astype(str)
        order = [f"{v} / {s}" for v in levels for s in strata]
    else:
        data["stratum"] = values
        order = levels
    fit = fit_by_stratum(data, order, conf_level=conf_level, conf_type=conf_type)
    table = median_table(fit).rename(columns={"stratum": "group"})
    test = logrank_tests(data, order)[0].iloc[0]
    label = f"{column} x severity" if cross else column
    table.insert(0, "grouping", label)
    return table.assign(
        logrank_statistic=test["statistic"], logrank_df=test["df"], logrank_p=test["p_value"]
    )


def by_groups(
    events: pd.DataFrame, columns: Sequence[str], strata: Sequence[str], *, cross: bool, **ci
) -> pd.DataFrame:
    """``by_group`` for each configured column (and crossed with severity when asked),
    stacked; no rows when no grouping column is configured."""
    tables = [by_group(events, c, strata, **ci) for c in columns]
    tables += [by_group(events, c, strata, cross=True, **ci) for c in columns if cross]
    if not tables:
        return pd.DataFrame(
            columns=["grouping", "group", "n", "events", "median", "ci_lower", "ci_upper", "note"]
        )
    return pd.concat(tables, ignore_index=True)
