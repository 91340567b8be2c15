"""Where the data lives in latent space: ranges, histograms and principal directions.

The latent sliders show, under each slider, how the encoded dataset is spread along that
direction, and can move along either the raw latent dimensions or the principal directions of
the data (raw dimensions of a VAE are often entangled; principal directions, as in GANSpace,
tend to change one thing at a time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

BASES = ("raw", "pca")
FULL_BASIS_UP_TO = 512
"""Up to this many dimensions every principal direction is found (an exact eigen-solve);
longer latents (spatial ones hold thousands) keep the :data:`LEADING_DIRECTIONS` leading
directions, found by a randomised SVD in seconds instead of minutes."""
LEADING_DIRECTIONS = 64


@dataclass(frozen=True, eq=False)
class LatentStats:
    """Summary of a set of latents ``(N, D)`` used by the sliders."""

    mean: npt.NDArray[np.float32]
    """Mean latent, ``(D,)``."""
    components: npt.NDArray[np.float32]
    """Principal directions as rows, ``(K, D)``, orthonormal, by falling variance; ``K`` is
    ``D`` up to :data:`FULL_BASIS_UP_TO` dimensions, else the leading ones."""
    explained: npt.NDArray[np.float32]
    """Fraction of the whole variance along each principal direction, ``(K,)``."""
    ranges: dict[str, npt.NDArray[np.float32]]
    """Per basis, slider ranges ``(D or K, 2)`` (low, high) covering the data with some
    margin."""
    histograms: dict[str, npt.NDArray[np.float32]]
    """Per basis, ``(D or K, bins)`` histograms over each range, scaled so each row peaks
    at 1."""

    @property
    def dim(self) -> int:
        """Number of latent dimensions."""
        return int(self.mean.shape[0])

    def to_basis(self, latent: npt.NDArray[np.float32], basis: str) -> npt.NDArray[np.float32]:
        """Slider values of ``latent`` in ``basis`` (``raw`` or ``pca``)."""
        latent = np.asarray(latent, dtype=np.float32).reshape(-1)
        if basis == "raw":
            return latent.copy()
        return ((latent - self.mean) @ self.components.T).astype(np.float32)

    def from_basis(self, values: npt.NDArray[np.float32], basis: str,
                   like: npt.NDArray[np.float32] | None = None) -> npt.NDArray[np.float32]:
        """The latent whose slider values in ``basis`` are ``values``.

        With only the leading principal directions known, ``like`` (the current latent)
        supplies the rest: the result differs from it only along the directions.
        """
        values = np.asarray(values, dtype=np.float32).reshape(-1)
        if basis == "raw":
            return values.copy()
        if like is None:
            return (self.mean + values @ self.components).astype(np.float32)
        like = np.asarray(like, dtype=np.float32).reshape(-1)
        return (like + (values - self.to_basis(like, basis)) @ self.components).astype(
            np.float32)


def compute_latent_stats(
    latents: npt.NDArray[np.float32], bins: int = 32, max_rows: int = 200_000, seed: int = 0
) -> LatentStats:
    """Summarise ``latents`` for the sliders (a random sample of ``max_rows`` if larger)."""
    data = np.asarray(latents, dtype=np.float32)
    if data.ndim != 2 or len(data) == 0:
        raise ValueError(f"latents must be a non-empty (N, D) array, got {data.shape}")
    if len(data) > max_rows:
        rows = np.random.default_rng(seed).choice(len(data), max_rows, replace=False)
        data = data[np.sort(rows)]
    mean = data.mean(axis=0)
    centred = data - mean
    if data.shape[1] <= FULL_BASIS_UP_TO:
        # Eigen-decomposition of the D x D scatter matrix gives a full orthonormal basis of
        # principal directions whatever N is (an SVD of the N x D data would build N x N
        # factors).
        scatter = centred.astype(np.float64).T @ centred.astype(np.float64)
        eigenvalues, eigenvectors = np.linalg.eigh(scatter)
        order = np.argsort(eigenvalues)[::-1]
        variance = np.clip(eigenvalues[order], 0.0, None)
        explained = variance / max(variance.sum(), 1e-12)
        components = eigenvectors[:, order].T.astype(np.float32)
    else:
        components, explained = _leading_directions(centred, seed)
    ranges: dict[str, npt.NDArray[np.float32]] = {}
    histograms: dict[str, npt.NDArray[np.float32]] = {}
    for basis, values in (("raw", data), ("pca", centred @ components.T)):
        low = np.percentile(values, 0.5, axis=0)
        high = np.percentile(values, 99.5, axis=0)
        span = np.maximum(high - low, 1e-3)
        lo, hi = low - 0.25 * span, high + 0.25 * span
        ranges[basis] = np.stack([lo, hi], axis=1).astype(np.float32)
        hist = np.zeros((values.shape[1], bins), dtype=np.float32)
        for d in range(values.shape[1]):
            counts, _ = np.histogram(values[:, d], bins=bins, range=(lo[d], hi[d]))
            hist[d] = counts / max(counts.max(), 1)
        histograms[basis] = hist
    return LatentStats(mean.astype(np.float32), components, explained.astype(np.float32),
                       ranges, histograms)


def _leading_directions(
    centred: npt.NDArray[np.float32], seed: int
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64]]:
    """The :data:`LEADING_DIRECTIONS` leading principal directions ``(K, D)`` of centred data
    and their shares of the whole variance (a randomised SVD of at most 20,000 rows)."""
    from sklearn.utils.extmath import randomized_svd

    rows = centred
    if len(rows) > 20_000:
        pick = np.random.default_rng(seed).choice(len(rows), 20_000, replace=False)
        rows = rows[np.sort(pick)]
    k = max(1, min(LEADING_DIRECTIONS, rows.shape[0], rows.shape[1]))
    _, singular, vt = randomized_svd(rows, k, n_iter=4, random_state=seed)
    total = float(np.square(rows, dtype=np.float64).sum())
    explained = np.square(singular.astype(np.float64)) / max(total, 1e-12)
    return vt.astype(np.float32), explained
