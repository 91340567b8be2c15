"""A table of vectors and metadata (``.csv``, ``.tsv``, ``.parquet``), e.g. embeddings.

One row per sample. :func:`read_vector_table` sorts the columns into:

- **the vector**, by the first rule that finds one: columns numbered with a common prefix
  (``emb_0`` .. ``emb_511``, ``x0`` .. ``x63``, ``0`` .. ``127``; in number order); else one
  column whose cells are lists or arrays of equal length (parquet list columns); else every
  floating-point column (whole-number columns stay metadata: they are usually ids, counts or
  classes);
- **labels**: a column named ``label``, ``labels``, ``class``, ``target`` or ``category`` (any
  case), whole numbers or text;
- **images**: a column of image file names (``image``, ``image_path``, ``path``, ``file``,
  ``filename``, ``filepath``, or any text column whose values end in ``.png``, ``.jpg`` ...),
  relative to the table's folder unless absolute; a row whose cell is empty has no picture;
- **metadata**: every other column, typed (:mod:`~latent_explorer.core.datasets.columns`):
  whole numbers stay whole (``Int64`` with gaps too), true/false stay flags, dates and times
  (typed, or ISO text) become times, text becomes a category or free text; the image column
  is kept as metadata too (kind ``image``).

With ``need_vectors=False`` (a metadata table beside a ``.npy`` of vectors) no column is taken
as the vector. Reading needs pandas (and pyarrow for parquet): ``pip install
'latent-explorer[tables]'``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.columns import Column, column_from_series
from latent_explorer.core.datasets.image_folder import IMAGE_SUFFIXES
from latent_explorer.core.errors import InputFileError

TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq")
LABEL_COLUMNS = ("label", "labels", "class", "target", "category")
IMAGE_COLUMNS = ("image", "image_path", "imagepath", "img", "path", "file", "filename",
                 "filepath", "file_name")
MAX_CSV_BYTES = 8 * 1024**3

_NUMBERED = re.compile(r"^(.*?)(\d+)$")


@dataclass
class VectorTable:
    """What :func:`read_vector_table` found in a table."""

    path: Path
    rows: int
    vectors: npt.NDArray[np.float32] | None = None
    """``(rows, D)`` float32, or ``None`` when not asked for."""
    vector_columns: str = ""
    """Which columns became the vector, in words (for the status bar)."""
    labels: npt.NDArray[np.int64] | None = None
    label_names: list[str] | None = None
    label_column: str | None = None
    image_paths: list[Path | None] | None = None
    """The picture of each row (``None``: that row's cell is empty)."""
    image_column: str | None = None
    metadata: dict[str, Column] = field(default_factory=dict)


def is_table_file(path: str | Path) -> bool:
    """Whether ``path`` is named like a table this module reads."""
    return Path(path).suffix.lower() in TABLE_SUFFIXES


def read_vector_table(path: str | Path, need_vectors: bool = True,
                      keep: tuple[str, ...] = ()) -> VectorTable:
    """Read a table of vectors (and/or metadata); see the module docstring for the rules.
    The columns ``keep`` (a map's own x and y) stay metadata, never part of the vector.

    Raises
    ------
    InputFileError
        The file is missing, unreadable, too large, empty, or (with ``need_vectors``) has no
        column that can be the vector; the message names the file.
    """
    path = Path(path).expanduser().resolve()
    frame = _read_frame(path)
    if len(frame) == 0:
        raise InputFileError(path, "has no rows")
    columns = [str(c) for c in frame.columns]
    frame.columns = columns
    table = VectorTable(path=path, rows=len(frame))
    label = next((c for c in columns if c.strip().lower() in LABEL_COLUMNS), None)
    used: set[str] = set()
    if label is not None:
        table.labels, table.label_names = labels_from_values(frame[label].to_numpy(), path, label)
        table.label_column = label
        used.add(label)
    if need_vectors:
        vector_cols, vectors = _find_vectors(
            frame, [c for c in columns if c not in used and c not in keep], path)
        table.vectors = vectors
        table.vector_columns = _describe(vector_cols)
        used.update(vector_cols)
    image, table.image_paths = frame_images(frame, path.parent, used)
    table.image_column = image
    for name in columns:
        if name not in used:
            column = column_from_series(frame[name])
            if name == image:
                column = Column(column.values, "image", source_dtype=column.source_dtype)
            table.metadata[name] = column
    return table


def frame_images(frame: Any, folder: Path, skip: set[str] | None = None
                 ) -> tuple[str | None, list[Path | None] | None]:
    """The image column of a DataFrame (see the module docstring) and each row's picture,
    relative to ``folder`` unless absolute; ``None`` for a row whose cell is empty."""
    names = [str(c) for c in frame.columns if str(c) not in (skip or set())]
    image = _find_image_column(frame, names)
    if image is None:
        return None, None
    return image, [None if _is_missing(v) or not str(v).strip()
                   else _resolve(folder, str(v).strip()) for v in frame[image].tolist()]


def labels_from_values(values: Any, source: str | Path = "labels", column: str = "labels"
                       ) -> tuple[npt.NDArray[np.int64], list[str] | None]:
    """Class ids and names from labels given as whole numbers or as text.

    Whole numbers >= 0 are the ids themselves (no names); anything else (text, negative or
    mixed values) becomes ids 0..K-1 of the sorted distinct values, whose text are the names.
    """
    array = np.asarray(values)
    if array.ndim != 1:
        raise InputFileError(Path(str(source)), f"{column} must be one value per sample, got "
                                                f"shape {array.shape}")
    if array.dtype.kind in "iu" and (len(array) == 0 or int(array.min()) >= 0):
        return array.astype(np.int64), None
    if array.dtype.kind == "f" and np.all(np.isfinite(array)) and np.all(array == np.round(array)) \
            and (len(array) == 0 or float(array.min()) >= 0):
        return array.astype(np.int64), None
    text = np.array(["" if _is_missing(v) else str(v) for v in array.tolist()], dtype=str)
    names, ids = np.unique(text, return_inverse=True)
    return ids.astype(np.int64), [str(n) if n else "(none)" for n in names]


def _is_missing(value: Any) -> bool:
    return (value is None or (isinstance(value, float) and np.isnan(value))
            or type(value).__name__ in ("NAType", "NaTType"))


def _read_frame(path: Path) -> Any:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - depends on the install
        raise InputFileError(path, "tables need pandas: pip install 'latent-explorer[tables]'"
                             ) from None
    if not path.is_file():
        raise InputFileError(path, "no such file")
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            return _read_parquet(path, pd)
        if path.stat().st_size > MAX_CSV_BYTES:
            raise InputFileError(path, f"is larger than {MAX_CSV_BYTES // 1024**3} GB")
        from latent_explorer.core.datasets.table_memory import check_csv_memory

        check_csv_memory(path, b"\t" if suffix == ".tsv" else b",")  # before pandas reads it
        # Nullable dtypes: a column of whole numbers with gaps stays whole (Int64), flags with
        # gaps stay flags (boolean), as the file wrote them.
        return pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",",
                           dtype_backend="numpy_nullable")
    except InputFileError:
        raise
    except ImportError as exc:  # pyarrow missing
        raise InputFileError(path, f"cannot be read: {exc}; pip install "
                                   "'latent-explorer[tables]'") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"is not a readable table ({exc})") from None
    except Exception as exc:  # pandas/pyarrow parser errors of many kinds
        raise InputFileError(path, f"is not a readable table ({type(exc).__name__}: {exc})"
                             ) from None


def _read_parquet(path: Path, pd: Any) -> Any:
    import pyarrow.parquet as pq

    from latent_explorer.core.datasets.table_memory import check_parquet_memory

    check_parquet_memory(path, pq.ParquetFile(path))  # every stored value, list items too
    return pd.read_parquet(path, dtype_backend="numpy_nullable")


def _find_vectors(frame: Any, columns: list[str], path: Path
                  ) -> tuple[list[str], npt.NDArray[np.float32]]:
    numeric = [c for c in columns if frame[c].dtype.kind in "iuf"]
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for name in numeric:
        match = _NUMBERED.match(name)
        if match:
            groups[match.group(1)].append((int(match.group(2)), name))
    best = max(groups.values(), key=len, default=[])
    if len(best) >= 2:
        chosen = [name for _, name in sorted(best)]
        return chosen, _as_vectors(_float_values(frame[chosen]), path)
    for name in columns:
        if frame[name].dtype == object and len(frame) and _is_vector_cell(frame[name].iloc[0]):
            cells = frame[name].to_numpy()
            lengths = {len(cell) if _is_vector_cell(cell) else -1 for cell in cells}
            if len(lengths) != 1 or -1 in lengths:
                raise InputFileError(path, f"column {name!r} holds lists of different "
                                           "lengths (or empty cells); every vector must have "
                                           "the same length")
            return [name], _as_vectors(np.stack([np.asarray(c) for c in cells]), path)
    floats = [c for c in numeric if frame[c].dtype.kind == "f"]
    if not floats:
        raise InputFileError(path, "has no column that can be the vector: name them like "
                                   "emb_0, emb_1, ..., store one list column, or use "
                                   "floating-point columns")
    return floats, _as_vectors(_float_values(frame[floats]), path)


def _float_values(frame: Any) -> Any:
    """Numeric columns (nullable ones too) as one float32 array, NaN where empty."""
    return frame.to_numpy(dtype=np.float32, na_value=np.nan)


def _is_vector_cell(cell: Any) -> bool:
    return isinstance(cell, (list, tuple, np.ndarray)) and len(cell) > 0


def _as_vectors(values: Any, path: Path) -> npt.NDArray[np.float32]:
    try:
        vectors = np.ascontiguousarray(values, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InputFileError(path, f"the vector columns are not all numbers ({exc})") from None
    bad = ~np.isfinite(vectors).all(axis=1)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise InputFileError(path, f"{int(bad.sum()):,} rows have empty or non-finite vector "
                                   f"values (the first is row {first + 1})")
    return vectors


def _describe(names: list[str]) -> str:
    if len(names) <= 3:
        return ", ".join(names)
    return f"{names[0]} .. {names[-1]} ({len(names)} columns)"


def _find_image_column(frame: Any, columns: list[str]) -> str | None:
    text = [c for c in columns if frame[c].dtype.kind in "OSU" or str(frame[c].dtype) in
            ("string", "str")]
    def looks_like_images(name: str) -> bool:
        cells = frame[name].dropna()
        head = [v.strip().lower() for v in cells[cells.astype(str).str.strip() != ""]
                .head(20).tolist() if isinstance(v, str)]
        return bool(head) and all(v.endswith(IMAGE_SUFFIXES) for v in head)

    named = [c for c in text if c.strip().lower() in IMAGE_COLUMNS and looks_like_images(c)]
    if named:
        return named[0]
    return next((c for c in text if looks_like_images(c)), None)


def _resolve(folder: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else folder / path
