"""UMAP maps, fitted in a child process so the job can be cancelled.

umap-learn has no progress callback and cannot be interrupted, so :func:`fit_umap` runs it
through :func:`~latent_explorer.core.projection.subprocess_runner.run_in_child`, reporting
indeterminate progress. Above ``fit_sample`` points (default 100,000) it fits a random sample
and places the rest by their neighbours; ``projector.sampled`` then says how many were fitted.

Warm UMAP: a fresh child pays ~11 s of imports and numba compilation. After
:func:`enable_warm_umap` (the app calls it at start, optionally with a background warm-up), fits
run in one long-lived :class:`~latent_explorer.core.projection.subprocess_runner.WarmChild`
that keeps the compiled code; cancel kills it and the next fit starts a fresh one.
:func:`shutdown_warm_umap` stops it. Off by default, so scripts and tests leave no process.

Options (``ProjectionParams.options``): ``n_neighbors`` (15), ``min_dist`` (0.1), ``metric``
("euclidean"; the neighbour map used for transform and inverse is always Euclidean) and
``fit_sample`` (100,000).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.projection.base import ProjectionParams
from latent_explorer.core.projection.checks import check_latents, check_params
from latent_explorer.core.projection.neighbor_projector import (
    NeighborProjector,
    checked_fit_sample,
    fit_on_sample,
)
from latent_explorer.core.projection.subprocess_runner import WarmChild, run_in_child

MIN_POINTS = 10
"""UMAP's spectral initialisation needs a handful of points."""
DEFAULT_FIT_SAMPLE = 100_000


_warm: WarmChild | None = None


def enable_warm_umap(warm_up: bool = True) -> WarmChild:
    """Run later UMAP fits in one long-lived child; with ``warm_up`` compile it now, in the
    background (a 300-point fit), so the user's first fit does not wait for numba."""
    global _warm
    if _warm is None:
        _warm = WarmChild("latent-explorer umap")
    if warm_up and not _warm.alive:
        rng = np.random.default_rng(0)
        sample = rng.standard_normal((300, 8)).astype(np.float32)
        kwargs = {"n_components": 2, "n_neighbors": 15, "min_dist": 0.1,
                  "metric": "euclidean", "seed": 0}
        _warm.warm_up(_QUALNAME, {"latents": sample}, kwargs)
    return _warm


def shutdown_warm_umap() -> None:
    """Stop the long-lived UMAP child and go back to one child per fit."""
    global _warm
    if _warm is not None:
        _warm.close()
        _warm = None


class UMAPProjector(NeighborProjector):
    """A fitted UMAP map; transform and inverse go through the neighbour map."""


def fit_umap(
    latents: npt.ArrayLike, params: ProjectionParams, ctx: JobContext | None = None
) -> UMAPProjector:
    """Fit a UMAP map of ``latents`` ``(N, D)`` in a cancellable child process.

    Parameters
    ----------
    latents
        The encoded dataset.
    params
        ``method="umap"``, ``n_components`` 2 or 3, ``seed`` and the options listed in the
        module docs.
    ctx
        Progress (indeterminate while UMAP runs) and cancel.

    Raises
    ------
    JobCancelled
        When cancelled; the child process is gone by then.
    LatentExplorerError
        For bad input or options, or when UMAP failed in the child.
    """
    ctx = ctx or null_context()
    check_params(params)
    data = check_latents(latents, min_points=MIN_POINTS)
    n_neighbors = params.option("n_neighbors", 15)
    min_dist = params.option("min_dist", 0.1)
    metric = params.option("metric", "euclidean")
    if not isinstance(n_neighbors, int | np.integer) or n_neighbors < 2:
        raise LatentExplorerError(f"UMAP n_neighbors must be an integer >= 2, got {n_neighbors!r}")
    if not isinstance(min_dist, int | float) or not 0.0 <= min_dist <= 1.0:
        raise LatentExplorerError(f"UMAP min_dist must be between 0 and 1, got {min_dist!r}")
    if not isinstance(metric, str):
        raise LatentExplorerError(f"UMAP metric must be a name, got {metric!r}")
    fit_sample = checked_fit_sample(params, DEFAULT_FIT_SAMPLE)

    def embed(sample: npt.NDArray[np.float32], sub: JobContext) -> npt.NDArray[np.float32]:
        kwargs = {
            "n_components": params.n_components,
            "n_neighbors": int(min(n_neighbors, len(sample) - 1)),
            "min_dist": float(min_dist),
            "metric": metric,
            "seed": params.seed,
        }
        message = f"UMAP: fitting {len(sample):,} points ..."
        if _warm is not None:
            result = _warm.call(_QUALNAME, {"latents": sample}, kwargs, sub, message)
        else:
            result = run_in_child(_QUALNAME, {"latents": sample}, kwargs, sub, message)
        return _checked_coords(result["coords"], len(sample), params.n_components)

    coords, sampled = fit_on_sample(
        data, embed, fit_sample=fit_sample, seed=params.seed, ctx=ctx, label="UMAP"
    )
    return UMAPProjector(params, coords, data, sampled)


def _checked_coords(coords: npt.NDArray[Any], n: int, width: int) -> npt.NDArray[np.float32]:
    if coords.shape != (n, width) or not np.isfinite(coords).all():
        raise LatentExplorerError(
            "UMAP returned unusable coordinates (NaN or wrong shape); try another seed or "
            "more neighbours"
        )
    return np.asarray(coords, dtype=np.float32)


def umap_in_child(
    arrays: dict[str, npt.NDArray[Any]],
    *,
    n_components: int,
    n_neighbors: int,
    min_dist: float,
    metric: str,
    seed: int,
) -> dict[str, npt.NDArray[Any]]:
    """Run umap-learn; called in the child process by :func:`run_in_child`."""
    import umap  # heavy (numba): only ever imported in the child

    reducer = umap.UMAP(
        n_components=n_components,
        n_neighbors=n_neighbors,
        min_dist=min_dist,
        metric=metric,
        random_state=seed,
        n_jobs=1,  # a seeded UMAP is single-threaded anyway; saying so avoids its warning
    )
    coords = reducer.fit_transform(np.asarray(arrays["latents"]))
    return {"coords": np.asarray(coords, dtype=np.float32)}


_QUALNAME = f"{__name__}:{umap_in_child.__name__}"
