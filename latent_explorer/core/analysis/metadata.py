"""Extra per-sample columns from a CSV file beside the dataset, to colour and filter by.

The rows of the CSV are matched to the dataset's samples by, in this order:

1. a file column (``file``, ``filename`` or ``path``, any case) matched to the dataset's
   ``metadata["file"]``: by the whole value, else by the base name (``a/b/cat.png`` ->
   ``cat.png``);
2. an ``index`` column of sample numbers 0 .. N-1;
3. row order, when the CSV has exactly N rows.

Each column keeps its type (:func:`~latent_explorer.core.datasets.columns.column_from_text`):
whole numbers, numbers, ``true``/``false``, ISO dates and times, categories or free text.
The key column itself is left out. Samples without a row have no value there (a gap in the
column). Read with the :mod:`csv` module, so no pandas is needed; every problem raises
:class:`~latent_explorer.core.errors.InputFileError`.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.datasets.columns import Column, column_from_text
from latent_explorer.core.errors import InputFileError
from latent_explorer.core.memory_budget import check_memory

FILE_KEYS = ("file", "filename", "path")
INDEX_KEY = "index"
_MAX_BYTES = 512 * 1024 * 1024
_BYTES_PER_CELL = 80
"""A cell's string (about 50 bytes), its place in the row's list, and its typed value."""


def find_metadata_csv(dataset: Dataset) -> Path | None:
    """The metadata CSV that belongs to ``dataset``, if there is one.

    Looks for ``<folder>/metadata.csv`` inside an image folder, and beside a dataset file
    ``data.npz`` for ``data.csv``, ``data.metadata.csv`` or ``metadata.csv``.
    """
    source = Path(dataset.source)
    if not source.is_absolute() or not source.exists():
        return None
    if source.is_dir():
        candidates = [source / "metadata.csv"]
    else:
        stem = source.name.split(".")[0]
        candidates = [source.with_name(f"{stem}.csv"), source.with_name(f"{stem}.metadata.csv"),
                      source.with_name("metadata.csv")]
    return next((path for path in candidates if path.is_file()), None)


def read_metadata_csv(
    path: str | Path, dataset: Dataset, notes: list[str] | None = None
) -> dict[str, Column]:
    """Read ``path`` and return its columns aligned with ``dataset``'s samples.

    Parameters
    ----------
    path
        The CSV file (comma, semicolon or tab separated, UTF-8, a header row).
    dataset
        The samples to align with.
    notes
        Receives a sentence saying how rows were matched, and how many were not.

    Returns
    -------
    dict
        Column name -> a typed :class:`~latent_explorer.core.datasets.columns.Column` of N
        rows.

    Raises
    ------
    InputFileError
        Unreadable file, no header, ragged rows, no way to match rows to samples,
        duplicate keys, keys that match no sample, or a wrong row count.
    """
    source = Path(path)
    header, rows = _read_table(source)
    count = len(dataset)
    lower = [name.strip().lower() for name in header]
    file_key = next((lower.index(key) for key in FILE_KEYS if key in lower), None)
    index_key = lower.index(INDEX_KEY) if INDEX_KEY in lower else None
    file_column = dataset.metadata.get("file")
    files = None if file_column is None else np.asarray(file_column)
    if file_key is not None and files is not None:
        key, target, how = file_key, _match_files(source, header[file_key], rows, file_key,
                                                  files), f"by {header[file_key]!r}"
    elif index_key is not None:
        key, target, how = index_key, _match_index(source, rows, index_key, count), "by 'index'"
    elif len(rows) == count:
        key, target, how = None, np.arange(count), "by row order"
    else:
        hint = "" if files is None else "a 'file' column or "
        raise InputFileError(
            source,
            f"cannot tell which row belongs to which sample: add {hint}an 'index' column "
            f"(0 .. {count - 1}), or give exactly one row per sample ({count:,} rows; the file "
            f"has {len(rows):,})",
        )
    if notes is not None:
        missing = count - len(np.unique(target))
        extra = f"; {missing:,} samples have no row" if missing else ""
        notes.append(f"{source.name}: matched {len(rows):,} rows to samples {how}{extra}")
    columns: dict[str, Column] = {}
    for col, name in enumerate(header):
        if col != key:
            columns[name] = column_from_text([row[col] for row in rows]).placed(target, count)
    return columns


def _read_table(source: Path) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a CSV, checked for shape."""
    try:
        if source.stat().st_size > _MAX_BYTES:
            raise InputFileError(source, "is too large for a metadata file (over 512 MB)")
        text = source.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputFileError(source, "no such file") from None
    except UnicodeDecodeError as exc:
        raise InputFileError(source, f"is not UTF-8 text ({exc.reason})") from exc
    except OSError as exc:
        raise InputFileError(source, f"cannot be read ({exc.strerror or exc})") from exc
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count) if first else ","
    # Each cell becomes a string in a row list, then a value in a typed column: the few
    # hundred MB a file may have would hold gigabytes of short cells.
    cells = text.count(delimiter) + text.count("\n") + 1
    check_memory(source, cells * _BYTES_PER_CELL, f"its {cells:,} cells (separators and line "
                                                  "ends counted)")
    try:
        table = [row for row in csv.reader(text.splitlines(), delimiter=delimiter) if row]
    except csv.Error as exc:
        raise InputFileError(source, f"is not a valid CSV file ({exc})") from exc
    if not table:
        raise InputFileError(source, "is empty; it needs a header row naming the columns")
    header = [name.strip() or f"column {i + 1}" for i, name in enumerate(table[0])]
    seen: set[str] = set()
    for name in header:
        if name in seen:
            raise InputFileError(source, f"names the column {name!r} twice")
        seen.add(name)
    for line, row in enumerate(table[1:], start=2):
        if len(row) != len(header):
            raise InputFileError(
                source, f"row {line} has {len(row)} cells but the header has {len(header)}"
            )
    return header, table[1:]


def _match_files(
    source: Path, name: str, rows: list[list[str]], key: int, files: npt.NDArray[np.generic]
) -> npt.NDArray[np.int64]:
    """Sample index of each CSV row, by file name (whole value, else base name)."""
    keys = [row[key].strip() for row in rows]
    _no_duplicates(source, name, keys)
    whole = {str(value): i for i, value in enumerate(files)}
    if all(value in whole for value in keys):
        return np.array([whole[value] for value in keys], dtype=np.int64)
    bases: dict[str, int] = {}
    repeated: set[str] = set()
    for i, value in enumerate(files):
        base = _basename(str(value))
        if base in bases:
            repeated.add(base)
        bases[base] = i
    target = np.empty(len(keys), dtype=np.int64)
    for row, value in enumerate(keys):
        base = _basename(value)
        if base in repeated:
            raise InputFileError(
                source, f"row {row + 2}: several samples are named {base!r}; give the "
                "file's path as the dataset lists it, e.g. a sub-folder/name",
            )
        if base not in bases:
            raise InputFileError(
                source, f"row {row + 2}: {name} {value!r} matches no sample of the dataset"
            )
        target[row] = bases[base]
    if len(np.unique(target)) != len(target):
        raise InputFileError(source, f"two rows name the same sample in column {name!r}")
    return target


def _match_index(
    source: Path, rows: list[list[str]], key: int, count: int
) -> npt.NDArray[np.int64]:
    """Sample index of each CSV row, from its ``index`` cell."""
    target = np.empty(len(rows), dtype=np.int64)
    for row, cells in enumerate(rows):
        text = cells[key].strip()
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not value.is_integer() or not 0 <= value < count:
            raise InputFileError(
                source, f"row {row + 2}: index {text!r} is not a sample number 0 .. {count - 1}"
            )
        target[row] = int(value)
    _no_duplicates(source, "index", [str(value) for value in target])
    return target


def _no_duplicates(source: Path, name: str, keys: list[str]) -> None:
    seen: set[str] = set()
    for row, value in enumerate(keys):
        if value in seen:
            raise InputFileError(source, f"row {row + 2}: {name} {value!r} appears twice")
        seen.add(value)


def _basename(value: str) -> str:
    return value.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
