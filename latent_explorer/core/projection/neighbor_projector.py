"""A projector made of fitted coordinates plus a :class:`NeighborMap`, and fit-on-a-sample.

UMAP and t-SNE both produce coordinates for the points they were fitted on and nothing else;
:class:`NeighborProjector` adds ``transform``/``inverse`` through the neighbour map.
:func:`fit_on_sample` runs an embedding on at most ``fit_sample`` points and places the rest
with the neighbour transform, so the caller can say on screen how many points were fitted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Self

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.jobs import JobContext
from latent_explorer.core.projection.base import ProjectionParams
from latent_explorer.core.projection.neighbors import NeighborMap

Embed = Callable[[npt.NDArray[np.float32], JobContext], npt.NDArray[np.float32]]
"""Fits an embedding: ``embed(latents, ctx) -> coords`` for the same rows."""

_PLACE_CHUNK = 5000


class NeighborProjector:
    """Map coordinates of fitted points, with neighbour-based transform and inverse.

    Parameters
    ----------
    params
        What was computed.
    coords
        ``(N, n_components)`` coordinates of every point.
    latents
        ``(N, D)`` latents of the same points.
    sampled
        How many points the method itself was fitted on when that was a sample, else ``None``.
    """

    def __init__(
        self,
        params: ProjectionParams,
        coords: npt.ArrayLike,
        latents: npt.ArrayLike,
        sampled: int | None = None,
    ) -> None:
        self.params = params
        self.sampled = sampled
        self.neighbors = NeighborMap(coords, latents)
        self.coords: npt.NDArray[np.float32] = self.neighbors.coords

    def transform(self, latents: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Place latents ``(B, D)`` on the map, ``(B, n_components)`` float32."""
        return self.neighbors.transform(latents)

    def inverse(self, coords: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Latents ``(B, D)`` for map positions ``(B, n_components)``, float32."""
        return self.neighbors.inverse(coords)

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Everything needed to rebuild this projector, as plain arrays (for ``.npz``)."""
        return {
            "coords": self.coords,
            "latents": self.neighbors.latents,
            "sampled": np.array(-1 if self.sampled is None else self.sampled, dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, params: ProjectionParams, arrays: Mapping[str, npt.NDArray[Any]]) -> Self:
        """Rebuild a projector from :meth:`to_arrays` output (the trees are rebuilt)."""
        try:
            sampled = int(arrays["sampled"])
            coords, latents = arrays["coords"], arrays["latents"]
        except KeyError as exc:
            raise LatentExplorerError(f"cached {params.method} projection lacks {exc}") from exc
        return cls(params, coords, latents, None if sampled < 0 else sampled)


def fit_on_sample(
    latents: npt.NDArray[np.float32],
    embed: Embed,
    *,
    fit_sample: int,
    seed: int,
    ctx: JobContext,
    label: str,
) -> tuple[npt.NDArray[np.float32], int | None]:
    """Embed all points, or a random sample of ``fit_sample`` and place the rest.

    Parameters
    ----------
    latents
        ``(N, D)`` checked latents.
    embed
        The embedding to fit.
    fit_sample
        The most points to fit on.
    seed
        Seeds the choice of the sample.
    ctx
        Progress and cancel. Fitting takes the first 90 %, placing the rest the last 10 %.
    label
        The method's name for progress messages, e.g. ``"UMAP"``.

    Returns
    -------
    coords, sampled
        ``(N, C)`` float32 coordinates, and the sample size (``None`` when all were fitted).
    """
    n = len(latents)
    if n <= fit_sample:
        return np.asarray(embed(latents, ctx), dtype=np.float32), None
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(n, fit_sample, replace=False))
    coords_fit = np.asarray(embed(latents[chosen], ctx.sub(0.0, 0.9)), dtype=np.float32)
    place = ctx.sub(0.9, 1.0)
    rest = np.setdiff1d(np.arange(n), chosen, assume_unique=True)
    neighbors = NeighborMap(coords_fit, latents[chosen])
    coords = np.empty((n, coords_fit.shape[1]), dtype=np.float32)
    coords[chosen] = coords_fit
    for start in range(0, len(rest), _PLACE_CHUNK):
        place.progress(
            start / len(rest), f"{label}: placing {len(rest):,} points not in the fitted sample"
        )
        block = rest[start : start + _PLACE_CHUNK]
        coords[block] = neighbors.transform(latents[block])
    place.progress(1.0, f"{label}: placed {len(rest):,} points by their neighbours")
    return coords, fit_sample


def checked_fit_sample(params: ProjectionParams, default: int) -> int:
    """The ``fit_sample`` option as a positive int, or raise."""
    value = params.option("fit_sample", default)
    if not isinstance(value, int | np.integer) or value < 10:
        raise LatentExplorerError(f"fit_sample must be an integer of at least 10, got {value!r}")
    return int(value)
