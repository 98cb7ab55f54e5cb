"""The methods paragraph of the report, written from the effective settings, with its
references."""

from __future__ import annotations

import platform
from importlib.metadata import version

from dosecurve import __version__
from dosecurve.config import DatasetSettings
from dosecurve.labels import level_text
from dosecurve.report.estimands import assumptions_text
from dosecurve.report.settings_list import bands_text

REFERENCES = (
    "Aalen, O. O., & Johansen, S. (1978). An empirical transition matrix for non-homogeneous "
    "Markov chains based on censored observations. Scandinavian Journal of Statistics, 5(3), "
    "141-150.",
    "Baldwin, S. A., Berkeljon, A., Atkins, D. C., Olsen, J. A., & Nielsen, S. L. (2009). Rates "
    "of change in naturalistic psychotherapy: contrasting dose-effect and good-enough level "
    "models of change. Journal of Consulting and Clinical Psychology, 77(2), 203-211.",
    "Barkham, M., Connell, J., Stiles, W. B., Miles, J. N. V., Margison, F., Evans, C., & "
    "Mellor-Clark, J. (2006). Dose-effect relations and responsive regulation of treatment "
    "duration: the good enough level. Journal of Consulting and Clinical Psychology, 74(1), "
    "160-167.",
    "Bates, D., Mächler, M., Bolker, B., & Walker, S. (2015). Fitting linear mixed-effects "
    "models using lme4. Journal of Statistical Software, 67(1), 1-48.",
    "Brookmeyer, R., & Crowley, J. (1982). A confidence interval for the median survival time. "
    "Biometrics, 38(1), 29-41.",
    "Clopper, C. J., & Pearson, E. S. (1934). The use of confidence or fiducial limits "
    "illustrated in the case of the binomial. Biometrika, 26(4), 404-413.",
    "Cox, D. R. (1972). Regression models and life-tables. Journal of the Royal Statistical "
    "Society, Series B, 34(2), 187-220.",
    "Davidson-Pilon, C. (2019). lifelines: survival analysis in Python. Journal of Open Source "
    "Software, 4(40), 1317.",
    "Efron, B. (1977). The efficiency of Cox's likelihood function for censored data. Journal "
    "of the American Statistical Association, 72(359), 557-565.",
    "Fine, J. P., & Gray, R. J. (1999). A proportional hazards model for the subdistribution "
    "of a competing risk. Journal of the American Statistical Association, 94(446), 496-509.",
    "Grambsch, P. M., & Therneau, T. M. (1994). Proportional hazards tests and diagnostics "
    "based on weighted residuals. Biometrika, 81(3), 515-526.",
    "Finch, A. E., Lambert, M. J., & Schaalje, B. G. (2001). Psychotherapy quality control: "
    "the statistical generation of expected recovery curves for integration into an early "
    "warning system. Clinical Psychology & Psychotherapy, 8(4), 231-242.",
    "Gray, R. J. (1988). A class of K-sample tests for comparing the cumulative incidence of "
    "a competing risk. The Annals of Statistics, 16(3), 1141-1154.",
    "Holm, S. (1979). A simple sequentially rejective multiple test procedure. Scandinavian "
    "Journal of Statistics, 6(2), 65-70.",
    "Howard, K. I., Kopta, S. M., Krause, M. S., & Orlinsky, D. E. (1986). The dose-effect "
    "relationship in psychotherapy. American Psychologist, 41(2), 159-164.",
    "Jacobson, N. S., & Truax, P. (1991). Clinical significance: a statistical approach to "
    "defining meaningful change in psychotherapy research. Journal of Consulting and Clinical "
    "Psychology, 59(1), 12-19.",
    "Kaplan, E. L., & Meier, P. (1958). Nonparametric estimation from incomplete observations. "
    "Journal of the American Statistical Association, 53(282), 457-481.",
    "Mantel, N. (1966). Evaluation of survival data and two new rank order statistics arising "
    "in its consideration. Cancer Chemotherapy Reports, 50(3), 163-170.",
    "Mölder, F., et al. (2021). Sustainable data analysis with Snakemake. F1000Research, 10, 33.",
    "Nordmo, M., Monsen, J. T., Høglend, P. A., & Solbakken, O. A. (2021). Investigating the "
    "dose-response effect in open-ended psychotherapy. Psychotherapy Research.",
    "Stulz, N., Lutz, W., Kopta, S. M., Minami, T., & Saunders, S. M. (2013). Dose-effect "
    "relationship in routine outpatient psychotherapy: does treatment duration matter? "
    "Journal of Counseling Psychology, 60(4), 593-600.",
    "Therneau, T. M., & Grambsch, P. M. (2000). Modeling survival data: extending the Cox "
    "model. Springer.",
    "Turnbull, B. W. (1976). The empirical distribution function with arbitrarily grouped, "
    "censored and truncated data. Journal of the Royal Statistical Society, Series B, 38(3), "
    "290-295.",
)


def methods_paragraph(ds: DatasetSettings, *, conf_level: float, conf_type: str) -> str:
    """One paragraph a researcher can adapt for a paper, from this data set's settings."""
    i = ds.instrument
    primary = ds.primary
    direction = "lower" if i.lower_is_better else "higher"
    return (
        f"Outcomes were measured with the {i.name} (range {i.score_range[0]:g}-"
        f"{i.score_range[1]:g}; {direction} scores are better), with a clinical cutoff of "
        f"{i.cutoff:g} and a reliable change of {i.reliable_change:.4g} points ({i.source}), "
        "following Jacobson and Truax (1991). The event was "
        f"{primary.describe()} (definition '{primary.name}'), with time counted in "
        f"{ds.clock.axis.lower()}; clients who ended therapy "
        "without it were "
        "right-censored at their last scored assessment. Clients were stratified by intake "
        f"score ({bands_text(ds)}). The cumulative proportion improved was estimated as one "
        "minus the Kaplan-Meier estimate (Kaplan & Meier, 1958) with Greenwood standard errors "
        f"and {level_text(conf_level)} {conf_type} confidence intervals; medians and their "
        "confidence "
        "limits follow Brookmeyer and Crowley (1982) as computed by R's survival package "
        "(Therneau & Grambsch, 2000). Strata were compared with the log-rank test (Mantel, "
        "1966), a trend test across their order, and pairwise tests with Holm's (1979) "
        "adjustment. Cox proportional hazards models (Cox, 1972) used Efron's (1977) method "
        "for ties, with therapist cluster-robust standard errors where therapists were known, "
        "and proportional hazards were checked with the Grambsch and Therneau (1994) test. "
        "Dropout before improvement was treated as a competing event with Aalen-Johansen "
        "cumulative incidence (Aalen & Johansen, 1978). Four estimands were reported side by "
        f"side: {assumptions_text()} Cumulative incidences were compared across strata with "
        "Gray's (1988) test and modelled on the intake score with Fine and Gray's (1999) "
        "subdistribution hazards model; proportions at termination have exact (Clopper & "
        "Pearson, 1934) intervals and medians among improved clients distribution-free "
        "(order-statistic) intervals. Weibull, log-logistic and log-normal "
        "accelerated failure time models were compared by AIC and set beside Howard et al.'s "
        "(1986) probit dose-effect curve; Nordmo et al.'s (2021) open-ended-care figures were "
        "set beside the at-termination reading, as that study read its data; "
        "where assessments were not every session, Turnbull's (1976) estimator gave "
        f"interval-censored medians. Analyses used dosecurve {__version__} (Python "
        f"{platform.python_version()}, lifelines {version('lifelines')} [Davidson-Pilon, 2019], "
        f"pandas {version('pandas')}, statsmodels {version('statsmodels')}, Snakemake "
        f"{version('snakemake')} [Mölder et al., 2021])."
    )
