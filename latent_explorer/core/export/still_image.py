"""One decoded image saved as PNG or JPEG, enlarged by a whole factor, within memory.

The format follows the file name: ``.png``, ``.jpg`` / ``.jpeg`` (real JPEG bytes, not a PNG
under a JPEG name); any other name is refused before anything is decoded. The enlarged image
is held in memory while it is encoded, so its size is checked against the memory budget (and
the format's own limit on a side) before it is made.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import ExportError, LatentExplorerError
from latent_explorer.core.memory_budget import memory_budget
from latent_explorer.core.sizes import format_size

STILL_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
"""File name suffix -> the format written."""
MAX_SIDE = {"PNG": 2**31 - 1, "JPEG": 65_535}
"""The longest side each format can store."""
JPEG_QUALITY = 95
_COPIES = 3
"""The enlarged pixels, the encoder's own copy, and a conversion (grey or RGB) on the way."""


def still_format(path: str | Path) -> str:
    """``"PNG"`` or ``"JPEG"`` for an output name; raises :class:`ExportError` for another
    suffix or a folder."""
    target = Path(path)
    if target.is_dir() or not target.name:
        raise ExportError(f"{path}: is a folder; give an image file name ending in .png or .jpg")
    fmt = STILL_FORMATS.get(target.suffix.lower())
    if fmt is None:
        raise ExportError(f"{path}: cannot write a {target.suffix or 'suffix-less'} image; "
                          "name it .png, .jpg or .jpeg")
    return fmt


def check_enlargement(shape: tuple[int, ...], scale: int, path: str | Path) -> None:
    """Refuse, before it is made, an image of ``shape`` ``(H, W[, C])`` enlarged ``scale``
    times that would not fit the format or the memory budget.

    Raises
    ------
    LatentExplorerError
        Saying how large the image would be and what the limit is.
    """
    fmt = still_format(path)
    height, width = int(shape[0]) * scale, int(shape[1]) * scale
    channels = int(shape[2]) if len(shape) > 2 else 1
    if max(height, width) > MAX_SIDE[fmt]:
        raise LatentExplorerError(
            f"{path}: enlarged {scale} times the image would be {width}x{height} pixels; "
            f"{fmt} stores at most {MAX_SIDE[fmt]:,} pixels a side")
    needed = height * width * max(channels, 3) * _COPIES
    budget = memory_budget()
    if needed > budget.size:
        raise LatentExplorerError(
            f"{path}: enlarged {scale} times the image would be {width}x{height} pixels and "
            f"need {format_size(needed)} of memory, more than the {budget.describe()} one "
            "image may take here; use a smaller scale")


def save_still(path: str | Path, image: npt.NDArray[np.uint8], scale: int = 1) -> Path:
    """Write a uint8 image ``(H, W)`` or ``(H, W, 1|3|4)`` enlarged ``scale`` times (nearest
    neighbour) as PNG or JPEG by the name's suffix, atomically.

    Raises
    ------
    ExportError
        For a name of another format, or a folder.
    LatentExplorerError
        When the enlarged image would not fit (see :func:`check_enlargement`).
    """
    from PIL import Image

    from latent_explorer.core.export.images import upscale_nearest
    from latent_explorer.core.fileio import atomic_writer

    target = Path(path)
    fmt = still_format(target)
    pixels = np.asarray(image, dtype=np.uint8)
    check_enlargement(pixels.shape, scale, target)
    array = upscale_nearest(pixels, scale)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    picture = Image.fromarray(array)
    options: dict[str, int] = {}
    if fmt == "JPEG":
        if picture.mode not in ("L", "RGB"):  # JPEG has no transparency
            picture = picture.convert("RGB")
        options["quality"] = JPEG_QUALITY
    with atomic_writer(target) as handle:
        picture.save(handle, format=fmt, **options)
    return target
