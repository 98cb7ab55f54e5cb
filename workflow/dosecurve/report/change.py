"""The report's sections on change over sessions: dose effect or good-enough level (growth
models and the GEL test), therapist effects, and review points for routine outcome
monitoring; with the plain-words sentences each leads with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dosecurve.labels import Clock
from dosecurve.report.sections import TableFormat, optional, skipped
from dosecurve.stats.kaplan_meier import ALL


def change_sections(
    t: Any,
    fig: Callable[[str], list[str]],
    clock: Clock,
    strata: Sequence[str],
    lower_is_better: bool = True,
    form: TableFormat | None = None,
) -> list[str]:
    """The three sections, from the report's tables (``ReportTables``) and figures; the
    therapist section is one line when therapists are not known."""
    parts: list[str] = []
    form = form or TableFormat(clock)
    one, many = clock.singular, clock.unit
    if t.gel_test is not None:
        parts += [
            "<h2>Dose effect or good-enough level?</h2>",
            f"<p id='gel'>{gel_verdict(t.gel_test, lower_is_better, clock.singular)}</p>",
            *optional(
                "Growth models",
                t.growth_models,
                "Linear mixed models of the score on time with a random intercept and slope "
                "per client (and per therapist when known), fitted by maximum likelihood as R "
                f"lme4::lmer(REML = FALSE): linear (time = {one}, a constant dose effect) and "
                f"log (time = log(1 + {one}), change fastest early); the lower AIC fits "
                "better. Variance components in squared score points.",
                form=form,
            ),
            *fig("gel_trajectories"),
            *optional(
                "Rate of change by treatment length",
                t.gel_test,
                "The linear growth model with a time x length-band interaction: the rate of "
                f"change per {one} in each band of therapy length ({many}; Wald CI), the Wald test "
                "that the rates differ, and their linear trend over the bands.",
                form=form,
            ),
            *optional(
                "Recovery by treatment length",
                t.recovery_by_length,
                "Clinically significant improvement at termination (first against last "
                f"assessment) per band of therapy length ({many}), with exact (Clopper-Pearson) "
                "intervals, as Barkham et al. (2006) tabulated it: under the good-enough level "
                "model it falls with the length of therapy.",
                form=form,
            ),
        ]
    unknown = therapists_absent(t.therapist_effects)
    if unknown:
        parts += skipped("Therapist effects", unknown, level=2)
    elif t.therapist_effects is not None:
        parts += [
            "<h2>Therapist effects</h2>",
            f"<p id='therapists'>{therapist_sentence(t.therapist_effects)}</p>",
            *optional(
                "Therapists' share of the variance",
                t.therapist_effects,
                "Rate of change: the therapist level's share of the between-client variance in "
                f"the per-{one} slope (linear growth model). Time to improvement: the "
                "therapist random intercept of a discrete-time (complementary log-log) model "
                f"on log {one} and intake, as a share of the latent variance (pi^2/6 for the "
                "residual).",
                form=form,
            ),
            *fig("therapist_caterpillar"),
        ]
    if t.review_points is not None:
        parts += [
            "<h2>Review points for outcome monitoring</h2>",
            f"<p id='review-points'>{review_sentence(t.review_points, strata, clock)}</p>",
            *fig("review_points"),
            *optional(
                "Chance of improving from a review point",
                t.review_points,
                f"For a client not improved by {clock.singular} from_session, the chance of "
                f"improving within the next `within` {many}: 1 - S(k + m) / S(k), km from the "
                "Kaplan-Meier curve (Greenwood CI; at_risk: clients still not improved and in "
                "therapy after k), ipcw from the curve weighted for why clients stop "
                "(bootstrap CI).",
                form=form,
            ),
            *fig("expected_recovery"),
        ]
    return parts


def therapists_absent(table: pd.DataFrame | None) -> str:
    """Why therapist effects do not apply ('' when some share is estimated): no therapist
    column, or too few therapists."""
    if table is None or table.empty:
        return ""
    if pd.to_numeric(table["share"], errors="coerce").notna().any():
        return ""
    notes = table["note"].dropna().astype(str)
    why = next((n for n in notes if "therapist" in n), "")
    return f"Not applicable: {why}." if why else ""


# the measures of tables/therapist_effects.csv (dosecurve.stats.therapist_effects: RATE,
# TIME) in words; not imported from there, so that the report does not load statsmodels
SHARE_WORDS = {
    "rate of change": "the between-client variance in the rate of change",
    "time to improvement (hazard ratio)": "the variance in time to improvement (latent scale)",
}


def therapist_sentence(table: pd.DataFrame) -> str:
    """How much therapists differ, in words."""
    said = []
    for row in table.itertuples():
        share = pd.to_numeric(pd.Series([row.share]), errors="coerce").iloc[0]
        if np.isnan(share):
            said.append(f"{row.measure}: {row.note}")
            continue
        lo, hi = (
            pd.to_numeric(pd.Series([v]), errors="coerce").iloc[0]
            for v in (row.ci_lower, row.ci_upper)
        )
        interval = "" if np.isnan(lo) else f" ({100 * lo:.1f} to {100 * hi:.1f} %)"
        what = SHARE_WORDS.get(str(row.measure), f"the variance in {row.measure}")
        said.append(f"{100 * share:.1f} %{interval} of {what}")
    return "Therapists accounted for " + "; ".join(said) + "."


def gel_verdict(
    gel: pd.DataFrame, lower_is_better: bool = True, unit: str = "session", alpha: float = 0.05
) -> str:
    """The plain-words reading of ``gel_test.csv`` for the report: the direction only when
    the trend over the bands is significant at ``alpha``."""
    rows = gel.set_index("band") if "band" in gel else pd.DataFrame()
    if "trend" not in rows.index:
        note = str(gel["note"].iloc[0]) if len(gel) else "no growth model"
        return f"The good-enough-level test was not run: {note}."
    inter, trend = rows.loc["interaction"], rows.loc["trend"]
    p_inter, p_trend = float(inter["p_value"]), float(trend["p_value"])
    test = (
        f"time x length band, chi-square({int(inter['df'])}) = {float(inter['statistic']):.1f}, "
        f"{_p(p_inter)}; linear trend over the bands {_p(p_trend)}"
    )
    bands = rows.drop(index=["interaction", "trend"])
    rate = pd.to_numeric(bands["rate"], errors="coerce") * (-1 if lower_is_better else 1)
    fastest, slowest = rate.idxmax(), rate.idxmin()
    spread = (
        f" Improvement was fastest in the {fastest}-{unit} band ({rate[fastest]:.2f} points "
        f"per {unit}) and slowest in the {slowest}-{unit} band ({rate[slowest]:.2f})."
    )
    if p_trend < alpha and float(trend["rate"]) < 0:
        verdict = (
            f"Shorter treatments showed faster change per {unit}, consistent with the "
            f"good-enough level model ({test})."
        )
    elif p_trend < alpha:
        verdict = (
            f"Longer treatments showed faster change per {unit}, the opposite of the "
            f"good-enough level pattern ({test})."
        )
    elif p_inter < alpha:
        verdict = (
            f"The rate of change per {unit} differed between treatment lengths, but not in "
            f"one direction across them ({test})."
        )
    else:
        verdict = (
            f"The rate of change per {unit} did not differ clearly between treatment lengths "
            f"({test}): no evidence for the good-enough level pattern over a common dose "
            "effect."
        )
    return (
        f"{verdict}{spread} Both a dose effect and a good-enough level can hold in one "
        f"service; the test compares clients who ended after different numbers of {unit}s, "
        f"not one client given more {unit}s."
    )


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def review_sentence(table: pd.DataFrame, strata: Sequence[str], clock: Clock | None = None) -> str:
    """One sentence for clinicians: per stratum, the chance of improving by a later review
    point for a client not improved at an earlier one (session 13 and 13 more when
    tabulated)."""
    unit = (clock or Clock()).singular
    km = table.loc[(table["method"] == "km")]
    km = km.loc[pd.to_numeric(km["probability"], errors="coerce").notna()]
    if km.empty:
        return ""
    k = 13 if (km["from_session"] == 13).any() else int(km["from_session"].iloc[len(km) // 2])
    part = km.loc[km["from_session"] == k]
    m = 13 if (part["within"] == 13).any() else int(part["within"].max())
    part = part.loc[part["within"] == m].set_index("stratum")
    said = [
        f"a {name} client {_pct(part.loc[name])}"
        for name in [*strata, ALL]
        if name in part.index and name != ALL
    ]
    if not said and ALL in part.index:
        said = [f"a client {_pct(part.loc[ALL])}"]
    if not said:
        return ""
    return (
        f"For a client not improved by {unit} {k}, the estimated chance of improving by "
        f"{unit} {k + m} (Kaplan-Meier, if therapy continued): " + "; ".join(said) + "."
    )


def _pct(row: pd.Series) -> str:
    p, lo, hi = (
        pd.to_numeric(row[c], errors="coerce") for c in ("probability", "ci_lower", "ci_upper")
    )
    if np.isnan(lo) or np.isnan(hi):
        return f"{100 * p:.0f} %"
    return f"{100 * p:.0f} % ({100 * lo:.0f} to {100 * hi:.0f} %)"
