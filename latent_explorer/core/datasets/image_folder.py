"""A folder of image files (PNG, JPEG, BMP, GIF, WebP), searched recursively.

The first sub-folder below the root names each image's class (``cats/a.png`` -> ``cats``);
images directly in the root get the class ``(root)``, or no labels at all when every image is
there. The relative path of each file is kept in the metadata column ``file``.
"""

from __future__ import annotations

import struct
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.errors import DatasetError
from latent_explorer.core.jobs import JobContext

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
ROOT_LABEL = "(root)"
GREY_MODES = frozenset({"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"})
"""Pillow modes that hold one grey channel (possibly with alpha)."""

_PROGRESS_EVERY = 256
_HEADER_SHARE = 0.1
"""Part of the progress bar spent reading headers; decoding pixels takes the rest."""
_IMAGE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    struct.error,
    Image.DecompressionBombError,
)


def find_images(folder: Path) -> list[Path]:
    """All image files under ``folder`` by suffix, hidden files and folders skipped, sorted."""
    found = [
        path
        for path in folder.rglob("*")
        if path.suffix.lower() in IMAGE_SUFFIXES
        and path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    ]
    return sorted(found, key=lambda path: path.relative_to(folder).as_posix())


def load_image_folder(path: str | Path, ctx: JobContext | None = None) -> ArrayDataset:
    """Load every image under a folder, labelled by first-level sub-folder.

    All images become one size (the most common; the others are resized, with a note) and
    one channel count: 1 when every image is greyscale, else RGB. Transparent pixels are
    composited on black.

    Parameters
    ----------
    path
        The folder.
    ctx
        Receives progress every 256 files; may cancel.

    Returns
    -------
    ArrayDataset
        Named after the folder; ``source`` is its absolute path; ``metadata["file"]`` holds
        each image's path relative to the folder.

    Raises
    ------
    DatasetError
        The folder is missing or holds no images, or an image cannot be read (the message
        names that file).
    """
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise DatasetError(folder, "no such file or folder")
    files = find_images(folder)
    if not files:
        suffixes = ", ".join(IMAGE_SUFFIXES)
        raise DatasetError(folder, f"contains no images (looked for {suffixes} files in it)")
    total = len(files)

    sizes: list[tuple[int, int]] = []
    grey = True
    for index, file in enumerate(files):
        _report(ctx, index, total, 0.0, _HEADER_SHARE, "reading image headers")
        try:
            with Image.open(file) as image:
                sizes.append(image.size)
                grey = grey and image.mode in GREY_MODES
        except _IMAGE_ERRORS as exc:
            raise DatasetError(file, f"cannot be read as an image ({exc})") from exc
    width, height = Counter(sizes).most_common(1)[0][0]
    channels = 1 if grey else 3

    images = np.empty((total, height, width, channels), dtype=np.uint8)
    counts: Counter[str] = Counter()
    for index, file in enumerate(files):
        _report(ctx, index, total, _HEADER_SHARE, 1.0, "reading images")
        images[index] = _read_pixels(file, (width, height), channels, counts)

    notes = _notes(counts, total, width, height)
    relative = [file.relative_to(folder).as_posix() for file in files]
    labels, label_names = _folder_labels(relative)
    return ArrayDataset(
        name=folder.name,
        source=str(folder),
        images=images,
        labels=labels,
        label_names=label_names,
        metadata={"file": np.array(relative, dtype=str)},
        notes=notes,
    )


def _read_pixels(
    file: Path, size: tuple[int, int], channels: int, counts: Counter[str]
) -> npt.NDArray[np.uint8]:
    """One image as ``(H, W, channels)`` uint8 at ``size`` (width, height)."""
    try:
        with Image.open(file) as image:
            image.load()
            pixels = _flatten(image, counts)
    except _IMAGE_ERRORS as exc:
        raise DatasetError(file, f"cannot be read as an image ({exc})") from exc
    if (pixels.shape[1], pixels.shape[0]) != size:
        # Pillow widens the bilinear kernel when shrinking, so this averages like "area".
        resized = Image.fromarray(pixels).resize(size, Image.Resampling.BILINEAR)
        pixels = np.asarray(resized, dtype=np.uint8)
        counts["resized"] += 1
    if pixels.ndim == 2:
        pixels = pixels[..., np.newaxis]
    if channels == 3 and pixels.shape[-1] == 1:
        pixels = np.repeat(pixels, 3, axis=-1)
        counts["grey"] += 1
    return pixels


def _flatten(image: Image.Image, counts: Counter[str]) -> npt.NDArray[np.uint8]:
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


def _folder_labels(relative: list[str]) -> tuple[npt.NDArray[np.int64] | None, list[str] | None]:
    classes = [name.split("/", 1)[0] if "/" in name else ROOT_LABEL for name in relative]
    if all(name == ROOT_LABEL for name in classes):
        return None, None
    names = sorted(set(classes))
    lookup = {name: index for index, name in enumerate(names)}
    return np.array([lookup[name] for name in classes], dtype=np.int64), names


def _notes(counts: Counter[str], total: int, width: int, height: int) -> list[str]:
    notes = []
    if counts["resized"]:
        notes.append(
            f"resized {counts['resized']:,} of {total:,} images to {width}x{height} "
            "(width x height; the most common size)"
        )
    if counts["grey"]:
        notes.append(f"converted {counts['grey']:,} greyscale images to RGB to match the others")
    if counts["transparent"]:
        notes.append(f"composited {counts['transparent']:,} transparent images on black")
    return notes


def _report(
    ctx: JobContext | None, index: int, total: int, start: float, stop: float, message: str
) -> None:
    if ctx is not None and index % _PROGRESS_EVERY == 0:
        ctx.progress(start + (stop - start) * index / total, message)
