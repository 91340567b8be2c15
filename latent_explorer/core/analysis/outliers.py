"""Which samples are unusual: badly reconstructed, or far from every other code.

Two scores, both "larger = more unusual":

- :func:`reconstruction_error`: how far ``decode(latent)`` is from the original image (mean
  squared error per pixel, values in [0, 1]); large for images the model did not learn.
- :func:`density_scores`: the mean distance of a latent to its ``k`` nearest other latents;
  large for codes in empty regions of latent space.

:func:`top_outliers` picks the highest scores.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from latent_explorer.core.analysis.nearest import NeighborIndex
from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.errors import IncompatibleError, ModelOutputError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.models.base import GenerativeModel

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]

DENSITY_REFERENCE_LIMIT = 20_000
"""Above this many latents, neighbours are searched among a random sample of this size."""
_CHUNK = 2048


def reconstruction_error(
    model: GenerativeModel,
    dataset: Dataset,
    latents: npt.ArrayLike,
    ctx: JobContext | None = None,
    batch_size: int = 256,
) -> FloatArray:
    """Mean squared error per image between each original and its decoded latent.

    Parameters
    ----------
    model
        Decodes ``latents`` into images of the dataset's shape.
    dataset
        The originals; row ``i`` belongs to ``latents[i]``.
    latents
        ``(N, latent_dim)`` codes (usually the encoded dataset).
    ctx
        Progress after each batch; cancel between batches.
    batch_size
        Images decoded at a time.

    Returns
    -------
    numpy.ndarray
        ``(N,)`` float32, pixels taken in [0, 1] (so the error is in [0, 1]).

    Raises
    ------
    IncompatibleError
        If the model's images or latents do not fit the dataset.
    ModelOutputError
        If the decoder fails or returns non-finite values.
    """
    ctx = ctx or null_context()
    codes = np.asarray(latents, dtype=np.float32)
    total = len(dataset)
    if codes.shape != (total, model.latent_dim):
        raise IncompatibleError(
            f"expected {total} latents of {model.latent_dim} values for {dataset.name}, "
            f"got an array of shape {codes.shape}"
        )
    if tuple(model.image_shape) != tuple(dataset.image_shape):
        raise IncompatibleError(
            f"{model.name} decodes images of shape {tuple(model.image_shape)} but "
            f"{dataset.name} has {dataset.image_shape}"
        )
    labels = dataset.labels if model.num_classes > 0 else None
    if model.num_classes > 0 and labels is None:
        raise IncompatibleError(f"{model.name} needs class labels, and {dataset.name} has none")
    errors = np.empty(total, dtype=np.float32)
    ctx.progress(0.0, f"Reconstructing {total:,} images")
    for start in range(0, total, batch_size):
        stop = min(start + batch_size, total)
        batch_labels = None if labels is None else labels[start:stop]
        decoded = model.decode(codes[start:stop], batch_labels)
        if not np.all(np.isfinite(decoded)):
            raise ModelOutputError(f"{model.name} decoded NaN or infinite pixels")
        diff = decoded.reshape(stop - start, -1) - dataset.float_batch(start, stop).reshape(
            stop - start, -1
        )
        errors[start:stop] = np.mean(diff * diff, axis=1)
        ctx.progress(stop / total, f"Reconstructed {stop:,} of {total:,} images")
    return errors


def density_scores(
    latents: npt.ArrayLike,
    k: int = 10,
    *,
    max_reference: int = DENSITY_REFERENCE_LIMIT,
    seed: int = 0,
    ctx: JobContext | None = None,
    notes: list[str] | None = None,
) -> FloatArray:
    """Mean Euclidean distance of each latent to its ``k`` nearest other latents.

    Parameters
    ----------
    latents
        ``(N, D)`` codes.
    k
        Neighbours averaged over (fewer when there are fewer other latents).
    max_reference
        With more latents than this, neighbours are looked for among a random sample of
        ``max_reference`` latents only (every latent is still scored). Distances to a sample
        are larger than to all, by about ``(N / max_reference) ** (1 / D)``, alike for every
        latent, so the ranking is nearly the same; a sentence saying so goes to ``notes``.
    seed
        Seeds that sample.
    ctx
        Progress after each chunk of latents; cancel between chunks.
    notes
        Receives a sentence about sampling, if any.

    Returns
    -------
    numpy.ndarray
        ``(N,)`` float32, larger = more isolated (0 for one latent alone).
    """
    ctx = ctx or null_context()
    data = np.asarray(latents, dtype=np.float32)
    if data.ndim != 2 or len(data) == 0:
        raise ValueError(f"latents must be a non-empty (N, D) array, got {data.shape}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    count = len(data)
    reference = np.arange(count)
    if count > max_reference:
        rng = np.random.default_rng(seed)
        reference = np.sort(rng.choice(count, max_reference, replace=False))
        if notes is not None:
            notes.append(
                f"isolation scores measure distances to a random sample of {max_reference:,} "
                f"of {count:,} latents"
            )
    k = min(k, len(reference) - 1)
    scores = np.zeros(count, dtype=np.float32)
    if k < 1:
        return scores
    index = NeighborIndex(data[reference])
    ctx.progress(0.0, f"Measuring isolation of {count:,} latents")
    for start in range(0, count, _CHUNK):
        rows = np.arange(start, min(start + _CHUNK, count))
        found, distances = index.query(data[rows], k + 1)
        # A latent is not its own neighbour: drop it (it may be anywhere among exact ties).
        is_self = reference[found] == rows[:, None]
        nearest = np.sort(np.where(is_self, np.inf, distances), axis=1)[:, :k]
        scores[rows] = nearest.mean(axis=1)
        ctx.progress(rows[-1] / max(count - 1, 1), f"Scored {rows[-1] + 1:,} of {count:,}")
    return scores


def top_outliers(scores: npt.ArrayLike, n: int) -> IntArray:
    """Indices of the ``n`` highest scores, highest first (NaN scores come never).

    Ties keep the lower index first, so the answer is reproducible.
    """
    values = np.asarray(scores, dtype=np.float64).reshape(-1)
    if n < 0:
        raise ValueError(f"n must not be negative, got {n}")
    valid = np.flatnonzero(~np.isnan(values))
    order = valid[np.lexsort((valid, -values[valid]))]
    return order[:n].astype(np.int64)
