"""Adapter: growth models, the good-enough-level test, recovery by treatment length and
the therapists' share of variance (with their ranked, shrunken estimates)."""

from _adapter import dataset_settings, read_result, read_sessions, start, write_csv

from dosecurve.stats import growth
from dosecurve.stats.therapist_effects import therapist_effects

start(snakemake)
p, out = snakemake.params, snakemake.output
settings, options = dataset_settings(snakemake), growth.Settings(**p.growth)
events = read_result(snakemake.input.events)
data = growth.growth_data(read_sessions(snakemake.input.sessions), events, options)
models, fits = growth.growth_models(data, conf_level=p.conf_level)
gel, _ = growth.gel_test(data, settings.instrument, options.length_bands, conf_level=p.conf_level)
shares, estimates = therapist_effects(
    data,
    fits.get("linear"),
    events,
    min_cell=p.min_cell,
    show_therapists=p.show_therapists,
    conf_level=p.conf_level,
)
write_csv(models, out.models)
write_csv(gel, out.gel)
write_csv(
    growth.recovery_by_length(events, options.length_bands, conf_level=p.conf_level), out.recovery
)
write_csv(shares, out.therapists)
write_csv(estimates, out.estimates)
