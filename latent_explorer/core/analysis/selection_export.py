"""Saving a selection of samples for analysis elsewhere: a CSV table or a NumPy ``.npz``.

Both hold, for each selected sample: its index in the dataset, its label and label name,
every metadata column (the dataset's and any extra ones, such as a metadata CSV's or
scores), its map coordinates and its latent values. Files are written to a temporary file
beside the target and renamed over it, so a failed export never leaves half a file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.fileio import export_bytes

Columns = Mapping[str, npt.NDArray[np.generic]]


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
    (``map_z``), and the latents ``z0`` .. ``z{D-1}``. Numbers are written with as many
    digits as reading them back as their own type (float32 latents) needs; NaN is empty.

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
    table = _table(indices, dataset, latents, coords, extra_columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(table))
    cells = [[_cell(value) for value in column] for column in table.values()]
    writer.writerows(zip(*cells, strict=True))
    return export_bytes(path, buffer.getvalue().encode("utf-8"))


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
    (when ``images``), and ``meta_<name>`` for each metadata or extra column. Text columns are
    stored as unicode arrays, so ``numpy.load`` reads everything without pickles.

    Raises
    ------
    ExportError
        If the file cannot be written.
    """
    rows = _selected(indices, len(dataset))
    codes = _per_sample(latents, len(dataset), "latents")
    arrays: dict[str, npt.NDArray[np.generic]] = {
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
    for name, column in _columns(dataset, extra_columns).items():
        values = np.asarray(column)[rows]
        arrays[f"meta_{name}"] = values.astype(str) if values.dtype.kind == "O" else values
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)  # type: ignore[arg-type]
    return export_bytes(path, buffer.getvalue())


def _table(
    indices: npt.ArrayLike,
    dataset: Dataset,
    latents: npt.ArrayLike,
    coords: npt.ArrayLike | None,
    extra_columns: Columns | None,
) -> dict[str, npt.NDArray[np.generic]]:
    """The CSV's columns for the selected rows, in order."""
    count = len(dataset)
    rows = _selected(indices, count)
    table: dict[str, npt.NDArray[np.generic]] = {"index": rows}
    if dataset.labels is not None:
        labels = np.asarray(dataset.labels)[rows]
        table["label"] = labels
        table["label_name"] = np.array([dataset.label_name(int(v)) for v in labels], dtype=str)
    for name, column in _columns(dataset, extra_columns).items():
        key = name if name not in table else f"meta_{name}"
        table[key] = np.asarray(column)[rows]
    if coords is not None:
        points = _per_sample(coords, count, "coords")
        for axis in range(points.shape[1]):
            table[f"map_{'xyz'[axis]}"] = points[rows, axis]
    codes = _per_sample(latents, count, "latents")
    for dim in range(codes.shape[1]):
        table[f"z{dim}"] = codes[rows, dim]
    return table


def _columns(dataset: Dataset, extra: Columns | None) -> dict[str, npt.NDArray[np.generic]]:
    merged = dict(dataset.metadata)
    for name, column in (extra or {}).items():
        if len(column) != len(dataset):
            raise ValueError(f"column {name!r} has {len(column)} rows for {len(dataset)} samples")
        merged[name] = column
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


def _cell(value: object) -> str:
    """One CSV cell: floats in full precision, NaN as empty."""
    if isinstance(value, np.floating | float):
        # str() of a numpy float is the shortest text that reads back as the same value.
        return "" if np.isnan(value) else str(value if isinstance(value, np.floating) else
                                              np.float64(value))
    if isinstance(value, np.bool_ | bool):
        return "true" if value else "false"
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)
