"""The discrete-time hazard model with a therapist random intercept: how much therapists
differ in their clients' time to improvement.

``cloglog h(t) = a + g log(t) + b intake + u_therapist`` with ``u ~ N(0, s2)``: the
fixed part is ``dosecurve.stats.discrete_time``'s model; ``exp(u)`` multiplies a
therapist's clients' hazard of improving at every session (a log-normal shared frailty in
discrete time). The likelihood integrates ``u`` out by the Laplace approximation, as R
``lme4::glmer(y ~ log(session) + intake + (1 | therapist), family = binomial("cloglog"))``
does by default (``nAGQ = 1``): for each therapist, ``log L = h(u^) - log(1 + s2 I) / 2``
with ``h(u) = sum of the clients' log-likelihoods given u - u^2 / (2 s2)`` at its mode
``u^`` (Newton steps, all therapists at once) and ``I`` the expected information about
``u`` there, summed over the therapist's person-sessions: lme4 uses the iteratively
reweighted least squares weights ``(dmu/deta)^2 / (mu (1 - mu))``, which for this
(non-canonical) link differ from the observed information.

Given ``u``, a client who reached session ``T`` contributes ``-e^u A + event log(1 -
exp(-e^u C))`` with ``A = e^(a + b intake) sum of s^g`` over the sessions survived and ``C =
e^(a + b intake) T^g``: two numbers per client for the mode. The expected information needs
one value per person-session, so the workflow fits this model on a seeded sample of clients
at scale (``dosecurve.stats.therapist_effects``).

The therapists' share of the variance on the latent scale is ``s2 / (s2 + pi^2 / 6)`` (the
complementary log-log link's residual is the extreme-value distribution, variance pi^2/6).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from dosecurve.stats.derivatives import central_hessian

LATENT_VARIANCE = np.pi**2 / 6


@dataclass(frozen=True)
class FrailtyFit:
    """``params`` = (a, g, b, log s); ``cov`` their covariance (inverse observed
    information, NaN when not estimable); the therapists' conditional modes and SDs."""

    params: np.ndarray
    cov: np.ndarray
    loglik: float
    modes: np.ndarray
    mode_sd: np.ndarray
    n_clients: int
    n_therapists: int
    converged: bool

    @property
    def variance(self) -> float:
        return float(np.exp(2 * self.params[3]))


class FrailtyModel:
    """The Laplace log-likelihood of the clients in ``events`` (eligible, with ``time``,
    ``event``, ``baseline`` and ``therapist``)."""

    def __init__(self, events: pd.DataFrame) -> None:
        data = events.loc[events["eligible"].astype(bool)]
        data = data[data["time"].astype(int) >= 1]
        self.time = data["time"].astype(int).to_numpy()
        self.event = data["event"].astype(int).to_numpy()
        self.intake = data["baseline"].astype(float).to_numpy()
        self.group, self.labels = pd.factorize(data["therapist"].astype(str), sort=True)
        self.g = len(self.labels)
        self.survived = self.time - self.event  # sessions survived without improving
        self.log_t = np.log(self.time)
        # person-sessions: their client and log session (for the expected information)
        self.pp_client = np.repeat(np.arange(len(self.time)), self.time)
        start = np.repeat(np.cumsum(self.time) - self.time, self.time)
        self.pp_log_s = np.log(np.arange(len(self.pp_client)) - start + 1.0)

    def _parts(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        a, g, b = params[:3]
        s = np.arange(1, self.time.max() + 1, dtype=float)
        cum = np.concatenate([[0.0], np.cumsum(s**g)])
        base = np.exp(a + b * self.intake)
        return base * cum[self.survived], base * np.exp(g * self.log_t)

    def _modes(self, big_a, big_c, s2: float, u: np.ndarray | None = None):
        """Each therapist's mode of ``h``, with ``h`` and ``h''`` there."""
        u = np.zeros(self.g) if u is None else u
        for _ in range(50):
            h, d1, d2 = self._h(u, big_a, big_c, s2)
            step = d1 / d2
            u = u - step
            if np.max(np.abs(step)) < 1e-10:
                break
        h, _, d2 = self._h(u, big_a, big_c, s2)
        return u, h, d2

    def _h(self, u, big_a, big_c, s2):
        eu = np.exp(u)[self.group]
        m = eu * big_c
        r = np.exp(-m)
        one_minus = -np.expm1(-m)
        ev = self.event
        ll = -eu * big_a + ev * np.log(np.where(ev, one_minus, 1.0))
        d1 = -eu * big_a + ev * m * r / one_minus
        d2 = -eu * big_a + ev * (m * r / one_minus - m**2 * r / one_minus**2)

        def total(v):
            return np.bincount(self.group, v, minlength=self.g)

        return (
            total(ll) - u**2 / (2 * s2),
            total(d1) - u / s2,
            total(d2) - 1 / s2,
        )

    def information(self, params: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Each therapist's expected information about its ``u`` (the IRLS weights summed
        over its person-sessions)."""
        a, g, b = params[:3]
        offset = (a + b * self.intake + u[self.group])[self.pp_client]
        mu_rate = np.exp(offset + g * self.pp_log_s)
        weight = np.exp(2 * np.log(mu_rate) - mu_rate) / -np.expm1(-mu_rate)
        return np.bincount(self.group[self.pp_client], weight, minlength=self.g)

    def loglik(self, params: np.ndarray) -> float:
        s2 = float(np.exp(2 * params[3]))
        if not np.isfinite(s2) or s2 <= 0:
            return -np.inf
        big_a, big_c = self._parts(params)
        u, h, _ = self._modes(big_a, big_c, s2)
        value = float(np.sum(h - 0.5 * np.log1p(s2 * self.information(params, u))))
        return value if np.isfinite(value) else -np.inf

    def fit(self, start: np.ndarray) -> FrailtyFit:
        """Maximise from ``start`` (the fixed-effect model's estimates and a log s)."""

        def negative(p):
            return -self.loglik(p)

        first = optimize.minimize(negative, start, method="BFGS")
        polish = optimize.minimize(
            negative,
            first.x,
            method="Nelder-Mead",
            options={"xatol": 1e-8, "fatol": 1e-10, "maxfev": 1000},
        )
        best = polish if polish.fun <= first.fun else first
        params = best.x
        big_a, big_c = self._parts(params)
        s2 = float(np.exp(2 * params[3]))
        modes, _, _ = self._modes(big_a, big_c, s2)
        info = self.information(params, modes)
        return FrailtyFit(
            params=params,
            cov=self._covariance(params),
            loglik=-float(best.fun),
            modes=modes,
            mode_sd=np.sqrt(s2 / (1 + s2 * info)),  # lme4's condVar
            n_clients=len(self.time),
            n_therapists=self.g,
            converged=bool(first.success or polish.success),
        )

    def _covariance(self, params: np.ndarray, step: float = 1e-4) -> np.ndarray:
        """The inverse of the negative Hessian of the log-likelihood (central differences);
        NaN when it is not positive definite (a variance at the boundary)."""
        h = central_hessian(self.loglik, params, step)
        try:
            cov = np.linalg.inv(-h)
            np.linalg.cholesky(cov)
        except np.linalg.LinAlgError:
            return np.full(h.shape, np.nan)
        return cov
