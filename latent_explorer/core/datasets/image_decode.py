"""Decode one image file into the dataset's pixel format, at the dataset's size.

Every mode a user's files come in (grey, bi-level, 16-bit, float, palette, grey+alpha, RGBA,
RGB) becomes 8-bit grey or RGB, transparency composited on black; the camera's EXIF rotation
is applied; the picture is cropped to the target's aspect ratio around its centre and resized.
JPEGs are decoded at a reduced scale straight away when the target is much smaller (Pillow's
draft mode), so a 4000x3000 photo wanted at 256 px costs about as much as a 500x375 one.
"""

from __future__ import annotations

import struct
from collections import Counter
from dataclasses import dataclass
from typing import IO

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
"""Pillow modes that hold one grey channel (possibly with alpha)."""

IMAGE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    KeyError,
    IndexError,
    struct.error,
    Image.DecompressionBombError,
)
"""What Pillow raises for damaged, truncated or hostile files."""

_ORIENTATION = 0x0112
_SWAPS_SIDES = frozenset({5, 6, 7, 8})
"""EXIF orientations that turn the picture by 90 degrees (width and height swap)."""


@dataclass(frozen=True)
class ImageHeader:
    """What an image's header says, as the picture will be shown (after EXIF rotation)."""

    width: int
    height: int
    grey: bool


def read_header(stream: IO[bytes]) -> ImageHeader:
    """Size and colour of an image without decoding its pixels (raises ``IMAGE_ERRORS``)."""
    with Image.open(stream) as image:
        width, height = image.size
        if _orientation(image) in _SWAPS_SIDES:
            width, height = height, width
        return ImageHeader(width, height, image.mode in GREY_MODES)


def decode_image(
    stream: IO[bytes], size: tuple[int, int], channels: int, counts: Counter[str]
) -> npt.NDArray[np.uint8]:
    """One image as ``(H, W, channels)`` uint8 at ``size`` (width, height).

    ``counts`` gathers what was changed ("resized", "grey", "transparent", "rotated") so the
    loader can tell the user. Raises ``IMAGE_ERRORS`` for files that cannot be decoded.
    """
    with Image.open(stream) as image:
        _draft(image, size)
        orientation = _orientation(image)
        if orientation not in (None, 1):
            upright = ImageOps.exif_transpose(image)
            counts["rotated"] += 1
        else:
            image.load()
            upright = image
        pixels = flatten_image(upright, counts)
    if (pixels.shape[1], pixels.shape[0]) != size:
        pixels = fit_image(pixels, size)
        counts["resized"] += 1
    if pixels.ndim == 2:
        pixels = pixels[..., np.newaxis]
    if channels == 3 and pixels.shape[-1] == 1:
        pixels = np.repeat(pixels, 3, axis=-1)
        counts["grey"] += 1
    elif channels == 1 and pixels.shape[-1] == 3:
        pixels = np.asarray(Image.fromarray(pixels).convert("L"), dtype=np.uint8)[..., None]
    return pixels


def _orientation(image: Image.Image) -> int | None:
    try:
        value = image.getexif().get(_ORIENTATION)
    except IMAGE_ERRORS:
        return None
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _draft(image: Image.Image, size: tuple[int, int]) -> None:
    """Ask a JPEG to decode at the smallest scale that still covers ``size`` after cropping."""
    if image.format != "JPEG":
        return
    width, height = image.size
    target_w, target_h = size
    if _orientation(image) in _SWAPS_SIDES:
        target_w, target_h = target_h, target_w
    # The crop keeps the target's aspect: the scale is set by the side that binds first.
    scale = max(target_w / width, target_h / height)
    if scale >= 0.5:
        return
    wanted = (max(1, int(np.ceil(width * scale))), max(1, int(np.ceil(height * scale))))
    mode = "L" if image.mode == "L" else "RGB"
    if image.mode in ("L", "RGB"):
        image.draft(mode, wanted)


def fit_image(pixels: npt.NDArray[np.uint8], size: tuple[int, int]) -> npt.NDArray[np.uint8]:
    """Crop the centre to the aspect ratio of ``size`` (width, height), then resize to it."""
    height, width = pixels.shape[:2]
    target_w, target_h = size
    if width * target_h > height * target_w:  # too wide: trim the sides
        crop_w, crop_h = height * target_w / target_h, float(height)
    else:  # too tall: trim top and bottom
        crop_w, crop_h = float(width), width * target_h / target_w
    left = (width - crop_w) / 2
    top = (height - crop_h) / 2
    box = (left, top, left + crop_w, top + crop_h)
    # Pillow widens the kernel when shrinking, so this averages like "area" resampling.
    resized = Image.fromarray(pixels).resize(size, Image.Resampling.BILINEAR, box=box)
    return np.asarray(resized, dtype=np.uint8)


def flatten_image(image: Image.Image, counts: Counter[str]) -> npt.NDArray[np.uint8]:
    """Pixels as 8-bit grey ``(H, W)`` or RGB ``(H, W, 3)``, transparency on black."""
    mode = image.mode
    if mode in ("1", "L"):
        return np.asarray(image.convert("L"), dtype=np.uint8)
    if mode.startswith("I") or mode == "F":
        values = np.asarray(image, dtype=np.float64)
        # 16-bit greyscale (how Pillow opens 16-bit PNGs) scales down to 8 bits; float
        # images are taken as 0..255 already.
        scale = 1.0 if mode == "F" else 255.0 / 65535.0
        return np.rint(np.clip(values * scale, 0, 255)).astype(np.uint8)
    if mode == "RGB":
        return np.asarray(image, dtype=np.uint8)
    if mode in ("LA", "La"):
        values = np.asarray(image.convert("LA"), dtype=np.uint16)
    else:
        # Palette images go to RGBA directly: via RGB, Pillow warns about palette transparency.
        values = np.asarray(image.convert("RGBA"), dtype=np.uint16)
    colour, alpha = values[..., :-1], values[..., -1:]
    if np.any(alpha != 255):
        counts["transparent"] += 1
    composited = ((colour * alpha + 127) // 255).astype(np.uint8)
    return composited[..., 0] if composited.shape[-1] == 1 else composited
