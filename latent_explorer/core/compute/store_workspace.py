"""Opening a latent store (``.zarr`` from ``encode-distributed``) as the window's data.

A store holds latents (and labels), not images: each point's picture is what the model decodes
from its latent, computed when it is looked at (hover, selection, thumbnails), never for all
points up front.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.errors import IncompatibleError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.models.base import GenerativeModel, to_uint8


def is_store_spec(spec: str) -> bool:
    """Whether ``spec`` names a Zarr latent store."""
    return spec.rstrip("/\\").endswith(".zarr")


class DecodedImages:
    """An array-like ``(N, H, W, C)`` uint8 whose rows are decoded from latents on access."""

    ndim = 4
    dtype = np.dtype(np.uint8)

    def __init__(self, model: GenerativeModel, latents: Any) -> None:
        if len(model.image_shape) != 3:
            raise IncompatibleError(f"{model.name} does not make images")
        self.model = model
        self.latents = latents
        self.shape = (int(latents.shape[0]), *(int(v) for v in model.image_shape))

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> npt.NDArray[np.uint8]:
        rows = np.arange(self.shape[0])[key]
        single = np.ndim(rows) == 0
        rows = np.atleast_1d(rows)
        latents = np.asarray(self.latents[np.sort(rows)] if len(rows) else
                             np.zeros((0, self.model.latent_dim)), dtype=np.float32)
        order = np.argsort(np.argsort(rows))  # back to the order asked for
        images = to_uint8(self.model.decode(latents[order])) if len(rows) else \
            np.zeros((0, *self.shape[1:]), dtype=np.uint8)
        return images[0] if single else images

    def __array__(self, dtype: Any = None, copy: Any = None) -> npt.NDArray[np.uint8]:
        return np.asarray(self[:], dtype=dtype)


def store_dataset(path: str, model: GenerativeModel, ctx: JobContext | None = None
                  ) -> tuple[ArrayDataset, npt.NDArray[np.float32]]:
    """The store at ``path`` as a dataset whose images ``model`` decodes on demand."""
    from latent_explorer.core.compute.latent_store import open_latent_store

    ctx = ctx or null_context()
    ctx.progress(None, f"Reading {Path(path).name}")
    latents, labels, attrs = open_latent_store(path)
    if int(latents.shape[1]) != model.latent_dim:
        raise IncompatibleError(f"{path} holds {latents.shape[1]}-value latents but "
                                f"{model.name} takes {model.latent_dim}")
    values = np.asarray(latents[:], dtype=np.float32)  # N x D floats: small beside images
    names = None
    if labels is not None and len(labels):
        names = [str(i) for i in range(int(labels.max()) + 1)]
    fingerprint = str(attrs.get("fingerprint") or f"store:{Path(path).resolve()}:{len(values)}")
    dataset = ArrayDataset(
        Path(path).name, str(Path(path).resolve()),
        DecodedImages(model, values),  # type: ignore[arg-type]  # array-like, decoded on access
        labels, names,
        notes=[f"{len(values):,} latents from a latent store; pictures are decoded from them "
               "when shown"],
        _fingerprint=fingerprint)
    return dataset, values
