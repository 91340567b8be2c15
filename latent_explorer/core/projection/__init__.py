"""Projections of latents onto a 2-D or 3-D map, and back: PCA, UMAP and t-SNE (and a
table's own x and y columns, :mod:`~latent_explorer.core.projection.table_projector`).

:func:`fit_projection` fits the method that ``params.method`` names. Every projector has
``params``, ``coords`` (float32), ``transform``, ``inverse``, ``sampled`` (how many points the
method was fitted on when it used a sample, else ``None``) and ``to_arrays()``;
:func:`projector_from_arrays` rebuilds one from those arrays, so a cache can store projections
as ``.npz`` files without pickle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.jobs import JobContext
from latent_explorer.core.projection.base import METHODS, ProjectionParams, Projector
from latent_explorer.core.projection.neighbor_projector import NeighborProjector
from latent_explorer.core.projection.pca import PCAProjector, fit_pca
from latent_explorer.core.projection.tsne_projector import TSNEProjector, fit_tsne
from latent_explorer.core.projection.umap_projector import UMAPProjector, fit_umap

__all__ = [
    "METHODS",
    "FittedProjector",
    "NeighborProjector",
    "PCAProjector",
    "ProjectionParams",
    "Projector",
    "TSNEProjector",
    "UMAPProjector",
    "fit_projection",
    "projector_from_arrays",
]

FittedProjector = PCAProjector | UMAPProjector | TSNEProjector
"""The concrete projectors; each also has ``sampled`` and ``to_arrays()``."""


def _unknown(method: str) -> LatentExplorerError:
    return LatentExplorerError(
        f"unknown projection method {method!r}; choose one of {', '.join(METHODS)}"
    )


def fit_projection(
    latents: npt.NDArray[np.float32],
    params: ProjectionParams,
    ctx: JobContext | None = None,
) -> FittedProjector:
    """Fit the projection that ``params.method`` names (``"pca"``, ``"umap"`` or ``"tsne"``).

    Parameters
    ----------
    latents
        ``(N, D)`` encoded dataset; NaN or infinite values are refused.
    params
        Method, map dimensions (2 or 3), seed and method options.
    ctx
        Progress and cancel. UMAP and t-SNE run in a child process and report indeterminate
        progress; cancelling terminates the child.

    Raises
    ------
    LatentExplorerError
        For an unknown method, bad latents or options, or a failed fit.
    JobCancelled
        When ``ctx`` was cancelled.
    """
    if params.method == "pca":
        return fit_pca(latents, params, ctx)
    if params.method == "umap":
        return fit_umap(latents, params, ctx)
    if params.method == "tsne":
        return fit_tsne(latents, params, ctx)
    if params.method == "table":
        raise LatentExplorerError("a map of a table's columns is read from the table, not "
                                  "fitted on the vectors (table_projector.fit_table)")
    raise _unknown(params.method)


def projector_from_arrays(
    params: ProjectionParams, arrays: Mapping[str, npt.NDArray[Any]]
) -> FittedProjector | NeighborProjector:
    """Rebuild a projector from its ``to_arrays()`` output (e.g. a loaded ``.npz``).

    Raises
    ------
    LatentExplorerError
        For an unknown method or missing arrays.
    """
    if params.method == "pca":
        return PCAProjector.from_arrays(params, arrays)
    if params.method == "umap":
        return UMAPProjector.from_arrays(params, arrays)
    if params.method == "tsne":
        return TSNEProjector.from_arrays(params, arrays)
    if params.method == "table":
        from latent_explorer.core.projection.table_projector import TableProjector

        return TableProjector.from_arrays(params, arrays)
    raise _unknown(params.method)
