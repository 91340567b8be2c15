"""Encoding a whole dataset into latents, in batches, with progress and cancel."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.errors import IncompatibleError, LatentExplorerError, ModelOutputError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.models.base import GenerativeModel

_BATCH_VALUES = 1 << 23
"""Most pixel values handed to an encoder at once (8M floats, 32 MB)."""


def check_compatible(model: GenerativeModel, dataset: Dataset) -> None:
    """Raise :class:`IncompatibleError` if ``model`` cannot encode ``dataset``'s images."""
    if not model.has_encoder:
        raise IncompatibleError(
            f"{model.name} has no encoder, so it cannot place the images of {dataset.name} "
            "on the map"
        )
    if tuple(model.image_shape) != tuple(dataset.image_shape):
        want = "x".join(str(v) for v in model.image_shape)
        have = "x".join(str(v) for v in dataset.image_shape)
        raise IncompatibleError(
            f"{model.name} works on {want} images (HxWxC) but {dataset.name} has {have} images"
        )


def try_encoder(model: GenerativeModel, dataset: Dataset) -> None:
    """Raise :class:`IncompatibleError` unless ``model`` encodes one real image of ``dataset``.

    Tried, not assumed: an encoder may be present and still take another input layout or
    size than the dataset's images. The message says what it was given and what failed.
    """
    check_compatible(model, dataset)
    if len(dataset) == 0:
        return
    try:
        codes = model.encode(dataset.float_batch(0, 1))
    except (ModelOutputError, ValueError, TypeError, RuntimeError) as exc:
        shape = "x".join(str(v) for v in dataset.image_shape)
        raise IncompatibleError(
            f"{model.name}'s encoder fails on one {shape} image of {dataset.name}: {exc}"
        ) from exc
    if codes.shape != (1, model.latent_dim):
        raise IncompatibleError(
            f"{model.name}'s encoder returned shape {codes.shape} for one image of "
            f"{dataset.name}; expected (1, {model.latent_dim})"
        )


def encoder_verdict(
    model: GenerativeModel,
    dataset: Dataset | None = None,
    images: npt.NDArray[np.float32] | None = None,
) -> str:
    """One line on whether ``model``'s encoder works, tried on one real image, never assumed.

    Tried on the first image of ``dataset`` when given, else on the first of ``images`` (e.g.
    the model's own decoded images, float32 in [0, 1]).
    """
    if not model.has_encoder:
        return "decoder only (no encoder)"
    if dataset is not None:
        try:
            try_encoder(model, dataset)
        except IncompatibleError as exc:
            return f"encoder: cannot encode {dataset.name}: {exc}"
        return f"encoder: yes, it can encode {dataset.name} (tried on one image)"
    if images is not None and len(images):
        try:
            model.encode(np.asarray(images[:1], dtype=np.float32))
        except (LatentExplorerError, ValueError, TypeError, RuntimeError) as exc:
            return f"encoder: fails on one of its own decoded images: {exc}"
        return "encoder: yes (tried on one of its decoded images)"
    return "with an encoder (not tried yet)"


def encode_dataset(
    model: GenerativeModel,
    dataset: Dataset,
    ctx: JobContext | None = None,
    batch_size: int = 512,
) -> npt.NDArray[np.float32]:
    """Encode every image of ``dataset``; returns ``(N, latent_dim)`` float32.

    Raises
    ------
    IncompatibleError
        If the model has no encoder or expects another image shape.
    ModelOutputError
        If the encoder raises or returns non-finite values.
    JobCancelled
        If ``ctx`` was cancelled.
    """
    ctx = ctx or null_context()
    check_compatible(model, dataset)
    # Photos at 256 px are 50 times the pixels of a digit: bound a batch's floats (~32 MB).
    batch_size = max(1, min(batch_size, _BATCH_VALUES // math.prod(dataset.image_shape)))
    total = len(dataset)
    out = np.empty((total, model.latent_dim), dtype=np.float32)
    ctx.progress(0.0, f"Encoding {total:,} images")
    for start in range(0, total, batch_size):
        stop = min(start + batch_size, total)
        codes = model.encode(dataset.float_batch(start, stop))
        if not np.all(np.isfinite(codes)):
            raise ModelOutputError(
                f"{model.name} returned NaN or infinite latents for images {start}-{stop - 1}"
            )
        out[start:stop] = codes
        ctx.progress(stop / total, f"Encoded {stop:,} of {total:,} images")
    return out
