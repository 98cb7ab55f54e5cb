"""The strata compared, and the answer under each event definition: the step ``compare_strata``
writes the tables of this one call (log-rank family, dropout as a competing event, Gray's
test and Fine and Gray's model, and the sensitivity of the answer to the event definition)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dosecurve.config import AnalysisSettings, DatasetSettings, landmarks
from dosecurve.stats.competing_risks_tests import competing_risks_tests
from dosecurve.stats.cumulative_incidence import competing_table
from dosecurve.stats.curve_summaries import sensitivity_table
from dosecurve.stats.logrank import logrank_tests


def compare_strata(
    events: pd.DataFrame,
    by_definition: pd.DataFrame,
    settings: DatasetSettings,
    analysis: AnalysisSettings,
    improved_at: Sequence[int] | None,
) -> dict[str, pd.DataFrame]:
    """The tables ``logrank``, ``pairwise``, ``competing`` (at the sessions of
    ``config.landmarks``), ``competing_tests`` (Gray's test and Fine and Gray's model) and
    ``sensitivity`` (one row per event definition)."""
    strata = settings.strata
    tests, pairwise = logrank_tests(events, strata, rho=analysis.fh_rho, gamma=analysis.fh_gamma)
    named = [(d.name, d.describe()) for d in settings.definitions]
    return {
        "logrank": tests,
        "pairwise": pairwise,
        "competing": competing_table(events, strata, landmarks(improved_at, events["time"].max())),
        "competing_tests": competing_risks_tests(events, strata, conf_level=analysis.conf_level),
        "sensitivity": sensitivity_table(
            by_definition, named, conf_level=analysis.conf_level, conf_type=analysis.conf_type
        ),
    }
