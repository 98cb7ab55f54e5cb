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

import numpy as np
import pandas as pd

FORMATS = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xlsm": "excel",
    ".xls": "excel",
    ".sav": "sav",
    ".zsav": "sav",
    ".dta": "dta",
}
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
            sheet_name = 0 if sheet is None else sheet
            header = pd.read_excel(path, sheet_name=sheet_name, header=None, nrows=1)
            names = [str(v).strip() for v in header.iloc[0] if pd.notna(v)] if len(header) else []
            _check_header(path, names, "the first row")
            return pd.read_excel(path, sheet_name=sheet_name)
        return _read_stats_file(path, kind, label_columns)
    except ValueError as err:
        if str(err).startswith(path):
            raise
        if kind == "excel" and "Worksheet" in str(err):
            raise ValueError(f"{path}: {err}; set sheet: to one of the workbook's sheets") from None
        raise ValueError(f"{path}: cannot be read as {kind} ({err})") from None


def read_parquet(
    path: str, text_columns: Sequence[str] = (), columns: Sequence[str] | None = None
) -> pd.DataFrame:
    """A Parquet file as typed (only ``columns`` when given), ``text_columns`` stored as
    plain text read as categoricals (columns stored as dictionaries are categoricals
    already)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    text = [
        c
        for c in text_columns
        if c in schema.names
        and (
            pa.types.is_string(schema.field(c).type)
            or pa.types.is_large_string(schema.field(c).type)
        )
    ]
    # pre_buffer=False: no asynchronous read-ahead on Arrow's I/O threads, which can still
    # be running when a short step's interpreter exits and abort it ("terminate called
    # without an active exception", apache/arrow#34314; seen once in the test suite)
    kept = None if columns is None else [c for c in columns if c in schema.names]
    return pd.read_parquet(path, columns=kept, read_dictionary=text, pre_buffer=False)


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
    header = next(csv.reader([head.splitlines()[0]], delimiter=sep))
    if len(header) > MAX_FIELDS:
        raise ValueError(
            f"{path}: the header has {len(header)} fields separated by {sep!r}; a long-format "
            "session table has a handful. Check the delimiter and the line endings"
        )
    _check_header(path, [h.strip() for h in header])
    try:
        frame = pd.read_csv(
            path,
            sep=sep,
            encoding=codec,
            skipinitialspace=True,
            index_col=False,
            dtype=dict.fromkeys(text_columns, str),
        )
    except pd.errors.ParserError as err:
        _check_field_counts(path, sep, codec, len(header))
        raise ValueError(
            f"{path}: cannot be read as a '{sep}'-delimited file ({err}); check delimiter:"
        ) from None
    _check_field_counts(path, sep, codec, len(header))
    if frame.shape[1] == 1 and delimiter:
        other = next((d for d in DELIMITERS if d != delimiter and d in head.splitlines()[0]), None)
        if other:
            raise ValueError(
                f"{path}: only one column was found; the file seems to use {other!r} as "
                f"delimiter: set delimiter: {other!r} for this data set (or leave it out)"
            )
    return frame


def _check_header(path: str, names: Sequence[str], where: str = "the header") -> None:
    """Stop on repeated or empty column names (a reader would rename them silently)."""
    seen: dict[str, int] = {}
    repeated = []
    for i, name in enumerate(names, start=1):
        if name in seen:
            repeated.append(f"{name!r} (columns {seen[name]} and {i})")
        seen.setdefault(name, i)
    if repeated:
        raise ValueError(
            f"{path}: {where} names a column twice: {', '.join(repeated[:5])}; which one holds "
            "the data cannot be told: rename or remove one"
        )


def _check_field_counts(path: str, sep: str, codec: str, expected: int) -> None:
    """Stop naming the file's lines whose number of fields differs from the header's: a
    trailing delimiter or an unlabelled extra column shifts every column of the row (the
    client would take the session numbers), and a missing field shifts them the other way."""
    counts = _field_counts(path, sep, codec)
    lines = np.flatnonzero((counts != expected) & (counts > 0)) + 2  # line 1 is the header
    if len(lines) == 0:
        return
    shown = ", ".join(str(n) for n in lines[:5])
    more = f" and {len(lines) - 5} more" if len(lines) > 5 else ""
    seen = sorted(set(counts[lines[:5] - 2].tolist()))
    which = f"lines {shown}{more} have" if len(lines) > 1 else f"line {shown} has"
    raise ValueError(
        f"{path}: {which} {' or '.join(map(str, seen))} fields but the "
        f"header has {expected}: a trailing {sep!r}, an unlabelled extra column or a missing "
        "field would shift the columns of those rows. Give every column a header, remove "
        "trailing delimiters, and keep one field per column on every line"
    )


def _field_counts(path: str, sep: str, codec: str, block: int = 1 << 26) -> np.ndarray:
    """Fields on each line after the header (0 for a blank line). Counted on the bytes,
    64 MB at a time, when the file has no quotes (fast), else with the csv module (a
    quoted field may hold the delimiter or a line break)."""
    ascii_sep = len(sep) == 1 and ord(sep) < 128 and not codec.lower().startswith("utf-16")
    parts, carry, quoted = [], b"", False
    with open(path, "rb") as handle:
        while ascii_sep and (chunk := handle.read(block)):
            if b'"' in chunk:
                quoted = True
                break
            data = carry + chunk
            cut = data.rfind(b"\n") + 1
            carry = data[cut:]
            parts.append(_count_lines(np.frombuffer(data[:cut], dtype=np.uint8), ord(sep)))
    if ascii_sep and not quoted:
        if carry:
            parts.append(_count_lines(np.frombuffer(carry + b"\n", dtype=np.uint8), ord(sep)))
        counts = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        return counts[1:]
    with open(path, encoding=codec, newline="") as handle:
        rows = csv.reader(handle, delimiter=sep)
        next(rows, None)
        return np.array([len(r) if any(f.strip() for f in r) else 0 for r in rows], dtype=int)


def _count_lines(raw: np.ndarray, sep: int) -> np.ndarray:
    """Fields per line of ``raw`` (bytes ending in a line break); 0 for a blank line."""
    ends = np.flatnonzero(raw == ord("\n"))
    starts = np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)
    seps = np.concatenate(([0], np.cumsum(raw == sep, dtype=np.int64)))
    counts = seps[ends] - seps[starts] + 1
    width = ends - starts - (raw[np.maximum(ends - 1, 0)] == ord("\r"))
    counts[width <= 0] = 0  # blank lines are skipped by the reader
    return counts


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
    (
        b"PK\x03\x04",
        "a zip archive, such as an Excel .xlsx workbook: give it the .xlsx "
        "extension (or set format: excel), or unzip it",
    ),
    (
        b"\xd0\xcf\x11\xe0",
        "an Excel 97-2003 (.xls) workbook or another Office file: give it "
        "the .xls extension or set format: excel",
    ),
    (b"PAR1", "a Parquet file: give it the .parquet extension or set format: parquet"),
    (b"$FL2", "an SPSS (.sav) file: give it the .sav extension or set format: sav"),
)


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
