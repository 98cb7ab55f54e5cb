"""Reading researchers' files: CSV/TSV, Parquet, Excel, SPSS and Stata.

This is the one module of the package that opens files, because the SPSS and Stata
readers (pyreadstat) take a path rather than an open file; everything downstream takes
DataFrames. The format follows the file's extension unless ``fmt`` is given. Errors name
the file and say how to fix the config.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import os
import stat
from collections.abc import Sequence

import pandas as pd

FORMATS = {
    ".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".tab": "tsv", ".parquet": "parquet",
    ".pq": "parquet", ".xlsx": "excel", ".xlsm": "excel", ".xls": "excel", ".sav": "sav",
    ".zsav": "sav", ".dta": "dta",
}  # fmt: skip
DELIMITERS = (",", ";", "\t", "|")
MAX_FIELDS = 5000  # more columns than this is a broken export, not a session table


def file_format(path: str, fmt: str | None = None) -> str:
    """The format to read ``path`` as: ``fmt`` when given, else from the extension."""
    if fmt:
        return fmt
    ext = os.path.splitext(path)[1].lower()
    if ext not in FORMATS:
        raise ValueError(
            f"{path}: cannot tell the format from the extension '{ext}'; set format: to one of "
            "csv, tsv, parquet, excel, sav, dta"
        )
    return FORMATS[ext]


def read_table(
    path: str,
    *,
    fmt: str | None = None,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    sheet: str | int | None = None,
    label_columns: Sequence[str] = (),
    text_columns: Sequence[str] = (),
) -> pd.DataFrame:
    """Read a data file into a DataFrame.

    ``delimiter`` (CSV) is sniffed among ``, ; tab |`` when not given; ``encoding`` is
    UTF-8 (a byte-order mark is skipped) or any Python codec name such as ``latin-1``.
    For SPSS and Stata files the value labels of ``label_columns`` (therapist, end
    reason, covariates) replace their codes; scores keep their numbers. In text files
    the ``text_columns`` (ids) are read as text, so '007' stays '007'; in Parquet files
    those stored as text are read as categoricals (one code per row, not one object).
    """
    kind = file_format(path, fmt)
    check_input_path(path)
    if kind in ("csv", "tsv"):
        check_text_container(path, encoding)
    try:
        if kind in ("csv", "tsv"):
            sep = "\t" if kind == "tsv" and delimiter is None else delimiter
            return read_delimited(path, delimiter=sep, encoding=encoding, text_columns=text_columns)
        if kind == "parquet":
            return read_parquet(path, text_columns)
        if kind == "excel":
            return pd.read_excel(path, sheet_name=0 if sheet is None else sheet)
        return _read_stats_file(path, kind, label_columns)
    except ValueError as err:
        if str(err).startswith(path):
            raise
        if kind == "excel" and "Worksheet" in str(err):
            raise ValueError(f"{path}: {err}; set sheet: to one of the workbook's sheets") from None
        raise ValueError(f"{path}: cannot be read as {kind} ({err})") from None


def read_parquet(path: str, text_columns: Sequence[str] = ()) -> pd.DataFrame:
    """A Parquet file as typed, ``text_columns`` stored as plain text read as categoricals
    (columns stored as dictionaries are categoricals already)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    text = [
        c for c in text_columns
        if c in schema.names and (pa.types.is_string(schema.field(c).type)
                                  or pa.types.is_large_string(schema.field(c).type))
    ]  # fmt: skip
    return pd.read_parquet(path, read_dictionary=text)


def read_delimited(
    path: str, *, delimiter: str | None, encoding: str, text_columns: Sequence[str] = ()
) -> pd.DataFrame:
    """Read a delimited text file, sniffing the delimiter when it is not given."""
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        with open(path, encoding=codec, newline="") as handle:
            head = handle.read(65536)
    except UnicodeDecodeError:
        raise ValueError(
            f"{path}: is not valid {encoding} text; if it was saved by Excel or SPSS on Windows "
            "set encoding: latin-1 for this data set"
        ) from None
    if not head.strip():
        raise ValueError(f"{path}: the file is empty; export the data with a header row")
    if len(head) == 65536 and not any(c in head for c in "\r\n"):
        raise ValueError(
            f"{path}: the first 64 KB hold no line break, so this is not a table with one row "
            "per line; check that the file was exported as CSV with line endings"
        )
    sep = delimiter or _sniff(head)
    fields = head.splitlines()[0].count(sep) + 1
    if fields > MAX_FIELDS:
        raise ValueError(
            f"{path}: the header has {fields} fields separated by {sep!r}; a long-format "
            "session table has a handful. Check the delimiter and the line endings"
        )
    try:
        frame = pd.read_csv(
            path, sep=sep, encoding=codec, skipinitialspace=True,
            dtype=dict.fromkeys(text_columns, str),
        )  # fmt: skip
    except pd.errors.ParserError as err:
        raise ValueError(
            f"{path}: cannot be read as a '{sep}'-delimited file ({err}); check delimiter:"
        ) from None
    if frame.shape[1] == 1 and delimiter:
        other = next((d for d in DELIMITERS if d != delimiter and d in head.splitlines()[0]), None)
        if other:
            raise ValueError(
                f"{path}: only one column was found; the file seems to use {other!r} as "
                f"delimiter: set delimiter: {other!r} for this data set (or leave it out)"
            )
    return frame


def _sniff(head: str) -> str:
    try:
        return csv.Sniffer().sniff(head.splitlines()[0], delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        return ","


def _read_stats_file(path: str, kind: str, label_columns: Sequence[str]) -> pd.DataFrame:
    import pyreadstat

    reader = pyreadstat.read_sav if kind == "sav" else pyreadstat.read_dta
    frame, meta = reader(path)
    labelled = [c for c in label_columns if c in meta.variable_value_labels]
    if labelled:
        labels = pyreadstat.set_value_labels(frame[labelled], meta, formats_as_category=False)
        frame[labelled] = labels[labelled]
    return frame


def check_input_path(path: str) -> None:
    """Stop unless ``path`` is a regular file, saying what it is instead."""
    if not os.path.exists(path):
        raise ValueError(
            f"{path}: file not found (looked in {os.getcwd()}); give a path relative to the "
            "folder you run snakemake from, or an absolute path"
        )
    mode = os.stat(path).st_mode
    kinds = {
        stat.S_ISDIR: "a directory: give the path of the data file inside it",
        stat.S_ISFIFO: "a named pipe (FIFO), which can be read only once: copy the data to a file",
        stat.S_ISCHR: "a character device, not a data file",
        stat.S_ISBLK: "a block device, not a data file",
        stat.S_ISSOCK: "a socket, not a data file",
    }
    for test, what in kinds.items():
        if test(mode):
            raise ValueError(f"{path}: is {what}")


# What a file is, by its first bytes: a text file of another kind is named for what it is.
MAGIC = (
    (b"\x1f\x8b", "gzip-compressed data: decompress it (gunzip) and point path: at the CSV"),
    (b"PK\x03\x04", "a zip archive, such as an Excel .xlsx workbook: give it the .xlsx "
     "extension (or set format: excel), or unzip it"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 (.xls) workbook or another Office file: give it "
     "the .xls extension or set format: excel"),
    (b"PAR1", "a Parquet file: give it the .parquet extension or set format: parquet"),
    (b"$FL2", "an SPSS (.sav) file: give it the .sav extension or set format: sav"),
)  # fmt: skip


def check_text_container(path: str, encoding: str) -> None:
    """Stop when a file to be read as delimited text is compressed, a workbook, Parquet,
    SPSS, or UTF-16 text read with another encoding."""
    with open(path, "rb") as handle:
        head = handle.read(4096)
    for magic, what in MAGIC:
        if head.startswith(magic):
            raise ValueError(f"{path}: is {what}")
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(head) >= 8 and head.count(b"\x00") > len(head) // 4
    )
    if utf16 and not encoding.lower().replace("_", "-").startswith("utf-16"):
        raise ValueError(
            f"{path}: is UTF-16 text (two bytes per character, as Excel's 'Unicode text' "
            "saves it): set encoding: utf-16 for this data set, or save the file as UTF-8 CSV"
        )


@functools.lru_cache(maxsize=64)
def _digest(path: str, size: int, mtime_ns: int, inode: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256(path: str) -> str:
    """The file's SHA-256 (hex), computed once per file version within a process."""
    info = os.stat(path)
    return _digest(os.path.abspath(path), info.st_size, info.st_mtime_ns, info.st_ino)


def fingerprint(path: str) -> str:
    """``"<size> bytes, sha256 <hex>"``: what the file holds, whatever its timestamp (a
    restored backup with an older time still counts as changed)."""
    return f"{os.path.getsize(path)} bytes, sha256 {sha256(path)}"


def provenance(path: str, *, source: str) -> pd.DataFrame:
    """The input file's size and SHA-256 checksum, for the report's provenance section."""
    return pd.DataFrame(
        {
            "item": ["input file", "size (bytes)", "SHA-256"],
            "value": [source, str(os.path.getsize(path)), sha256(path)],
        }
    )
