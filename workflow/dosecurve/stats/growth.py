"""Growth models of session-by-session scores, and the good-enough-level test.

Two models of score on time, each with a random intercept and slope per client (and per
therapist when therapists are known), fitted by maximum likelihood so that they compare by
AIC (``dosecurve.stats.mixed_model``, equal to R ``lme4::lmer(REML = FALSE)``):

- ``linear``: time = session (a constant dose effect: Nordmo et al. 2021);
- ``log``: time = log(1 + session) (change fastest early: Stulz et al. 2013).

The good-enough-level (GEL) test (Baldwin et al. 2009; Barkham et al. 2006): clients are
grouped by sessions attended, and the linear model gets a time x length-band interaction.
Under the GEL model clients stop when they have changed enough, so shorter treatments show
faster change per session; under a dose effect the rate is about the same in every band.
The rate per band is the time slope plus its band's interaction (Wald CI); the interaction
is tested by a Wald chi-square on its coefficients, and the direction by a linear trend
across the bands' order. Both patterns can hold at once in one service.

Above ``max_clients`` eligible clients the models are fitted on a seeded random sample of
clients (said in each row's note): the estimates are then those of a 20,000-client study.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dosecurve.data.idcodes import codes_in
from dosecurve.measures.instruments import Instrument
from dosecurve.stats.distributions import chi2_sf, normal_quantile, normal_sf
from dosecurve.stats.estimands import proportion_interval
from dosecurve.stats.mixed_model import MixedFit, Model

MODEL_COLUMNS = [
    "model",
    "term",
    "estimate",
    "std_error",
    "ci_lower",
    "ci_upper",
    "p_value",
    "log_likelihood",
    "aic",
    "n_clients",
    "n_rows",
    "note",
]
GEL_COLUMNS = [
    "band",
    "from_session",
    "to_session",
    "median_attended",
    "n_clients",
    "n_rows",
    "intercept",
    "rate",
    "ci_lower",
    "ci_upper",
    "statistic",
    "df",
    "p_value",
    "note",
]
RECOVERY_COLUMNS = [
    "band",
    "from_session",
    "to_session",
    "n_clients",
    "n_improved",
    "percent",
    "ci_lower",
    "ci_upper",
    "note",
]
TIME_TERMS = {"linear": "session", "log": "log(1 + session)"}
MIN_THERAPISTS = 5  # fewer therapists cannot estimate their variance
MIN_BAND_CLIENTS = 5  # a length band with fewer clients is left out of the GEL model


@dataclass(frozen=True)
class Settings:
    """``analysis.growth``: the sample above which models are fitted on a seeded random
    sample of clients, and the upper ends of the length bands of the GEL test."""

    max_clients: int = 20_000
    seed: int = 1
    length_bands: tuple[int, ...] = (8, 16, 26, 52)

    def __post_init__(self) -> None:
        bands = tuple(int(b) for b in self.length_bands)
        if not bands or list(bands) != sorted(set(bands)) or bands[0] < 1:
            raise ValueError(
                "analysis.growth.length_bands: increasing session counts (upper ends of the "
                f"bands), for example [8, 16, 26, 52]; got {list(self.length_bands)}"
            )
        object.__setattr__(self, "length_bands", bands)
        if self.max_clients < 50:
            raise ValueError("analysis.growth.max_clients: at least 50")


@dataclass(frozen=True)
class GrowthData:
    """The rows the models use: eligible clients' scored assessments (intake = session 0),
    ``client`` a position in ``clients`` (their ids), with each client's sessions attended
    (``attended``), length band and therapist; and what was sampled."""

    rows: pd.DataFrame
    clients: np.ndarray
    n_eligible: int
    sampled: bool
    seed: int

    @property
    def note(self) -> str:
        if not self.sampled:
            return ""
        return (
            f"fitted on a random sample of {len(self.clients):,} of {self.n_eligible:,} "
            f"clients (seed {self.seed}; analysis.growth.max_clients)"
        )


def band_labels(bands: Sequence[int]) -> list[tuple[str, int, int | None]]:
    """Each length band's label and its first and last session (None: no upper end).

    >>> band_labels([8, 16])
    [('1-8', 1, 8), ('9-16', 9, 16), ('17+', 17, None)]
    """
    out: list[tuple[str, int, int | None]] = []
    low = 1
    for high in bands:
        out.append((f"{low}-{high}", low, high))
        low = high + 1
    out.append((f"{low}+", low, None))
    return out


def length_band(attended: pd.Series, bands: Sequence[int]) -> pd.Series:
    """Each client's length band from the sessions attended (0 sessions: no band)."""
    labels = band_labels(bands)
    index = np.searchsorted(np.asarray(bands), attended.to_numpy(float), side="left")
    names = np.array([label for label, _, _ in labels], dtype=object)
    out = pd.Series(names[np.minimum(index, len(labels) - 1)], index=attended.index)
    return out.where(attended.to_numpy(float) >= 1)


def sample_clients(events: pd.DataFrame, settings: Settings) -> pd.DataFrame:
    """The eligible clients the models are fitted on (their events rows): all of them, or a
    seeded sample of ``settings.max_clients`` above that many."""
    eligible = events.loc[events["eligible"].astype(bool)].reset_index(drop=True)
    if len(eligible) > settings.max_clients:
        rng = np.random.default_rng(settings.seed)
        pick = np.sort(rng.choice(len(eligible), settings.max_clients, replace=False))
        eligible = eligible.iloc[pick].reset_index(drop=True)
    return eligible


def growth_data(sessions: pd.DataFrame, events: pd.DataFrame, settings: Settings) -> GrowthData:
    """The eligible clients' scored rows, sampled above ``settings.max_clients`` (the rows of
    ``sessions`` read are those of ``sample_clients``: other clients' may be left out)."""
    n_eligible = int(events["eligible"].astype(bool).sum())
    sampled = n_eligible > settings.max_clients
    eligible = sample_clients(events, settings)
    clients = eligible["client"].astype(str).to_numpy()
    code = codes_in(sessions["client"], pd.Index(clients))
    keep = (code >= 0) & sessions["score"].notna().to_numpy()
    code = code[keep]
    attended = eligible["sessions_attended"].astype(float).to_numpy()[code]
    rows = pd.DataFrame(
        {
            "client": code,
            "session": sessions["session"].to_numpy()[keep],
            "score": sessions["score"].to_numpy(float)[keep],
            "attended": attended,
            "band": length_band(pd.Series(attended), settings.length_bands).to_numpy(),
        }
    )
    if "therapist" in eligible:
        therapist = eligible["therapist"]
        rows["therapist"] = np.where(
            therapist.isna().to_numpy()[code], None, therapist.astype(str).to_numpy()[code]
        )
    return GrowthData(rows, clients, n_eligible, sampled, settings.seed)


def _codes(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None, str]:
    """Client codes per row, and therapist codes per client when the therapist level can
    be fitted (else None, with the reason)."""
    client, _ = pd.factorize(rows["client"], sort=True)
    if "therapist" not in rows or rows["therapist"].isna().any():
        return client, None, "no therapist level: therapists not known"
    of_client = rows.groupby(client, sort=True)["therapist"].first().astype(str)
    therapist = pd.factorize(of_client, sort=True)[0]
    if therapist.max() + 1 < MIN_THERAPISTS:
        return client, None, f"no therapist level: fewer than {MIN_THERAPISTS} therapists"
    return client, therapist, ""


@dataclass(frozen=True)
class Fitted:
    """A fitted growth model, with its deviance function (for the therapist share's
    interval) and why it has no therapist level (empty when it has one)."""

    model: Model
    fit: MixedFit
    no_therapist_level: str


def fit_growth(
    rows: pd.DataFrame, x: np.ndarray, names: tuple[str, ...], time: np.ndarray
) -> Fitted:
    """A mixed model of the rows' scores; with the therapist level when it can be fitted."""
    client, therapist, why = _codes(rows)
    model = Model(x, rows["score"].to_numpy(float), time, client, therapist)
    return Fitted(model, model.fit(names), why)


def _time(rows: pd.DataFrame, model: str) -> np.ndarray:
    session = rows["session"].to_numpy(float)
    return session if model == "linear" else np.log1p(session)


def _not_estimable(columns: list[str], why: str, **fields) -> pd.DataFrame:
    return pd.DataFrame([{**fields, "note": f"not estimable: {why}"}], columns=columns)


def _enough(rows: pd.DataFrame) -> str:
    """Why a growth model cannot be fitted (empty: it can)."""
    if rows["client"].nunique() < 10:
        return "fewer than 10 clients with scores"
    if rows.groupby("client").size().max() < 3 or rows["session"].nunique() < 3:
        return "fewer than three assessments per client"
    return ""


def growth_models(
    data: GrowthData, *, conf_level: float = 0.95
) -> tuple[pd.DataFrame, dict[str, Fitted]]:
    """``tables/growth_models.csv``: the linear and log models' fixed effects (Wald CI and
    p), variance components, log-likelihood and AIC; and the fits."""
    why = _enough(data.rows)
    if why:
        return _not_estimable(MODEL_COLUMNS, why, model="linear"), {}
    z = normal_quantile(0.5 + conf_level / 2)
    table, fits = [], {}
    for model in ("linear", "log"):
        time = _time(data.rows, model)
        x = np.column_stack([np.ones(len(time)), time])
        fitted = fit_growth(data.rows, x, ("intercept", "time"), time)
        fits[model], fit, why = fitted, fitted.fit, fitted.no_therapist_level
        notes = [f"time = {TIME_TERMS[model]}", data.note, why]
        if not fit.converged:
            notes.append("optimiser did not report convergence")
        note = "; ".join(n for n in notes if n)
        common = {
            "model": model,
            "log_likelihood": fit.loglik,
            "aic": fit.aic,
            "n_clients": fit.n_clients,
            "n_rows": fit.n_rows,
            "note": note,
        }
        se = np.sqrt(np.diag(fit.cov_beta))
        for name, est, s in zip(fit.names, fit.beta, se, strict=True):
            table.append(
                {
                    **common,
                    "term": name,
                    "estimate": est,
                    "std_error": s,
                    "ci_lower": est - z * s,
                    "ci_upper": est + z * s,
                    "p_value": 2 * normal_sf(abs(est / s)),
                }
            )
        for level in ("client", "therapist"):
            if level not in fit.relative:
                continue
            cov = fit.covariance(level)
            names = (
                ("var_intercept", "var_time", "cov_intercept_time")
                if level == "client"
                else ("var_therapist", "var_therapist_time", "cov_therapist_time")
            )
            for name, value in zip(names, (cov[0, 0], cov[1, 1], cov[0, 1]), strict=True):
                table.append({**common, "term": name, "estimate": value})
        table.append({**common, "term": "var_residual", "estimate": fit.sigma2})
    return pd.DataFrame(table, columns=MODEL_COLUMNS), fits


def gel_test(
    data: GrowthData,
    instrument: Instrument,
    bands: Sequence[int],
    *,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """``tables/gel_test.csv``: per length band its clients, fitted intercept and rate of
    change per session (Wald CI); then the time x band interaction (Wald chi-square) and
    the linear trend of the rate of improvement over the bands' order (positive: longer
    treatments improve faster per session; negative: shorter ones do, as the GEL model
    predicts)."""
    rows = data.rows.loc[data.rows["band"].notna()]
    why = _enough(rows)
    if why:
        return _not_estimable(GEL_COLUMNS, why, band="interaction")
    labels = band_labels(bands)
    per_band = rows.groupby("band")["client"].nunique()
    used = [b for b in labels if per_band.get(b[0], 0) >= MIN_BAND_CLIENTS]
    left = [b[0] for b in labels if 0 < per_band.get(b[0], 0) < MIN_BAND_CLIENTS]
    if len(used) < 2:
        return _not_estimable(
            GEL_COLUMNS,
            f"fewer than two length bands with {MIN_BAND_CLIENTS} clients",
            band="interaction",
        )
    rows = rows.loc[rows["band"].isin([b[0] for b in used])]
    time = rows["session"].to_numpy(float)
    dummies = np.column_stack([(rows["band"] == b[0]).to_numpy(float) for b in used[1:]])
    x = np.column_stack([np.ones(len(time)), time, dummies, dummies * time[:, None]])
    names = (
        "intercept",
        "time",
        *(f"band {b[0]}" for b in used[1:]),
        *(f"time x band {b[0]}" for b in used[1:]),
    )
    fitted = fit_growth(rows, x, names, time)
    fit, why = fitted.fit, fitted.no_therapist_level
    z = normal_quantile(0.5 + conf_level / 2)
    k = len(used)
    out = []
    notes = "; ".join(n for n in (data.note, why) if n)
    for i, (label, low, high) in enumerate(used):
        c_int, c_rate = np.zeros(len(names)), np.zeros(len(names))
        c_int[0], c_rate[1] = 1, 1
        if i:
            c_int[1 + i], c_rate[k + i] = 1, 1
        rate, se = float(c_rate @ fit.beta), float(np.sqrt(c_rate @ fit.cov_beta @ c_rate))
        part = rows.loc[rows["band"] == label]
        out.append(
            {
                "band": label,
                "from_session": low,
                "to_session": high if high is not None else int(part["attended"].max()),
                "median_attended": float(part.groupby("client")["attended"].first().median()),
                "n_clients": part["client"].nunique(),
                "n_rows": len(part),
                "intercept": float(c_int @ fit.beta),
                "rate": rate,
                "ci_lower": rate - z * se,
                "ci_upper": rate + z * se,
                "note": notes,
            }
        )
    interaction = np.arange(k + 1, 2 * k)
    b = fit.beta[interaction]
    statistic = float(b @ np.linalg.solve(fit.cov_beta[np.ix_(interaction, interaction)], b))
    out.append(
        {
            "band": "interaction",
            "n_clients": fit.n_clients,
            "n_rows": fit.n_rows,
            "statistic": statistic,
            "df": k - 1,
            "p_value": chi2_sf(statistic, k - 1),
            "note": "Wald chi-square: do the rates per session differ between length bands?"
            + (
                f"; bands with fewer than {MIN_BAND_CLIENTS} clients left out: {left}"
                if left
                else ""
            ),
        }
    )
    # the trend of the rate of improvement (points per session in the better direction)
    # over the bands' order, per band step
    ranks = np.arange(k, dtype=float) - (k - 1) / 2
    weights = ranks / (ranks**2).sum()
    c = np.zeros(len(names))  # the shared slope cancels: the weights sum to zero
    c[k + 1 : 2 * k] = weights[1:]
    sign = -1.0 if instrument.lower_is_better else 1.0
    trend, se = sign * float(c @ fit.beta), float(np.sqrt(c @ fit.cov_beta @ c))
    out.append(
        {
            "band": "trend",
            "n_clients": fit.n_clients,
            "n_rows": fit.n_rows,
            "rate": trend,
            "ci_lower": trend - z * se,
            "ci_upper": trend + z * se,
            "statistic": (trend / se) ** 2,
            "df": 1,
            "p_value": 2 * normal_sf(abs(trend / se)),
            "note": "change in the rate of improvement per session from one length band to the "
            "next (negative: shorter treatments improve faster per session, as the good-enough "
            "level model predicts)",
        }
    )
    return pd.DataFrame(out, columns=GEL_COLUMNS)


def recovery_by_length(
    events: pd.DataFrame, bands: Sequence[int], *, conf_level: float = 0.95
) -> pd.DataFrame:
    """``tables/recovery_by_length.csv``: the share clinically significantly improved at
    termination per length band, with exact (Clopper-Pearson) intervals (Barkham et al.
    2006's table)."""
    data = events.loc[events["eligible"].astype(bool)]
    if "met_at_end" not in data or data.empty:
        return _not_estimable(RECOVERY_COLUMNS, "no scores at termination", band="")
    band = length_band(data["sessions_attended"].astype(float), bands)
    met = data["met_at_end"].astype("boolean").fillna(False).astype(bool)
    out = []
    for label, low, high in band_labels(bands):
        part = met[band == label]
        n, k = len(part), int(part.sum())
        share, lower, upper = proportion_interval(k, n, conf_level)
        out.append(
            {
                "band": label,
                "from_session": low,
                "to_session": high,
                "n_clients": n,
                "n_improved": k,
                "percent": 100 * share,
                "ci_lower": 100 * lower,
                "ci_upper": 100 * upper,
                "note": "" if n else "no clients",
            }
        )
    return pd.DataFrame(out, columns=RECOVERY_COLUMNS)
