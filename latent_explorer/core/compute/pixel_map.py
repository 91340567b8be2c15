"""A map of a dataset's own pixels, for images that no model fits yet.

``latent-explorer gui --dataset my_images/`` with no model (or where the demo model does not
fit) opens this map: each image flattened to a vector of its pixels (averaged down to at most
:data:`PIXEL_VALUES` values), mapped like latents. Nothing decodes; the window offers to train
a model on the images, and then shows that model's latents instead.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.compute.cache import ResultCache, cache_key, enabled_folder
from latent_explorer.core.compute.pipeline import Workspace
from latent_explorer.core.compute.vectors_workspace import NO_MODEL_REASON, finish_workspace
from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.errors import InputFileError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.models.no_decoder import PIXELS_SPEC, NoDecoder
from latent_explorer.core.projection.base import ProjectionParams

PIXEL_VALUES = 1024
"""Pixel maps use at most this many values per image (larger images are averaged down)."""


# --- pixels ----------------------------------------------------------------------------------
def pixel_vectors(dataset: Dataset, ctx: JobContext | None = None,
                  max_values: int = PIXEL_VALUES) -> tuple[npt.NDArray[np.float32], str]:
    """The images of ``dataset`` as flat float32 vectors in [0, 1], averaged down to at most
    ``max_values`` values each; returns them and a note of the size used."""
    ctx = ctx or null_context()
    h, w, c = dataset.image_shape
    factor = 1
    while -(-h // factor) * -(-w // factor) * c > max_values:
        factor += 1
    th, tw = -(-h // factor), -(-w // factor)
    out = np.empty((len(dataset), th * tw * c), dtype=np.float32)
    step = 2048
    for start in range(0, len(dataset), step):
        ctx.progress(start / max(1, len(dataset)), "Flattening pixels")
        block = dataset.float_batch(start, start + step)
        if factor > 1:
            block = _block_mean(block, factor)
        out[start:start + len(block)] = block.reshape(len(block), -1)
    size = f"{tw}x{th}" + ("" if c == 1 else " colour")
    note = f"{w}x{h} images averaged down to {size}" if factor > 1 else f"{w}x{h} pixels"
    return out, note


def _block_mean(images: npt.NDArray[np.float32], factor: int) -> npt.NDArray[np.float32]:
    n, h, w, c = images.shape
    ph, pw = -(-h // factor) * factor, -(-w // factor) * factor
    padded = np.pad(images, ((0, 0), (0, ph - h), (0, pw - w), (0, 0)), mode="edge")
    blocks = padded.reshape(n, ph // factor, factor, pw // factor, factor, c)
    mean: npt.NDArray[np.float32] = blocks.mean(axis=(2, 4), dtype=np.float32)
    return mean


def open_pixels_workspace(
    dataset: Dataset | str,
    params: ProjectionParams | None = None,
    cache: ResultCache | None = None,
    ctx: JobContext | None = None,
    labels: str | None = None,
    why: str | None = None,
    image_size: int | tuple[int, int] | None = None,
) -> Workspace:
    """The map of a dataset's own pixels, for images that no model fits yet.

    Each image is flattened (averaged down to at most :data:`PIXEL_VALUES` values) and the
    vectors are mapped like latents; nothing decodes. The model's ``source`` is ``pixels``.
    ``why`` (e.g. the model that was open does not fit) begins the reason the window shows.
    ``image_size``: the size to load a folder or zip of images at (kept in the image cache
    of ``cache``'s folder).
    """
    ctx = ctx or null_context()
    if isinstance(dataset, str):
        from latent_explorer.core.datasets import load_dataset

        ctx.progress(0.0, f"Reading {dataset}")
        cache_dir = enabled_folder(cache)
        dataset = load_dataset(dataset, labels=labels, ctx=ctx.sub(0.0, 0.4),
                               image_size=image_size, cache_dir=cache_dir)
    values, note = pixel_vectors(dataset, ctx.sub(0.4, 0.6))
    if len(values) < 2:
        raise InputFileError(Path(dataset.source), "needs at least 2 images for a map")
    key = cache_key("pixels", dataset.fingerprint(), str(values.shape[1]))
    reason = f"{NO_MODEL_REASON} ({note})"
    if why:
        reason = f"{why}; {reason.replace('no model yet: ', '')}"
    model = NoDecoder(values.shape[1], PIXELS_SPEC, "no model (pixels)", reason, key)
    return finish_workspace(dataset, model, values, params, cache, ctx.sub(0.6, 1.0))
