"""Images held in memory at another size: each cropped around its centre and resized.

``lx.load_dataset(images, image_size=64)`` (and ``lx.explore(..., image_size=64)``) hands a
model that wants 64-pixel images the user's 28-pixel arrays, the way a folder of images is
loaded at a size: the centre is cropped to the size's aspect, then resized.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.errors import SpecError

MAX_VALUES = 1 << 31
"""Most pixel values (bytes) the resized images may take: 2 GiB."""


def resized(dataset: ArrayDataset, image_size: int | tuple[int, int]) -> ArrayDataset:
    """``dataset`` with every image at ``image_size`` (a side, or ``(height, width)``).

    The images are returned as they are when they already have that size; the dataset's
    ``notes`` say they were resized. Raises :class:`SpecError` for a size that is no positive
    number of pixels, or whose images would not fit in :data:`MAX_VALUES` bytes.
    """
    from latent_explorer.core.datasets.image_decode import fit_image

    try:
        height, width = ((image_size, image_size) if isinstance(image_size, int)
                         else (int(image_size[0]), int(image_size[1])))
    except (TypeError, ValueError, IndexError):
        raise SpecError(f"image_size must be a side or (height, width), not {image_size!r}"
                        ) from None
    if min(height, width) < 1:
        raise SpecError(f"image_size must be positive, not {image_size!r}")
    h, w, channels = dataset.image_shape
    if (h, w) == (height, width):
        return dataset
    count = len(dataset)
    if count * height * width * channels > MAX_VALUES:
        raise SpecError(f"{count:,} images at {height}x{width} would take more than "
                        f"{MAX_VALUES >> 30} GiB; give a smaller image_size")
    out = np.empty((count, height, width, channels), dtype=np.uint8)
    for index in range(count):
        image = np.asarray(dataset.images[index])
        fitted = fit_image(image[..., 0] if channels == 1 else image, (width, height))
        out[index] = fitted.reshape(height, width, channels)
    note = f"images resized from {h}x{w} to {height}x{width} (cropped around the centre)"
    return dataclasses.replace(dataset, images=out, notes=[*dataset.notes, note],
                               _fingerprint=None)
