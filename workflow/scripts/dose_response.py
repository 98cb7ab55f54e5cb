"""Adapter: parametric dose-response models of sessions to improvement on intake score."""

from _adapter import read_result, start, write_csv

from dosecurve.config import dataset_bands, landmarks
from dosecurve.doseresponse import fit_aft, fit_models, fitted_curves, howard_probit

start(snakemake)
p, out = snakemake.params, snakemake.output
events = read_result(snakemake.input[0], dtype={"client": str, "stratum": str})
fitted = fit_models(events)  # once, for the models table and the fitted curves
models, predictions = fit_aft(events, fitted=fitted)
write_csv(models, out.models)
write_csv(predictions, out.predictions)
write_csv(howard_probit(events), out.howard)
strata = [b.name for b in dataset_bands(p.dataset)]
write_csv(
    fitted_curves(events, strata, landmarks(p.improved_at, events["time"].max()), fitted),
    out.curves,
)
