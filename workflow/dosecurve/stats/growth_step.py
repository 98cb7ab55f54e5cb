"""Everything the workflow's ``growth`` step writes, from the session rows and the events:
the growth models, the good-enough-level test, recovery by treatment length and the
therapist effects, all from one sample of clients (``dosecurve.stats.growth``)."""

from __future__ import annotations

import pandas as pd

from dosecurve.measures.instruments import Instrument
from dosecurve.stats import growth
from dosecurve.stats.therapist_effects import therapist_effects


def growth_tables(
    sessions: pd.DataFrame,
    events: pd.DataFrame,
    instrument: Instrument,
    settings: growth.Settings,
    *,
    min_cell: int | None = None,
    show_therapists: bool = False,
    conf_level: float = 0.95,
) -> dict[str, pd.DataFrame]:
    """The step's tables by output key (``dosecurve.outputs``)."""
    data = growth.growth_data(sessions, events, settings)
    models, fits = growth.growth_models(data, conf_level=conf_level)
    gel = growth.gel_test(data, instrument, settings.length_bands, conf_level=conf_level)
    shares, estimates = therapist_effects(
        data,
        fits.get("linear"),
        events,
        min_cell=min_cell,
        show_therapists=show_therapists,
        conf_level=conf_level,
    )
    return {
        "models": models,
        "gel": gel,
        "recovery": growth.recovery_by_length(events, settings.length_bands, conf_level=conf_level),
        "therapists": shares,
        "estimates": estimates,
    }
