"""Shared by the adapter scripts: the step's start (log, params check), its data set's
settings, and writing with small counts suppressed. Files are read and written by
``dosecurve.results``; this module adds only what needs the ``snakemake`` object."""

from dosecurve import results
from dosecurve.results import (
    read_bytes,
    read_events,
    read_frame,
    read_result,
    read_results,
    read_rows,
    read_sessions,
    read_table,
    write_text,
)

__all__ = [
    "dataset_settings",
    "log",
    "private",
    "read_bytes",
    "read_events",
    "read_frame",
    "read_result",
    "read_results",
    "read_rows",
    "read_sessions",
    "read_table",
    "save_figure",
    "start",
    "write_csv",
    "write_table",
    "write_text",
]

PLAIN = (str, int, float, bool, type(None))

MIN_CELL: list[int | None] = [None]  # privacy.min_cell of this run, set by start()
LOG: list[str] = []  # the step's log file, set by start()


def start(snakemake) -> None:
    """What every adapter does first: begin the rule's log (errors reach it), and refuse a
    param that is not plain data (a dataclass, an object): Snakemake compares params by value
    to decide what a changed setting re-runs, and skips values it cannot represent, so such a
    param would leave stale results after a config change."""
    LOG[:] = [snakemake.log[0]]
    results.start_log(snakemake.log[0])
    for name, value in snakemake.params.items():
        check_plain(value, f"params.{name}")
    if "min_cell" not in snakemake.params.keys():
        raise TypeError("every rule passes params.min_cell: its tables are suppressed here")
    MIN_CELL[0] = snakemake.params.min_cell


def log(text: str) -> None:
    """Append to the step's log (the one way adapters log)."""
    results.log(LOG[0], text)


def dataset_settings(snakemake):
    """This data set's settings (``dosecurve.config.DatasetSettings``), parsed from the keys
    its rule passes as ``params.dataset``."""
    from dosecurve.config import parse_dataset

    return parse_dataset(snakemake.params.dataset, snakemake.wildcards.dataset, check=False)


def private(table):
    """The table with small counts suppressed (privacy.min_cell): what is written and drawn."""
    from dosecurve.privacy import suppress

    return suppress(table, MIN_CELL[0])


def check_plain(value, where: str) -> None:
    """Raise ``TypeError`` unless ``value`` is text, a number, a boolean, None, or a list or
    mapping of those (recursively)."""
    if isinstance(value, dict):
        for key, item in value.items():
            check_plain(key, where)
            check_plain(item, f"{where}.{key}")
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            check_plain(item, f"{where}[{i}]")
    elif not isinstance(value, PLAIN):
        raise TypeError(
            f"{where} is a {type(value).__name__}, not plain data: Snakemake cannot see when it "
            "changes, so a changed setting would leave stale results; pass plain values"
        )


def write_csv(table, path: str) -> None:
    """Write a table with its small counts suppressed (``private``): the one place."""
    results.write_table(private(table), path)


def write_table(table, path: str) -> None:
    """Write a client-level intermediate (Parquet) or a table (CSV, suppressed)."""
    if path.endswith(".parquet"):
        results.write_table(table, path)
    else:
        write_csv(table, path)


def save_figure(fig, path: str, **options) -> None:
    """Save a figure whole or not at all."""
    results.save_figure(fig, path, **options)
