"""Saving decoded images as PNG files, upscaled crisply, written atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt


def upscale_nearest(image: npt.NDArray[np.uint8], factor: int) -> npt.NDArray[np.uint8]:
    """Enlarge ``image`` ``(H, W[, C])`` by an integer ``factor``, keeping pixels sharp."""
    if factor <= 1:
        return image
    return np.repeat(np.repeat(image, factor, axis=0), factor, axis=1)


def save_png(path: str | Path, image: npt.NDArray[np.uint8], scale: int = 1) -> Path:
    """Write a uint8 image ``(H, W)`` or ``(H, W, 1|3|4)`` as PNG at ``path``, atomically.

    ``scale`` enlarges it by nearest neighbour first (small decoded images are 8x8 or 28x28).
    """
    from PIL import Image

    target = Path(path)
    array = upscale_nearest(np.asarray(image, dtype=np.uint8), scale)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    from latent_explorer.core.fileio import atomic_writer

    with atomic_writer(target) as handle:
        Image.fromarray(array).save(handle, format="PNG")
    return target
