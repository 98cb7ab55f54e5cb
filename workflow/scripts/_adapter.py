"""Shared by the adapter scripts: errors reach the rule's log, and tables are written
whole or not at all."""

import os
import sys

PLAIN = (str, int, float, bool, type(None))


MIN_CELL: list[int | None] = [None]  # privacy.min_cell of this run, set by start()


def start(snakemake) -> None:
    """What every adapter does first: send errors to the rule's log, and refuse a param
    that is not plain data (a dataclass, an object): Snakemake compares params by value to
    decide what a changed setting re-runs, and skips values it cannot represent, so such a
    param would leave stale results after a config change."""
    log_errors(snakemake.log[0])
    for name, value in snakemake.params.items():
        check_plain(value, f"params.{name}")
    if "min_cell" not in snakemake.params.keys():
        raise TypeError("every rule passes params.min_cell: its tables are suppressed here")
    MIN_CELL[0] = snakemake.params.min_cell


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


def log_errors(log_path: str) -> None:
    """Append any uncaught exception's type and message to ``log_path`` (and still print
    it), so that Snakemake's "check log file(s) for error details" finds it."""

    def hook(exc_type, exc, tb):
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(f"{exc_type.__name__}: {exc}\n")
        sys.__excepthook__(exc_type, exc, tb)

    sys.excepthook = hook


def write_csv(table, path: str) -> None:
    """Write a table to a temporary file beside ``path`` and move it into place, so that
    an interrupted run never leaves a half-written table under the final name. Every
    table is written with its small counts suppressed (``private``): the one place."""
    table = private(table)
    _whole(lambda partial: table.to_csv(partial, index=False), path)


def write_text(text: str, path: str) -> None:
    """Write text (the HTML report) whole or not at all."""

    def write(partial: str) -> None:
        with open(partial, "w", encoding="utf-8") as fh:
            fh.write(text)

    _whole(write, path)


def save_figure(fig, path: str, **options) -> None:
    """Save a matplotlib figure whole or not at all, in the format of the file's extension."""
    fmt = os.path.splitext(path)[1].lstrip(".")
    _whole(lambda partial: fig.savefig(partial, format=fmt, **options), path)


def _whole(write, path: str) -> None:
    partial = f"{path}.partial"
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.remove(partial)


def read_result(path: str, categorical=(), **csv_options):
    """A table written by an earlier step: Parquet as typed (``categorical`` columns as
    categoricals, where present), CSV with ``csv_options``."""
    import pandas as pd

    from dosecurve.data.readers import read_parquet

    if path.endswith(".parquet"):
        return read_parquet(path, categorical)
    return pd.read_csv(path, **csv_options)


def write_table(table, path: str) -> None:
    """Write a table whole or not at all: Parquet (integers narrowed to 32 bits where they
    fit, text dictionary-encoded, one row group) for client-level intermediates, else CSV."""
    if not path.endswith(".parquet"):
        write_csv(table, path)
        return
    from dosecurve.data.storage import narrow_integers, row_group_size

    table = narrow_integers(table)
    _whole(lambda p: table.to_parquet(p, index=False, row_group_size=row_group_size(table)), path)
