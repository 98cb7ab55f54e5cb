"""How close a simulated data set comes to the study its preset was calibrated to."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dosecurve.measures.instruments import Instrument
from dosecurve.simulation.simulate import SimulationSpec

SOURCES = {
    "nordmo2021": "Nordmo et al. (2021), Psychotherapy Research 31(7)",
    "hirschfeld2024": "Hirschfeld et al. (2024), NHS psychotherapy service",
    "brief_iapt": (
        "UK NHS Talking Therapies style brief care (illustrative; workflow/docs/methods.md, "
        "section 7)"
    ),
}


def calibration_table(
    spec: SimulationSpec,
    *,
    preset: str,
    instrument: Instrument,
    truth: pd.DataFrame,
    first_last: pd.DataFrame,
    events: pd.DataFrame,
    estimands: pd.DataFrame,
) -> pd.DataFrame:
    """The simulated data set's own figures beside the published ones, each with the reading
    it is computed by (the estimand, for the improvement figures: a published number stands
    beside the quantity computed the way its paper computed it), and each estimate of an
    estimand beside the truth the simulator knows (``truth.parquet``'s continued path).

    Columns ``measure, reading, simulated, truth, published, source``; ``truth`` is empty
    where the simulator knows no truth, ``published`` where the study reports no such figure.
    """
    pre, post = first_last["pre"], first_last["post"]  # per scored client (figures.data)
    more_than_one = first_last["scored"] > 1
    attended = truth["sessions_attended"]
    booked = truth["appointments_booked"]
    eligible = events.loc[events["eligible"].astype(bool)]
    met = eligible["met_at_end"].fillna(False).astype(bool)
    overall = estimands.loc[
        (estimands["estimand"] == "if_continued")
        & (estimands["stratum"] == "all")
        & (estimands["measure"] == "median"),
        "value",
    ]
    improved = instrument.improvement(pre[more_than_one], post[more_than_one])
    attendance = "sessions attended, all clients"
    prepost = "pre-post: first and last scored assessment"
    termination = "at_termination: the event definition from the first to the last assessment"
    measures = {
        "clients": ("clients", "clients simulated", len(truth)),
        "therapists": (
            "therapists",
            "therapists with at least one client",
            truth["therapist"].nunique(),
        ),
        "sessions_mean": ("sessions attended, mean", attendance, attended.mean()),
        "sessions_sd": ("sessions attended, SD", attendance, attended.std()),
        "sessions_median": ("sessions attended, median", attendance, attended.median()),
        "sessions_max": ("sessions attended, maximum", attendance, attended.max()),
        "missed_percent": (
            "% of booked appointments missed",
            "appointments booked but not attended",
            100 * (booked - attended).sum() / booked.sum(),
        ),
        "intake_mean": ("intake score, mean", prepost, pre.mean()),
        "end_mean": ("last score, mean", prepost, post[more_than_one].mean()),
        "csi_at_termination_percent": (
            "% of eligible clients with CSI at termination",
            termination,
            100 * met.mean() if len(eligible) else np.nan,
        ),
        "sessions_among_improved_at_termination": (
            "median sessions attended by those with CSI at termination",
            termination,
            eligible.loc[met, "sessions_attended"].median() if met.any() else np.nan,
        ),
        "reliable_improvement_percent": (
            "% reliably improved",
            prepost,
            100 * instrument.is_reliable(improved).mean(),
        ),
        "csi_percent": (
            "% of eligible clients with CSI during therapy",
            "first assessment meeting the definition (observed events)",
            100 * eligible["event"].mean() if len(eligible) else np.nan,
        ),
        "median_sessions_to_csi": (
            "median sessions to CSI",
            "if_continued: Kaplan-Meier, every ending censored",
            overall.iloc[0] if len(overall) else np.nan,
        ),
        "latent_csi_within_therapy_percent": (
            "% whose noise-free score reached CSI",
            "truth: the simulated score without measurement error, within the sessions attended",
            100 * truth["latent_csi_session"].notna().mean(),
        ),
    }
    rows = [
        {
            "measure": label,
            "reading": reading,
            "simulated": float(value),
            "truth": np.nan,
            "published": spec.published.get(key, np.nan),
            "source": SOURCES.get(preset, "") if key in spec.published else "",
        }
        for key, (label, reading, value) in measures.items()
    ]
    rows += _beside_truth(eligible, truth, estimands)
    return pd.DataFrame(rows)


def _first_by(times: pd.Series, k: float) -> float:
    """The share of clients whose (uncensored) time is at most ``k``."""
    return float((times <= k).mean()) if len(times) else np.nan


def _median_time(times: pd.Series) -> float:
    """The session by which half had their event (NaN: never is later than any time), the
    lower median as the Kaplan-Meier reads a step function."""
    values = np.sort(times.fillna(np.inf).to_numpy(float))
    if not len(values):
        return np.nan
    value = values[int(np.ceil(len(values) / 2)) - 1]
    return float(value) if np.isfinite(value) else np.nan


def _beside_truth(
    eligible: pd.DataFrame, truth: pd.DataFrame, estimands: pd.DataFrame
) -> list[dict[str, object]]:
    """Each estimate of an estimand (all clients) beside its truth among the same clients:
    if_continued against the continued path, during_therapy against the events within
    therapy (clients still in therapy are censored in both)."""
    if "continued_csi_session" not in truth:
        return []
    known = truth.set_index("client").reindex(eligible["client"])
    continued, within = known["continued_csi_session"], known["observed_csi_session"]
    estimates = estimands.loc[estimands["stratum"] == "all"].set_index(["estimand", "measure"])

    def estimate(estimand: str, measure: str) -> float:
        key = (estimand, measure)
        value = estimates["value"].get(key, np.nan) if len(estimates) else np.nan
        return float(pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0])

    rows = [
        (
            "median sessions to CSI if therapy had continued",
            "if_continued",
            "median",
            _median_time(continued),
        ),
    ]
    sessions = sorted(
        int(m.removeprefix("improved_by_"))
        for e, m in estimates.index
        if e == "if_continued" and m.startswith("improved_by_")
    )
    for k in sessions:
        rows.append(
            (
                f"% with CSI by session {k} if therapy had continued",
                "if_continued",
                f"improved_by_{k}",
                100 * _first_by(continued, k),
            )
        )
        rows.append(
            (
                f"% with CSI by session {k} during therapy as delivered",
                "during_therapy",
                f"improved_by_{k}",
                100 * _first_by(within, k),
            )
        )
    out = []
    for label, estimand, measure, true in rows:
        scale = 1 if measure == "median" else 100
        out.append(
            {
                "measure": label,
                "reading": f"{estimand}: the estimate, beside the simulator's truth",
                "simulated": scale * estimate(estimand, measure),
                "truth": true,
                "published": np.nan,
                "source": "",
            }
        )
    return out
