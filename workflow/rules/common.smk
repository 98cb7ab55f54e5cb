"""Shared settings and helpers: checks the config and lists the data sets.

INPUTS:  config (config/config.yaml or --configfile), workflow/schemas/config.schema.yaml
OUTPUTS: none; defines DATASETS (outcomes expanded, pools resolved), dataset(), all_outputs(),
         mem_mb() (memory declarations), the paths of the outputs (dosecurve.outputs) and the
         figure helpers
"""

import os
from dataclasses import astuple

import yaml

from dosecurve.config import (
    analysis_settings,
    check_config,
    expand_datasets,
    figures_section,
    privacy_settings,
    shared_analysis,
    step_settings,
)
from dosecurve.config_files import effective_config
from dosecurve.figures.catalog import (
    FIGURES,
    GROUP_PREFIX,
    GROUP_SETTINGS,
    figure_context,
    group_caption,
    group_key,
)
from dosecurve.data.readers import check_input_path, fingerprint
from dosecurve.data.shards import shard_count
from dosecurve.outputs import paper_tables, path_of, report_inputs
from dosecurve.parts import PARTS, SAMPLES
from dosecurve.report.page import FIGURE_DATA

# The config: config/config.yaml, or only the --configfile files (merged in order), then
# --config pairs; each file read again as plain data (dosecurve.config_files).
_config, CONFIG_FILES = effective_config(
    workflow.overwrite_configfiles, workflow.config_settings.config
)
config.clear()
config.update(_config)

with open(os.path.join(workflow.basedir, "workflow/schemas/config.schema.yaml")) as fh:
    # each data set's settings, parsed once (dosecurve.config.DatasetSettings)
    SETTINGS = check_config(config, yaml.safe_load(fh))

# each data set's config section as plain data (outcomes expanded, pools resolved): what the
# rules pass as params, so that Snakemake sees a changed setting
DATASETS = expand_datasets(config)
ANALYSIS = analysis_settings(config)
PRIVACY, SHOW_THERAPISTS = astuple(privacy_settings(config))

POOLS = [name for name, s in SETTINGS.items() if s.kind == "pooled"]
# shards of whole clients each data set is read in (rules/shards.smk; 1: read whole)
SHARDS = {}
for _name, _s in SETTINGS.items():
    try:
        SHARDS[_name] = shard_count(_s)
    except ValueError as err:
        raise ValueError(f"datasets.{_name}.{err}") from None
SHARDED = [name for name, n in SHARDS.items() if n > 1]
SIMULATED = [name for name, s in SETTINGS.items() if s.kind == "simulated"]
UNITS = {name: s.time_unit for name, s in SETTINGS.items()}

for _name, _s in SETTINGS.items():
    if _s.path is not None:
        try:
            check_input_path(_s.path)
        except ValueError as err:
            raise ValueError(f"datasets.{_name}.path: {err}") from None


def one_of(names):
    """A wildcard pattern matching exactly these names (never matching when empty)."""
    return "|".join(names) if names else "(?!)"


wildcard_constraints:
    dataset=one_of(DATASETS),


def dataset(wildcards):
    """This data set's own config section (so a change re-runs only its jobs)."""
    return DATASETS[wildcards.dataset]


def dataset_settings(wildcards):
    """All of this data set's settings, in canonical order."""
    return canonical(dataset(wildcards))


def canonical(value):
    """The value with every mapping's keys sorted, so that reordering keys in the config
    (which does not change a setting) never makes Snakemake re-run a step."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    return value


# each figure's params hold only the figures keys it reads (dosecurve.figures.catalog), so
# that a changed key re-draws only the figures it changes; the report reads the horizon
def figure_params(wildcards):
    return figures_section(config, FIGURES[wildcards.figure].settings)


GROUP_FIGURE_PARAMS = figures_section(config, GROUP_SETTINGS)
REPORT_FIGURE_PARAMS = figures_section(config, ("horizon",))


# The analysis section as plain data: Snakemake compares params by value, and a dataclass is
# invisible to it (a changed setting would leave stale results). Keys read by one step only
# (the report's primary_estimand, the ending sensitivity's, the cluster bootstrap's and the
# growth models' settings; the review points, read by the ending sensitivity and the review
# points step) are left out, so that changing one re-runs those steps alone.
OWN_STEP_KEYS = (
    "primary_estimand",
    "ending_sensitivity",
    "cluster_bootstrap",
    "growth",
    "review_points",
)
ANALYSIS_PARAMS = canonical(shared_analysis(config, OWN_STEP_KEYS))


def analysis_key(name):
    """One of OWN_STEP_KEYS as plain data (empty: the step's defaults)."""
    return canonical(step_settings(config, name))


def improved_at(wildcards):
    """The sessions to tabulate '% improved by' at: the data set's, else the analysis's; None
    lets the step choose the defaults within the data's range (config.landmarks)."""
    given = SETTINGS[wildcards.dataset].improved_at or ANALYSIS_PARAMS.get(
        "improved_at"
    )
    return sorted(set(given)) if given else None


def settings(*keys):
    """This data set's values of ``keys``: a rule re-runs only when one of them changes."""

    def pick(wildcards):
        return canonical({k: v for k, v in dataset(wildcards).items() if k in keys})

    return pick


# Which of a data set's keys each step reads (beyond its input files), so that a changed key
# re-runs exactly the steps that use it. The simulator's preset decides the instrument and
# bands of a simulated data set; a pool's instrument is its members'.
BAND_KEYS = ("simulate", "pool", "instrument", "severity")
EVENT_KEYS = (*BAND_KEYS, "second_instrument", "events", "columns")
PREPOST_KEYS = (*BAND_KEYS, "second_instrument", "prepost", "columns")
COX_KEYS = (*BAND_KEYS, "cox", "columns")
GROUP_KEYS = (*BAND_KEYS, "groups", "columns")
COMPARE_KEYS = (*BAND_KEYS, "events")
# Figures and the calibration table read the instrument, bands and event labels.
ANALYSIS_KEYS = (*EVENT_KEYS, "prepost", "time_unit")

DATA_KEYS = (
    "simulate",
    "path",
    "format",
    "delimiter",
    "encoding",
    "sheet",
    "layout",
    "wide_pattern",
    "session_from",
    "intake",
    "columns",
    "instrument",
    "second_instrument",
    "end_reasons",
    "date_format",
    "max_sessions",
    "wide_columns",
)


def input_fingerprint(wildcards):
    """The input file's size and SHA-256: a file whose content changed re-runs its data set
    even when its timestamp is older (a restored backup)."""
    path = SETTINGS[wildcards.dataset].path
    return fingerprint(path) if path is not None else ""


def raw_input(wildcards):
    s = SETTINGS[wildcards.dataset]
    if s.kind == "simulated":
        return path_of("appointments", wildcards.dataset)
    return s.path


def report_tables(wildcards):
    """The report's input tables for this kind of data set (dosecurve.outputs), and the
    curve by each of its groups columns (Snakemake takes one unpacked input function).
    """
    return report_inputs(SETTINGS[wildcards.dataset].kind) | group_figures(wildcards)


# Tables also written as Markdown and LaTeX for papers (tables/paper/<name>.{md,tex}).
PAPER_TABLES = paper_tables()


def all_outputs():
    return [
        *expand(path_of("report_page"), dataset=DATASETS),
        *expand(
            "results/{dataset}/tables/paper/{table}.{ext}",
            dataset=DATASETS,
            table=PAPER_TABLES,
            ext=("md", "tex"),
        ),
        *(COMPARISON if len(DATASETS) >= 2 else []),
    ]


# the comparison report sets two or more data sets side by side: with one it is not made
COMPARISON = [
    "results/comparison/medians.csv",
    "results/comparison/overall_curves.png",
    "results/comparison/report.html",
]


def print_reports():
    """After a successful run: where to look."""
    pages = [path_of("report_page", name) for name in DATASETS]
    if len(DATASETS) >= 2:
        pages.append("results/comparison/report.html")
    found = [os.path.abspath(p) for p in pages if os.path.exists(p)]
    if found:
        print("\ndosecurve: open the report(s) in a browser:", *found, sep="\n  ")


def mem_mb(per_input_mb, base_mb=1000, per_part_mb=None):
    """Memory (MB) to ask a scheduler for: a base plus a multiple of the size of the
    step's inputs on disk (``per_part_mb`` for the parts of shards, files under shards/, when
    they take more per MB than the session table does), more on each retry (``--retries``).
    The multiples are the peaks measured with python -m dosecurve.benchmark at 1,000,000
    clients read whole and 10,000,000 clients in 16 shards, plus a tenth (README), so that
    with a budget (--resources mem_mb) Snakemake never runs steps side by side whose peaks
    add up to more.
    """

    def estimate(wildcards, input, attempt):
        # sizes read here, not with input.size_mb, whose coroutine `snakemake --report`
        # leaves unawaited (a RuntimeWarning per rule)
        total = 0.0
        for f in input:
            if os.path.exists(f):
                part = per_part_mb is not None and f"{os.sep}shards{os.sep}" in f
                total += (
                    (per_part_mb if part else per_input_mb) * os.path.getsize(f) / 2**20
                )
        return int((base_mb + total) * attempt)

    return estimate


def session_inputs(*parts):
    """What a step reads the parts it needs of the session rows from (dosecurve.parts):
    each part's file of every shard when the data set is read in shards, else the session
    table, from which the step makes them (with the events, which a step whose parts read
    them lists as its own input)."""

    def inputs(wildcards):
        if not parts:
            return {}
        if wildcards.dataset in SHARDED:
            return {p: shard_files(wildcards, f"{p}.parquet") for p in parts}
        return {"sessions": path_of("sessions", wildcards.dataset)}

    return inputs


def part_inputs(wildcards):
    """A shard's session rows, and the events its part reads (rule session_part)."""
    shard = f"results/{wildcards.dataset}/shards/{wildcards.shard}"
    files = {"sessions": f"{shard}/sessions.parquet"}
    reads = PARTS[wildcards.part].events
    if reads == "own":
        files["events"] = f"{shard}/events.parquet"
    elif reads == "sample":  # drawn once for every shard (rule client_sample)
        files["sample"] = (
            f"results/{wildcards.dataset}/shards/{wildcards.part}_clients.parquet"
        )
    return files


# the settings each part of the session rows reads: its data set's keys, and the analysis
# section of the step it samples for
PART_KEYS = {
    "first_last": (),
    "prepost": PREPOST_KEYS,
    "event_pairs": EVENT_KEYS,
    "score_counts": EVENT_KEYS,
    "growth_rows": EVENT_KEYS,
    "ending_rows": EVENT_KEYS,
}
PART_STEP = {"growth_rows": "growth", "ending_rows": "ending_sensitivity"}


def part_dataset(wildcards):
    return settings(*PART_KEYS[wildcards.part])(wildcards)


def part_step(wildcards):
    step = PART_STEP.get(wildcards.part)
    return analysis_key(step) if step else {}


def shard_files(wildcards, name):
    """One file of each of the data set's shards (rules/shards.smk)."""
    n = SHARDS[wildcards.dataset]
    return [f"results/{wildcards.dataset}/shards/{i}/{name}" for i in range(n)]


def split_mem_mb(wildcards, input, attempt):
    """Splitting a Parquet file streams it a batch of rows at a time (about 1 GB); any
    other format is read whole, as the sessions step reads it."""
    s = SETTINGS[wildcards.dataset]
    size_mb = sum(os.path.getsize(f) for f in input if os.path.exists(f)) / 2**20
    streamed = s.kind == "simulated" or (s.path or "").endswith((".parquet", ".pq"))
    return int((2000 if streamed else 1000 + 45 * size_mb) * attempt)


def shard_mem_mb(per_input_mb, base_mb=1000):
    """As mem_mb, from the size of this shard's part of the split rows."""

    def estimate(wildcards, input, attempt):
        part = os.path.join(input.rows, f"{wildcards.shard}.arrow")
        size_mb = os.path.getsize(part) / 2**20 if os.path.exists(part) else 0
        return int((base_mb + per_input_mb * size_mb) * attempt)

    return estimate


def simulate_mem_mb(wildcards, attempt):
    """The simulator holds every booked appointment: about 30 kB per client (measured)."""
    clients = SETTINGS[wildcards.dataset].simulation.n_clients
    return int((1000 + 0.03 * clients) * attempt)


# Figures: what each is drawn from (rules/figures.smk), and its caption in Snakemake's report.

SINGLE_TABLE_FIGURES = [
    f for f in FIGURES if f not in ("improvement_by_severity", "cumulative_incidence")
]


def figure_inputs(wildcards):
    """The files this figure is drawn from (dosecurve.figures.catalog.FIGURES), with what
    it reads from the session rows (dosecurve.parts)."""
    keys = FIGURES[wildcards.figure].inputs
    parts = [key for key in keys if key in PARTS]
    if any(PARTS[p].events != "none" for p in parts):
        keys = (*keys, "events")
    files = {key: path_of(key, wildcards.dataset) for key in keys if key not in PARTS}
    return files | session_inputs(*parts)(wildcards)


def figure_caption(wildcards):
    context = figure_context(
        SETTINGS[wildcards.dataset],
        conf_level=ANALYSIS.conf_level,
        conf_type=ANALYSIS.conf_type,
    )
    return FIGURES[wildcards.figure].caption(context)


# the curve by each groups column: {data set: {file name part: column}}
GROUP_FIGURES = {
    name: {group_key(c): c for c in s.groups.columns} for name, s in SETTINGS.items()
}


def group_column(wildcards):
    return GROUP_FIGURES[wildcards.dataset][wildcards.group]


def group_figure_caption(wildcards):
    context = figure_context(
        SETTINGS[wildcards.dataset],
        conf_level=ANALYSIS.conf_level,
        conf_type=ANALYSIS.conf_type,
    )
    return group_caption(group_column(wildcards), context)


def group_figures(wildcards):
    """The report's inputs: the curve by each groups column of this data set."""
    return {
        f"figure_{GROUP_PREFIX}{key}": f"results/{{dataset}}/figures/{GROUP_PREFIX}{key}.png"
        for key in GROUP_FIGURES[wildcards.dataset]
    }


def figure_png(path):
    return report(
        path,
        caption="../report/figure.rst",
        category="{dataset}",
        subcategory="figures",
        labels={"figure": "{figure}"},
    )
