"""Adapter: parametric dose-response models of sessions to improvement on intake score."""

from _adapter import dataset_settings, read_result, start, write_csv

from dosecurve.config import landmarks
from dosecurve.stats.dose_response import (
    fit_aft,
    fit_models,
    fitted_curves,
    howard_probit,
    smooth_curves,
)

start(snakemake)
p, out = snakemake.params, snakemake.output
events = read_result(snakemake.input[0])
fitted = fit_models(events)  # once, for the models table and the fitted curves
models, predictions = fit_aft(events, fitted=fitted)
write_csv(models, out.models)
write_csv(predictions, out.predictions)
write_csv(howard_probit(events), out.howard)
strata = dataset_settings(snakemake).strata
write_csv(
    fitted_curves(events, strata, landmarks(p.improved_at, events["time"].max()), fitted),
    out.curves,
)
write_csv(smooth_curves(events, strata, fitted), out.smooth)
