"""A folder (or a zip archive) of image files: PNG, JPEG, BMP, GIF, WebP, searched recursively.

The first sub-folder below the root names each image's class (``cats/a.png`` -> ``cats``);
when the root holds just one sub-folder, the classes are the folders inside it. Images
directly at the class level get the class ``(root)``, or no labels at all when every image is
there. The relative path of each file is kept in the metadata column ``file``.

Files that cannot be read (truncated, damaged, not really images) are skipped and named in
the dataset's notes and in the log; only a folder with no readable image at all is refused.
Images are decoded one at a time and only their resized pixels are kept, in memory or in a
memory-mapped file of the app's cache folder (which also makes the second opening fast).
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.datasets.columns import column_from_array
from latent_explorer.core.datasets.image_cache import CACHE_VERSION, ImageCache
from latent_explorer.core.datasets.image_decode import IMAGE_ERRORS, decode_image, read_header
from latent_explorer.core.datasets.image_files import (
    IMAGE_SUFFIXES,
    ROOT_LABEL,
    ZIP_ERRORS,
    FolderFiles,
    ImageFiles,
    ZipFiles,
    labels_from_paths,
)
from latent_explorer.core.errors import DatasetError, ExportError
from latent_explorer.core.jobs import JobContext
from latent_explorer.core.memory_budget import memory_budget
from latent_explorer.core.sizes import format_size

__all__ = ["IMAGE_SUFFIXES", "ROOT_LABEL", "find_images", "load_image_folder", "load_image_zip"]

log = logging.getLogger(__name__)

ImageSize = int | tuple[int, int]
"""A size asked for: ``256`` (square) or ``(height, width)``."""

MEMORY_BUDGET = 4 << 30
"""Largest decoded dataset (bytes) cached at the images' own size when no size was asked for.

Beyond it the user is asked for a size: a folder of 4000x3000 photos at their own size
would fill the cache folder's disk for a map that shows thumbnails. Held in memory instead,
the images (and the largest one being decoded) must fit the machine's memory budget
(:mod:`latent_explorer.core.memory_budget`), whatever size was asked for.
"""
DECODE_BYTES_PER_PIXEL = 24
"""What decoding one image holds at most per pixel of its declared size: Pillow's RGBA
pixels, and the 16-bit colour and alpha arrays that composite it on black."""
_HEADER_SHARE = 0.1
"""Part of the progress bar spent reading headers; decoding pixels takes the rest."""
_HEADER_EVERY = 256
_PIXELS_EVERY = 16
_NAMED_IN_NOTE = 3


def find_images(folder: Path) -> list[Path]:
    """All image files under ``folder`` by suffix, hidden files and folders skipped, sorted."""
    return [folder / name for name in FolderFiles(folder).names]


def load_image_folder(
    path: str | Path,
    ctx: JobContext | None = None,
    image_size: ImageSize | None = None,
    cache_dir: Path | None = None,
) -> ArrayDataset:
    """Load every readable image under a folder, labelled by sub-folder.

    All images become one size and one channel count: 1 when every image is greyscale, else
    RGB. Each image is cropped around its centre to the size's aspect ratio and resized;
    EXIF rotation is applied and transparent pixels are composited on black.

    Parameters
    ----------
    path
        The folder.
    ctx
        Receives progress; may cancel.
    image_size
        The size to load at: ``256`` (256x256) or ``(height, width)``. ``None``: the most
        common size among the images.
    cache_dir
        The app's cache folder: the resized images are kept there (memory-mapped) and found
        again on the next opening. ``None`` keeps them in memory only.

    Returns
    -------
    ArrayDataset
        Named after the folder; ``source`` is its absolute path; ``metadata["file"]`` holds
        each image's path relative to the folder; ``notes`` says what was skipped or changed.

    Raises
    ------
    DatasetError
        The folder is missing, holds no images, or no image in it can be read.
    """
    folder = Path(path).expanduser().resolve()
    if not folder.is_dir():
        raise DatasetError(folder, "no such file or folder")
    return _load(FolderFiles(folder), "folder", ctx, image_size, cache_dir)


def load_image_zip(
    path: str | Path,
    ctx: JobContext | None = None,
    image_size: ImageSize | None = None,
    cache_dir: Path | None = None,
) -> ArrayDataset:
    """Load the images of a zip archive like a folder, reading it member by member.

    Nothing is extracted to disk. Parameters, labels and notes as for
    :func:`load_image_folder`; the archive's own folders give the labels.
    """
    archive = Path(path).expanduser().resolve()
    if not archive.is_file():
        raise DatasetError(archive, "no such file or folder")
    files = ZipFiles(archive)
    try:
        if not files.names:
            others = ", ".join(files.other_names[:3]) or "nothing"
            raise DatasetError(
                archive, "is a zip archive of neither images nor .npy arrays (found "
                f"{others}{', ...' if len(files.other_names) > 3 else ''})")
        return _load(files, "archive", ctx, image_size, cache_dir)
    finally:
        files.close()


@dataclass
class _Plan:
    size: tuple[int, int]
    """(width, height) of every image."""
    channels: int
    names: list[str]
    skipped: list[tuple[str, str]]
    auto_size: bool
    largest: int = 0
    """Bytes that decoding the largest image (by its declared size) holds for a moment."""


def _load(files: ImageFiles, kind: str, ctx: JobContext | None,
          image_size: ImageSize | None, cache_dir: Path | None) -> ArrayDataset:
    if not files.names:
        suffixes = ", ".join(IMAGE_SUFFIXES)
        raise DatasetError(files.root, f"contains no images (looked for {suffixes} files in it)")
    image_size = _height_width(image_size)
    cache = None
    if cache_dir is not None:
        key = hashlib.sha256("\x1f".join(
            (CACHE_VERSION, str(files.root), repr(image_size), files.stamp())).encode())
        cache = ImageCache(cache_dir, key.hexdigest()[:40])
        hit = cache.load()
        if hit is not None:
            if ctx is not None:
                ctx.progress(1.0, f"{files.root.name}: read from the cache")
            return _dataset(files, hit.images, hit.files, hit.skipped, Counter(hit.counts),
                            image_size is None)
    plan = _plan(files, kind, ctx, image_size)
    width, height = plan.size
    shape = (len(plan.names), height, width, plan.channels)
    images, cache = _allocate(files.root, shape,
                              None if _too_big(shape, plan.auto_size) else cache, plan.largest)
    kept: list[str] = []
    counts: Counter[str] = Counter()
    try:
        for index, name in enumerate(plan.names):
            if ctx is not None:
                if index % _PIXELS_EVERY == 0:
                    share = _HEADER_SHARE + (1 - _HEADER_SHARE) * index / len(plan.names)
                    ctx.progress(share, f"reading images ({index:,} of {len(plan.names):,})")
                ctx.check()
            try:
                with files.open(name) as stream:
                    images[len(kept)] = decode_image(stream, plan.size, plan.channels, counts)
            except IMAGE_ERRORS + ZIP_ERRORS as exc:
                plan.skipped.append((name, _reason(exc)))
                continue
            kept.append(name)
        _refuse_if_empty(files, kind, kept, plan.skipped)
        if cache is not None:
            cache.commit(images, kept, plan.skipped, dict(counts))
    except BaseException:
        if cache is not None:
            cache.discard()
        raise
    return _dataset(files, images[: len(kept)], kept, plan.skipped, counts, plan.auto_size)


def _height_width(image_size: ImageSize | None) -> tuple[int, int] | None:
    """``32``, ``(32, 32)`` and ``[32, 32]`` alike as ``(32, 32)``: one cache entry for all."""
    if image_size is None:
        return None
    if isinstance(image_size, int):
        return (image_size, image_size)
    height, width = image_size
    return (int(height), int(width))


def _plan(files: ImageFiles, kind: str, ctx: JobContext | None,
          image_size: tuple[int, int] | None) -> _Plan:
    """Read every header: which files can be opened, their sizes and colours."""
    sizes: list[tuple[int, int]] = []
    names: list[str] = []
    skipped: list[tuple[str, str]] = []
    grey = True
    total = len(files.names)
    budget = memory_budget()
    largest = 0
    for index, name in enumerate(files.names):
        if ctx is not None and index % _HEADER_EVERY == 0:
            ctx.progress(_HEADER_SHARE * index / total, "reading image headers")
        try:
            with files.open_header(name) as stream:
                header = read_header(stream)
        except IMAGE_ERRORS + ZIP_ERRORS as exc:
            skipped.append((name, _reason(exc)))
            continue
        decoding = header.width * header.height * DECODE_BYTES_PER_PIXEL
        if decoding > budget.size:  # one image alone: skipped as unreadable, with why
            skipped.append((name, f"declares {header.width}x{header.height} pixels: decoding "
                                  f"it would need {format_size(decoding)} of memory, more "
                                  f"than the {budget.describe()} a file may take here"))
            continue
        largest = max(largest, decoding)
        names.append(name)
        sizes.append((header.width, header.height))
        grey = grey and header.grey
    _refuse_if_empty(files, kind, names, skipped)
    if image_size is None:
        size = Counter(sizes).most_common(1)[0][0]
    else:
        size = (image_size[1], image_size[0])
    if min(size) < 1:
        raise DatasetError(files.root, f"cannot load images at {size[0]}x{size[1]} pixels")
    return _Plan(size, 1 if grey else 3, names, skipped, image_size is None, largest)


def _too_big(shape: tuple[int, int, int, int], auto_size: bool) -> bool:
    """Whether the resized images would exceed the budget for where they would be kept."""
    return auto_size and int(np.prod(shape)) > MEMORY_BUDGET


def _allocate(root: Path, shape: tuple[int, int, int, int], cache: ImageCache | None,
              decoding: int = 0) -> tuple[npt.NDArray[np.uint8], ImageCache | None]:
    """Where the pixels go: a memory map in the cache (returned too), else memory.

    Either way one image at a time is decoded (``decoding`` bytes at most); in memory, the
    whole set must fit the memory budget too, checked before any pixel is decoded.
    """
    if cache is not None:
        with suppress(OSError, ExportError):
            return cache.create(shape), cache
    needed = int(np.prod(shape)) + decoding
    budget = memory_budget()
    if needed > budget.size:
        _, height, width, _ = shape
        raise DatasetError(
            root, f"{shape[0]:,} images of {width}x{height} would need {format_size(needed)} "
            f"of memory, more than the {budget.describe()} one file may take here: choose a "
            "smaller size to load them at (--image-size, or the size asked by File > Open "
            "Image Folder)")
    return np.empty(shape, dtype=np.uint8), None


def _refuse_if_empty(files: ImageFiles, kind: str, readable: list[str],
                     skipped: list[tuple[str, str]]) -> None:
    if readable:
        return
    name, why = skipped[0]
    many = len(skipped)
    raise DatasetError(
        files.root, f"none of the {many:,} image file{'s' if many != 1 else ''} in this {kind} "
        f"can be read ({name}: {why})")


def _dataset(files: ImageFiles, images: npt.NDArray[np.uint8], kept: list[str],
             skipped: list[tuple[str, str]], counts: Counter[str],
             auto_size: bool) -> ArrayDataset:
    notes = _notes(files, skipped, counts, len(kept), images.shape, auto_size)
    found = labels_from_paths(kept)
    return ArrayDataset(
        name=files.root.name,
        source=str(files.root),
        images=images,
        labels=found.labels,
        label_names=found.names,
        metadata={"file": column_from_array(np.array(kept, dtype=str))},
        notes=notes,
    )


def _notes(files: ImageFiles, skipped: list[tuple[str, str]], counts: Counter[str],
           total: int, shape: tuple[int, ...], auto_size: bool) -> list[str]:
    notes = []
    if skipped:
        named = ", ".join(name for name, _ in skipped[:_NAMED_IN_NOTE])
        more = (f" and {len(skipped) - _NAMED_IN_NOTE:,} more (listed in the log)"
                if len(skipped) > _NAMED_IN_NOTE else "")
        notes.append(f"skipped {len(skipped):,} unreadable file{'s' if len(skipped) > 1 else ''}"
                     f" of {len(skipped) + total:,}: {named}{more}")
        log.warning("%s: skipped %d unreadable image file%s:\n%s", files.root, len(skipped),
                    "s" if len(skipped) > 1 else "",
                    "\n".join(f"  {name}: {why}" for name, why in skipped))
    height, width = shape[1], shape[2]
    if counts["resized"]:
        why = "the most common size" if auto_size else "the size asked for"
        notes.append(
            f"resized {counts['resized']:,} of {total:,} images to {width}x{height} "
            f"(width x height; {why}), cropped around the centre to keep their proportions"
        )
    if counts["rotated"]:
        notes.append(f"turned {counts['rotated']:,} photos upright as their EXIF data asks")
    if counts["grey"]:
        notes.append(f"converted {counts['grey']:,} greyscale images to RGB to match the others")
    if counts["transparent"]:
        notes.append(f"composited {counts['transparent']:,} transparent images on black")
    return notes


def _reason(exc: BaseException) -> str:
    """Why a file was skipped, in a few words (Pillow's messages name the stream object)."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if text.startswith("cannot identify image file"):
        return "not an image (unknown format or damaged header)"
    if "truncated" in text or isinstance(exc, EOFError):
        return f"truncated ({text})"
    return text[:200]
