"""PCA maps: an exact linear projection onto the top principal directions, and back.

The map coordinates are ``(latent - mean) @ components.T``; the inverse of a map position is
the latent on the PCA plane, ``mean + coords @ components``. Both are exact (up to float32),
so ``transform(inverse(c)) == c``, and ``inverse(transform(x))`` is ``x`` projected onto the
plane. The fit keeps *all* principal directions with their variances
(:attr:`PCAProjector.all_components`, :attr:`PCAProjector.all_explained_variance`) because the
window offers sliders along the leading ones, scaled by their standard deviation.

Fitting accumulates the covariance matrix in chunks (float64) and diagonalises it, which is
fast for the tall arrays of an encoded dataset and reports progress; when there are fewer
points than dimensions it takes an SVD of the centred data instead. Each direction's sign is
fixed so that its largest entry is positive, so refits give the same map.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.projection.base import ProjectionParams
from latent_explorer.core.projection.checks import check_latents, check_params, check_queries

_CHUNK = 16_384


class PCAProjector:
    """A fitted PCA map.

    Parameters
    ----------
    params
        What was computed (``method="pca"``).
    mean
        ``(D,)`` mean latent.
    all_components
        ``(R, D)`` orthonormal principal directions, most variance first (``R = min(N, D)``).
    all_explained_variance
        ``(R,)`` variance of the data along each direction.
    coords
        ``(N, n_components)`` map coordinates of the fitted latents.
    """

    sampled: int | None = None
    """PCA always uses every point."""

    def __init__(
        self,
        params: ProjectionParams,
        mean: npt.ArrayLike,
        all_components: npt.ArrayLike,
        all_explained_variance: npt.ArrayLike,
        coords: npt.ArrayLike,
    ) -> None:
        self.params = params
        self.mean = np.asarray(mean, dtype=np.float64)
        self.all_components = np.asarray(all_components, dtype=np.float64)
        self.all_explained_variance = np.asarray(all_explained_variance, dtype=np.float64)
        self.coords: npt.NDArray[np.float32] = np.asarray(coords, dtype=np.float32)
        if self.all_components.shape[0] < params.n_components:
            raise LatentExplorerError(
                f"a {params.n_components}-D PCA map needs at least {params.n_components} "
                f"principal directions, the fit has {self.all_components.shape[0]}"
            )

    @property
    def components(self) -> npt.NDArray[np.float64]:
        """``(n_components, D)`` directions spanning the map plane."""
        return self.all_components[: self.params.n_components]

    @property
    def all_explained_variance_ratio(self) -> npt.NDArray[np.float64]:
        """``(R,)`` share of the total variance along each direction."""
        total = float(self.all_explained_variance.sum())
        if total <= 0.0:
            return np.zeros_like(self.all_explained_variance)
        return self.all_explained_variance / total

    @property
    def explained_variance_ratio(self) -> npt.NDArray[np.float64]:
        """``(n_components,)`` share of the total variance shown by each map axis."""
        return self.all_explained_variance_ratio[: self.params.n_components]

    def transform(self, latents: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Map coordinates ``(B, n_components)`` of latents ``(B, D)`` (``(D,)`` gives ``(C,)``)."""
        queries, single = check_queries(latents, self.mean.shape[0], "latents")
        out = ((queries - self.mean) @ self.components.T).astype(np.float32)
        return out[0] if single else out

    def inverse(self, coords: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Latents ``(B, D)`` on the PCA plane at map positions ``(B, n_components)``."""
        queries, single = check_queries(coords, self.params.n_components, "map coordinates")
        out = (self.mean + queries @ self.components).astype(np.float32)
        return out[0] if single else out

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        """Everything needed to rebuild this projector, as plain arrays (for ``.npz``)."""
        return {
            "mean": self.mean,
            "all_components": self.all_components,
            "all_explained_variance": self.all_explained_variance,
            "coords": self.coords,
        }

    @classmethod
    def from_arrays(
        cls, params: ProjectionParams, arrays: Mapping[str, npt.NDArray[Any]]
    ) -> PCAProjector:
        """Rebuild a projector from :meth:`to_arrays` output."""
        try:
            return cls(
                params,
                arrays["mean"],
                arrays["all_components"],
                arrays["all_explained_variance"],
                arrays["coords"],
            )
        except KeyError as exc:
            raise LatentExplorerError(f"cached PCA projection lacks {exc}") from exc


def fit_pca(
    latents: npt.ArrayLike, params: ProjectionParams, ctx: JobContext | None = None
) -> PCAProjector:
    """Fit a PCA map of ``latents`` ``(N, D)``.

    Parameters
    ----------
    latents
        The encoded dataset.
    params
        ``method="pca"`` and ``n_components`` 2 or 3; options are ignored.
    ctx
        Progress while the covariance is accumulated, and cancel.

    Raises
    ------
    LatentExplorerError
        If the latents are malformed, or have fewer dimensions than the map.
    """
    ctx = ctx or null_context()
    check_params(params)
    data = check_latents(latents, min_points=2)
    n, dim = data.shape
    if dim < params.n_components:
        raise LatentExplorerError(
            f"a {params.n_components}-D PCA map needs latents with at least "
            f"{params.n_components} dimensions, these have {dim}"
        )
    mean = data.mean(axis=0, dtype=np.float64)
    if n >= dim:
        cov = np.zeros((dim, dim))
        for start in range(0, n, _CHUNK):
            ctx.progress(start / n, f"PCA: {n:,} points")
            block = data[start : start + _CHUNK].astype(np.float64) - mean
            cov += block.T @ block
        cov /= n - 1
        variance, vectors = np.linalg.eigh(cov)
        order = np.argsort(variance)[::-1]
        components = vectors[:, order].T
        variance = np.clip(variance[order], 0.0, None)
    else:
        ctx.progress(None, f"PCA: {n:,} points")
        _, singular, components = np.linalg.svd(data - mean, full_matrices=False)
        variance = singular**2 / (n - 1)
    largest = np.argmax(np.abs(components), axis=1)
    signs = np.sign(components[np.arange(len(components)), largest])
    components *= np.where(signs == 0, 1.0, signs)[:, None]
    coords = ((data - mean) @ components[: params.n_components].T).astype(np.float32)
    ctx.progress(1.0, f"PCA: {n:,} points")
    return PCAProjector(params, mean, components, variance, coords)
