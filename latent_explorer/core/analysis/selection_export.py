"""Saving a selection of samples for analysis elsewhere: a CSV or Parquet table, or a NumPy
``.npz``.

Each holds, for each selected sample: its index in the dataset, its label and label name,
every metadata column (the dataset's and any extra ones, such as a metadata CSV's or
scores), its map coordinates and its latent values. Columns keep their types
(:mod:`latent_explorer.core.datasets.columns`): ids stay whole numbers, flags true/false,
dates dates. Files are written to a temporary file beside the target and renamed over it, so
a failed export never leaves half a file.
"""

from __future__ import annotations

import csv
import importlib.util
import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.datasets.columns import Column, ColumnData, as_column, column_from_array
from latent_explorer.core.errors import ExportError
from latent_explorer.core.fileio import export_bytes, export_path

Columns = Mapping[str, ColumnData]
SELECTION_FORMATS = (".csv", ".parquet", ".npz")
"""The file types a selection is exported to (by suffix)."""


def parquet_available() -> bool:
    """Whether Parquet can be written here (pyarrow, from the ``tables`` extra)."""
    return (importlib.util.find_spec("pyarrow") is not None
            and importlib.util.find_spec("pandas") is not None)


def export_selection(
    path: str | Path,
    indices: npt.ArrayLike,
    dataset: Dataset,
    latents: npt.ArrayLike,
    coords: npt.ArrayLike | None = None,
    extra_columns: Columns | None = None,
    images: bool = True,
) -> Path:
    """Write the selection as the file type ``path`` names: ``.csv`` (the default),
    ``.parquet`` or ``.npz`` (see the three functions below)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".npz":
        return export_selection_npz(path, indices, dataset, latents, coords, extra_columns,
                                    images)
    if suffix in (".parquet", ".pq"):
        return export_selection_parquet(path, indices, dataset, latents, coords, extra_columns)
    return export_selection_csv(path, indices, dataset, latents, coords, extra_columns)


def export_selection_csv(
    path: str | Path,
    indices: npt.ArrayLike,
    dataset: Dataset,
    latents: npt.ArrayLike,
    coords: npt.ArrayLike | None = None,
    extra_columns: Columns | None = None,
) -> Path:
    """Write the selected samples as a CSV table (UTF-8, comma separated, a header row).

    Columns: ``index``, ``label`` and ``label_name`` (when the dataset has labels), each
    metadata column, then ``extra_columns``, the map coordinates ``map_x``, ``map_y``
    (``map_z``), and the latents ``z0`` .. ``z{D-1}``. Written as pandas writes a table of
    the columns' own dtypes (when pandas is installed; the same text without it): whole
    numbers without ``.0``, ``True``/``False``, ISO dates and times, floats with as many
    digits as reading them back as their own type needs (float32 latents); empty cells where
    a value is missing.

    Parameters
    ----------
    path
        The file to write (replaced if it exists).
    indices
        Selected sample indices (or a boolean mask over the samples), in the order wanted.
    dataset
        Labels and metadata come from here.
    latents
        ``(N, D)`` codes of all samples.
    coords
        ``(N, 2 | 3)`` map coordinates of all samples, or ``None``.
    extra_columns
        More ``(N,)`` columns by name (a metadata CSV's, outlier scores, cluster ids ...).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    ExportError
        If the file cannot be written.
    """
    table = selection_table(indices, dataset, latents, coords, extra_columns)
    if importlib.util.find_spec("pandas") is not None:
        text = _frame(table).to_csv(index=False, lineterminator="\n")
    else:
        text = _csv_text(table)
    return export_bytes(path, text.encode("utf-8"))


def export_selection_parquet(
    path: str | Path,
    indices: npt.ArrayLike,
    dataset: Dataset,
    latents: npt.ArrayLike,
    coords: npt.ArrayLike | None = None,
    extra_columns: Columns | None = None,
) -> Path:
    """Write the selected samples as a Parquet table: the columns of
    :func:`export_selection_csv`, each of its own type (``Int64``/``boolean`` with gaps,
    times with their zone, categories as dictionaries, float32 latents).

    Raises
    ------
    ExportError
        If pyarrow is not installed (``pip install 'latent-explorer[tables]'``) or the file
        cannot be written.
    """
    if not parquet_available():
        raise ExportError(f"{path}: Parquet needs pandas and pyarrow: pip install "
                          "'latent-explorer[tables]'")
    frame = _frame(selection_table(indices, dataset, latents, coords, extra_columns))
    with export_path(path) as temporary:
        frame.to_parquet(temporary, index=False)
    return Path(path)


def export_selection_npz(
    path: str | Path,
    indices: npt.ArrayLike,
    dataset: Dataset,
    latents: npt.ArrayLike,
    coords: npt.ArrayLike | None = None,
    extra_columns: Columns | None = None,
    images: bool = True,
) -> Path:
    """Write the selected samples as a compressed ``.npz``.

    Arrays: ``index`` (int64), ``label`` and ``label_names`` (when labelled), ``latents``
    ``(n, D)`` float32, ``coords`` ``(n, 2|3)`` (when given), ``images`` ``(n, H, W, C)`` uint8
    (when ``images``; with ``has_image`` where only some samples have a picture), and
    ``meta_<name>`` for each metadata or extra column in its source dtype (``int64``,
    ``bool``, ``datetime64[us]``, unicode text ...), with ``missing_<name>`` (bool) beside a
    column that has gaps. ``numpy.load`` reads everything without pickles.

    Raises
    ------
    ExportError
        If the file cannot be written.
    """
    rows = _selected(indices, len(dataset))
    codes = _per_sample(latents, len(dataset), "latents")
    arrays: dict[str, npt.NDArray[Any]] = {
        "index": rows,
        "latents": np.asarray(codes[rows], dtype=np.float32),
    }
    if dataset.labels is not None:
        arrays["label"] = np.asarray(dataset.labels)[rows].astype(np.int64)
        names = [dataset.label_name(int(v)) for v in range(int(np.max(dataset.labels)) + 1)]
        arrays["label_names"] = np.array(names, dtype=str)
    if coords is not None:
        arrays["coords"] = np.asarray(_per_sample(coords, len(dataset), "coords")[rows])
    if images:
        arrays["images"] = np.asarray(dataset.images[rows], dtype=np.uint8)
        pictured = getattr(dataset, "pictured", None)
        if pictured is not None:
            arrays["has_image"] = np.asarray(pictured, dtype=bool)[rows]
    for name, column in _columns(dataset, extra_columns).items():
        chosen = column.take(rows)
        arrays[f"meta_{name}"] = chosen.to_numpy()
        if column.mask is not None and column.mask.any():
            arrays[f"missing_{name}"] = chosen.missing
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    return export_bytes(path, buffer.getvalue())


def selection_table(
    indices: npt.ArrayLike,
    dataset: Dataset,
    latents: npt.ArrayLike,
    coords: npt.ArrayLike | None = None,
    extra_columns: Columns | None = None,
) -> dict[str, Column]:
    """The exported table's typed columns for the selected rows, in order."""
    count = len(dataset)
    rows = _selected(indices, count)
    table: dict[str, Column] = {"index": column_from_array(rows)}
    if dataset.labels is not None:
        labels = np.asarray(dataset.labels)[rows]
        table["label"] = column_from_array(labels.astype(np.int64))
        names = np.array([dataset.label_name(int(v)) for v in labels], dtype=str)
        table["label_name"] = Column(names, "category", source_dtype="str")
    for name, column in _columns(dataset, extra_columns).items():
        key = name if name not in table else f"meta_{name}"
        table[key] = column.take(rows)
    if coords is not None:
        points = _per_sample(coords, count, "coords")
        for axis in range(points.shape[1]):
            table[f"map_{'xyz'[axis]}"] = column_from_array(points[rows, axis])
    codes = _per_sample(latents, count, "latents")
    for dim in range(codes.shape[1]):
        table[f"z{dim}"] = column_from_array(np.asarray(codes[rows, dim]))
    return table


def _frame(table: dict[str, Column]) -> Any:
    import pandas as pd

    return pd.concat([column.to_pandas(name) for name, column in table.items()], axis=1)


def _csv_text(table: dict[str, Column]) -> str:
    """The table as pandas would write it, for installs without pandas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(table))
    cells = [[_cell(column, row) for row in range(len(column))] for column in table.values()]
    writer.writerows(zip(*cells, strict=True))
    return buffer.getvalue()


def _cell(column: Column, row: int) -> str:
    if column.missing[row]:
        return ""
    value = column.to_numpy()[row]
    if column.kind == "boolean":
        return "True" if value else "False"
    if column.kind == "datetime":
        text = str(np.datetime64(value, "D" if column.date_only else "s")).replace("T", " ")
        return text + ("+00:00" if column.tz and not column.date_only else "")
    if isinstance(value, np.floating):
        return str(value)  # the shortest text that reads back as the same value
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def _columns(dataset: Dataset, extra: Columns | None) -> dict[str, Column]:
    merged = {name: as_column(column) for name, column in dataset.metadata.items()}
    for name, column in (extra or {}).items():
        if len(column) != len(dataset):
            raise ValueError(f"column {name!r} has {len(column)} rows for {len(dataset)} samples")
        merged[name] = as_column(column)
    return merged


def _selected(indices: npt.ArrayLike, count: int) -> npt.NDArray[np.int64]:
    values = np.asarray(indices)
    if values.dtype == np.bool_:
        if values.shape != (count,):
            raise ValueError(f"a selection mask must have {count} entries, got {values.shape}")
        return np.flatnonzero(values).astype(np.int64)
    rows = values.astype(np.int64).reshape(-1)
    if len(rows) and (rows.min() < 0 or rows.max() >= count):
        raise ValueError(f"the selection holds indices outside 0..{count - 1}")
    return rows


def _per_sample(values: npt.ArrayLike, count: int, what: str) -> npt.NDArray[np.generic]:
    array = np.asarray(values)
    if array.ndim != 2 or len(array) != count:
        raise ValueError(f"{what} must be ({count}, ...) for {count} samples, got {array.shape}")
    return array
