"""Arrays of images (``.npz``, ``.npy``, IDX) at another size, as folders of images load.

``--image-size 64`` opens a folder of photos at 64 px; the same option opens a 32 px array at
64 px for a model that wants 64 (or an MNIST file at 32 for a convolutional model). Each image
is cropped around its centre to the new aspect ratio and resized, as photos are.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.datasets.image_decode import fit_image
from latent_explorer.core.datasets.image_folder import MEMORY_BUDGET, ImageSize
from latent_explorer.core.errors import DatasetError
from latent_explorer.core.jobs import JobContext

_PROGRESS_EVERY = 256


def resize_dataset(dataset: ArrayDataset, image_size: ImageSize,
                   ctx: JobContext | None = None) -> ArrayDataset:
    """``dataset`` with every image at ``image_size`` (``64`` or ``(height, width)``).

    Labels, names and metadata stay; a note says what was done. The same dataset comes back
    when its images have that size already.

    Raises
    ------
    DatasetError
        The resized images would not fit in memory (more than 4 GB).
    """
    height, width = (image_size, image_size) if isinstance(image_size, int) else image_size
    if min(height, width) < 1:
        raise DatasetError(dataset.source, f"cannot load images at {width}x{height} pixels")
    old_h, old_w, channels = dataset.image_shape
    if (old_h, old_w) == (height, width):
        return dataset
    count = len(dataset)
    needed = count * height * width * channels
    if needed > MEMORY_BUDGET:
        raise DatasetError(Path(dataset.source), f"{count:,} images of {width}x{height} would "
                           f"need {needed / 2**30:.1f} GB: choose a smaller --image-size")
    images = np.empty((count, height, width, channels), dtype=np.uint8)
    for index in range(count):
        if ctx is not None and index % _PROGRESS_EVERY == 0:
            ctx.progress(index / max(1, count), f"resizing images ({index:,} of {count:,})")
            ctx.check()
        images[index] = _fit(dataset.images[index], (width, height))
    cropped = old_w * height != old_h * width
    note = (f"images resized from {old_w}x{old_h} to {width}x{height}"
            + (" (cropped around the centre to the new shape)" if cropped else ""))
    return dataclasses.replace(dataset, images=images, notes=[*dataset.notes, note],
                               _fingerprint=None)


def _fit(image: npt.NDArray[np.uint8], size: tuple[int, int]) -> npt.NDArray[np.uint8]:
    if image.shape[-1] == 1:
        return fit_image(np.ascontiguousarray(image[..., 0]), size)[..., None]
    return fit_image(np.ascontiguousarray(image), size)
