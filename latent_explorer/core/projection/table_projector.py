"""A table's own 2-D coordinates as the map: ``umap_x``/``umap_y`` computed elsewhere, shown
as they come.

A researcher's table often holds a layout made in their own pipeline (a UMAP run with their
settings, a t-SNE of another embedding, PCA axes). :func:`fit_table` takes two number columns
as the map's x and y, unchanged; the vectors stay what neighbours, clusters and outliers are
computed on. The map still needs to place a vector (the "you are here" star) and to find the
vector at a place: both go through the same neighbour map UMAP and t-SNE use. Rows whose x or
y is empty are placed by their nearest neighbours in vector space, and the projector says how
many (:attr:`TableProjector.placed`).

The choice is a :class:`~latent_explorer.core.projection.base.ProjectionParams` of method
``"table"`` whose options name the columns (:func:`table_params`), so sessions and the
window's projection settings keep it like any other map.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.columns import ColumnData, as_column
from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.projection.base import ProjectionParams
from latent_explorer.core.projection.neighbor_projector import NeighborProjector

TABLE_METHOD = "table"
"""The method name of a map read from a table's columns."""


def table_params(x: str, y: str) -> ProjectionParams:
    """The projection settings of a map whose x and y are the columns ``x`` and ``y``."""
    return ProjectionParams(TABLE_METHOD, 2, 0, (("x", str(x)), ("y", str(y))))


def table_columns(params: ProjectionParams) -> tuple[str, str]:
    """The ``(x, y)`` column names of a ``table`` projection's settings."""
    return str(params.option("x", "")), str(params.option("y", ""))


def coordinate_columns(columns: Mapping[str, ColumnData]) -> list[str]:
    """The columns that can be a map axis: numbers with at least two values."""
    found = []
    for name, values in columns.items():
        column = as_column(values)
        if column.kind == "number" and int(np.count_nonzero(~column.missing)) >= 2:
            found.append(name)
    return found


class TableProjector(NeighborProjector):
    """The map of a table's x and y columns, with neighbour-based transform and inverse."""

    placed: int
    """Rows without x or y, placed by their nearest neighbours in vector space."""

    def __init__(self, params: ProjectionParams, coords: npt.ArrayLike, latents: npt.ArrayLike,
                 sampled: int | None = None, placed: int = 0) -> None:
        super().__init__(params, coords, latents, sampled)
        self.placed = placed

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Everything needed to rebuild this projector, as plain arrays (for ``.npz``)."""
        arrays = super().to_arrays()
        arrays["placed"] = np.array(self.placed, dtype=np.int64)
        return arrays

    @classmethod
    def from_arrays(cls, params: ProjectionParams, arrays: Mapping[str, npt.NDArray[Any]]
                    ) -> Self:
        """Rebuild a projector from :meth:`to_arrays` output (a session's saved map)."""
        try:
            coords, latents = arrays["coords"], arrays["latents"]
        except KeyError as exc:
            raise LatentExplorerError(f"a saved table map lacks {exc}") from exc
        placed = int(arrays["placed"]) if "placed" in arrays else 0
        return cls(params, coords, latents, None, placed)


def fit_table(latents: npt.NDArray[np.float32], columns: Mapping[str, ColumnData],
              params: ProjectionParams, ctx: JobContext | None = None) -> TableProjector:
    """The map whose x and y are the columns ``params`` names, taken as they are.

    Parameters
    ----------
    latents
        ``(N, D)`` vectors of the same N rows (for neighbours, and to place rows with no x
        or y).
    columns
        The table's columns by name (typed columns, arrays or Series).
    params
        A ``table`` projection (:func:`table_params`).
    ctx
        Progress (placing rows with no coordinates) and cancel.

    Raises
    ------
    LatentExplorerError
        A column that is not there, is not numbers, or has fewer than two values.
    """
    ctx = ctx or null_context()
    x_name, y_name = table_columns(params)
    axes = []
    for axis, name in (("x", x_name), ("y", y_name)):
        if name not in columns:
            offered = ", ".join(coordinate_columns(columns)) or "none"
            raise LatentExplorerError(f"the map's {axis} column {name!r} is not in the table "
                                      f"(its number columns: {offered})")
        column = as_column(columns[name])
        if len(column) != len(latents):
            raise LatentExplorerError(f"column {name!r} has {len(column):,} values for "
                                      f"{len(latents):,} vectors")
        if column.kind != "number":
            raise LatentExplorerError(f"the map's {axis} column {name!r} holds "
                                      f"{column.describe()}, not numbers")
        axes.append(np.where(column.missing, np.nan, column.as_float()))
    coords = np.stack(axes, axis=1)
    gaps = ~np.isfinite(coords).all(axis=1)
    present = np.flatnonzero(~gaps)
    if len(present) < 2:
        raise LatentExplorerError(f"columns {x_name!r} and {y_name!r} have fewer than two rows "
                                  "with both values; nothing to draw")
    placed = int(np.count_nonzero(gaps))
    if placed:
        ctx.progress(None, f"Placing {placed:,} rows without {x_name}/{y_name} by their "
                           "nearest neighbours")
        known = NeighborProjector(params, coords[present], latents[present])
        coords[gaps] = known.transform(latents[gaps])
    ctx.check()
    ctx.progress(1.0, "Map from the table's columns")
    return TableProjector(params, coords.astype(np.float32), latents, None, placed)
