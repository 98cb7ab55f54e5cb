"""Shared settings and helpers: checks the config and lists the data sets.

INPUTS:  config (config/config.yaml or --configfile), workflow/schemas/config.schema.yaml
OUTPUTS: none; defines DATASETS, dataset(), all_outputs()
"""

import os

import yaml

from dosecurve.config import analysis_settings, check_config

with open(os.path.join(workflow.basedir, "workflow/schemas/config.schema.yaml")) as fh:
    check_config(config, yaml.safe_load(fh))

DATASETS = list(config["datasets"])
ANALYSIS = analysis_settings(config)

for _name, _ds in config["datasets"].items():
    if "path" in _ds and not os.path.isfile(_ds["path"]):
        raise ValueError(
            f"datasets.{_name}.path: file '{_ds['path']}' not found (looked in {os.getcwd()}); "
            "give a path relative to the folder you run snakemake from, or an absolute path"
        )


wildcard_constraints:
    dataset="|".join(DATASETS),


def dataset(wildcards):
    """This data set's own config section (so a change re-runs only its jobs)."""
    return config["datasets"][wildcards.dataset]


def settings(*keys):
    """This data set's values of ``keys``: a rule re-runs only when one of them changes."""

    def pick(wildcards):
        return {k: v for k, v in dataset(wildcards).items() if k in keys}

    return pick


DATA_KEYS = (
    "simulate", "path", "format", "delimiter", "encoding", "sheet", "layout", "wide_pattern",
    "session_from", "intake", "columns", "instrument", "second_instrument", "end_reasons",
)


def all_outputs():
    return expand("results/{dataset}/report.html", dataset=DATASETS)
