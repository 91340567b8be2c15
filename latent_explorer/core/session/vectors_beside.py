"""Vectors handed over in memory (``lx.explore(latents=Z, ...)``), written beside a session so
that it reopens.

A session names files; an array that only lived in a Python process names none, so its
session could not reopen the map. :func:`save_vectors_beside` writes what the map was made
of next to the session file ``x.lxs``:

- ``x.vectors.npy``: the vectors ``(N, D)`` float32;
- ``x.vectors.table.parquet`` (``.csv`` without pyarrow): the labels (as ``label``, names where
  they have names) and every metadata column, with their types;
- ``x.vectors.images.npy``: the pictures ``(N, H, W, C)`` uint8, when they too were handed
  over in memory (pictures opened from a folder are named by its path instead).

and returns the session pointing at them.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from latent_explorer.core.fileio import atomic_writer
from latent_explorer.core.session.data import SessionData

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace


def beside_paths(session_path: str | Path) -> dict[str, Path]:
    """Where :func:`save_vectors_beside` writes for the session file ``session_path``."""
    base = Path(session_path).expanduser().resolve()
    stem = base.with_suffix("") if base.suffix else base
    table = ".parquet" if _parquet() else ".csv"
    return {"latents": Path(f"{stem}.vectors.npy"),
            "metadata": Path(f"{stem}.vectors.table{table}"),
            "images": Path(f"{stem}.vectors.images.npy")}


def save_vectors_beside(session_path: str | Path, session: SessionData,
                        ws: Workspace) -> SessionData:
    """Write ``ws``'s vectors (labels, metadata and in-memory pictures too) beside the
    session file and return ``session`` pointing at them (see the module docstring).

    Raises
    ------
    OSError
        If the folder cannot be written (nothing half-written is left).
    """
    from latent_explorer.core.compute.vectors_workspace import VectorsSpec

    paths = beside_paths(session_path)
    _write_npy(paths["latents"], np.ascontiguousarray(ws.latents, dtype=np.float32))
    metadata = None
    frame = _table(ws)
    if frame is not None:
        metadata = paths["metadata"]
        with atomic_writer(metadata) as stream:
            if metadata.suffix == ".parquet":
                frame.to_parquet(stream, index=False)
            else:
                stream.write(frame.to_csv(index=False).encode("utf-8"))
    dataset = ws.dataset
    images: Path | None = None
    source = dataset.source
    if ws.has_images:
        if source and Path(source).exists() and source != ws.model.source:
            images = Path(source)  # opened from a folder, zip or file: named by its path
        else:
            images = paths["images"]
            _write_npy(images, np.ascontiguousarray(dataset.images, dtype=np.uint8))
    spec = VectorsSpec(str(paths["latents"]), None if images is None else str(images),
                       None if metadata is None else str(metadata))
    ref = dataclasses.replace(session.dataset, spec=spec.dataset or spec.latents or "",
                              labels=None)
    model = dataclasses.replace(session.model, spec=spec.to_spec())
    return dataclasses.replace(session, dataset=ref, model=model)


def _write_npy(path: Path, array: np.ndarray[Any, Any]) -> None:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    with atomic_writer(path) as stream:
        stream.write(buffer.getvalue())


def _table(ws: Workspace) -> Any:
    """The labels and metadata as a typed DataFrame (``None``: none, or no pandas)."""
    dataset = ws.dataset
    if (dataset.labels is None and not dataset.metadata) or \
            importlib.util.find_spec("pandas") is None:
        return None
    import pandas as pd

    from latent_explorer.core.datasets.columns import as_column

    columns = []
    if dataset.labels is not None:
        labels = np.asarray(dataset.labels)
        values = ([dataset.label_name(int(v)) for v in labels] if dataset.label_names
                  else labels.astype(np.int64))
        columns.append(pd.Series(values, name="label"))
    for name, column in dataset.metadata.items():
        key = name if name != "label" else "metadata label"
        columns.append(as_column(column).to_pandas(key))
    return pd.concat(columns, axis=1)


def _parquet() -> bool:
    return (importlib.util.find_spec("pyarrow") is not None
            and importlib.util.find_spec("pandas") is not None)
