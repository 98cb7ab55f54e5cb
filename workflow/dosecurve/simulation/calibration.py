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
    sessions: pd.DataFrame,
    events: pd.DataFrame,
    medians: pd.DataFrame,
) -> pd.DataFrame:
    """The simulated data set's own figures beside the published ones.

    Columns ``measure, simulated, published, source``; ``published`` is empty where the
    study reports no such figure.
    """
    scored = sessions.loc[sessions["score"].notna()].groupby("client", sort=False, observed=True)[
        "score"
    ]
    pre, post = scored.first(), scored.last()
    more_than_one = scored.size() > 1
    attended = truth["sessions_attended"]
    booked = truth["appointments_booked"]
    eligible = events.loc[events["eligible"].astype(bool)]
    overall = medians.loc[medians["stratum"] == "all", "median"]
    improved = instrument.improvement(pre[more_than_one], post[more_than_one])
    measures = {
        "clients": len(truth),
        "therapists": truth["therapist"].nunique(),
        "sessions_mean": attended.mean(),
        "sessions_sd": attended.std(),
        "sessions_median": attended.median(),
        "sessions_max": attended.max(),
        "missed_percent": 100 * (booked - attended).sum() / booked.sum(),
        "intake_mean": pre.mean(),
        "end_mean": post[more_than_one].mean(),
        "csi_percent": 100 * eligible["event"].mean() if len(eligible) else np.nan,
        "reliable_improvement_percent": 100 * instrument.is_reliable(improved).mean(),
        "median_sessions_to_csi": overall.iloc[0] if len(overall) else np.nan,
        "latent_csi_within_therapy_percent": 100 * truth["latent_csi_session"].notna().mean(),
    }
    labels = {
        "clients": "clients",
        "therapists": "therapists",
        "sessions_mean": "sessions attended, mean",
        "sessions_sd": "sessions attended, SD",
        "sessions_median": "sessions attended, median",
        "sessions_max": "sessions attended, maximum",
        "missed_percent": "% of booked appointments missed",
        "intake_mean": "intake score, mean",
        "end_mean": "last score, mean",
        "csi_percent": "% of eligible clients with observed CSI",
        "reliable_improvement_percent": "% reliably improved, first to last score",
        "median_sessions_to_csi": "median sessions to CSI (Kaplan-Meier)",
        "latent_csi_within_therapy_percent": "% whose noise-free score reached CSI (truth)",
    }
    rows = [
        {
            "measure": labels[key],
            "simulated": float(value),
            "published": spec.published.get(key, np.nan),
            "source": SOURCES.get(preset, "") if key in spec.published else "",
        }
        for key, value in measures.items()
    ]
    return pd.DataFrame(rows)
