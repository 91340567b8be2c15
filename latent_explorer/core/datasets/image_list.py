"""Images named one by one (a table's image column), read as thumbnails of one size.

Unlike an image folder, these images only illustrate vectors made elsewhere (hover cards,
the thumbnail grid, prototypes), so they are kept small: the most common size, scaled down to
fit :data:`THUMBNAIL_SIDE` pixels. Photos of 4000x3000 therefore cost 128x96 pixels each.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.image_decode import IMAGE_ERRORS, decode_image, read_header
from latent_explorer.core.errors import DatasetError
from latent_explorer.core.jobs import JobContext

THUMBNAIL_SIDE = 128


def read_image_files(files: list[Path | None], ctx: JobContext | None = None,
                     max_side: int = THUMBNAIL_SIDE
                     ) -> tuple[npt.NDArray[np.uint8], list[str]]:
    """Read ``files`` as ``(N, H, W, C)`` uint8 thumbnails of one size; returns them and notes.

    A ``None`` entry (a row whose image cell is empty) has no picture: its thumbnail stays
    black, and the notes say how many rows have none.

    Raises
    ------
    DatasetError
        A file is missing or is not a readable image (the message names it).
    """
    total = len(files)
    sizes: list[tuple[int, int]] = []
    grey = True
    for index, file in enumerate(files):
        _report(ctx, index, total, 0.0, 0.1, "reading image headers")
        if file is None:
            continue
        if not file.is_file():
            raise DatasetError(file, "no such image file (named in the table's image column)")
        try:
            with file.open("rb") as stream:
                header = read_header(stream)
            sizes.append((header.width, header.height))
            grey = grey and header.grey
        except IMAGE_ERRORS as exc:
            raise DatasetError(file, f"cannot be read as an image ({exc})") from exc
    width, height = Counter(sizes).most_common(1)[0][0] if sizes else (1, 1)
    shrink = max(width, height) / max_side
    if shrink > 1:
        width, height = max(1, round(width / shrink)), max(1, round(height / shrink))
    channels = 1 if grey else 3
    images = np.zeros((total, height, width, channels), dtype=np.uint8)
    counts: Counter[str] = Counter()
    for index, file in enumerate(files):
        _report(ctx, index, total, 0.1, 1.0, "reading images")
        if file is None:
            continue
        try:
            with file.open("rb") as stream:
                images[index] = decode_image(stream, (width, height), channels, counts)
        except IMAGE_ERRORS as exc:
            raise DatasetError(file, f"cannot be read as an image ({exc})") from exc
    notes = []
    blank = sum(file is None for file in files)
    if blank:
        notes.append(f"{blank:,} of {total:,} rows have no picture (their image cell is empty)")
    if shrink > 1:
        notes.append(f"images shown as {width}x{height} thumbnails")
    elif counts["resized"]:
        notes.append(f"resized {counts['resized']:,} of {total:,} images to {width}x{height}")
    if counts["rotated"]:
        notes.append(f"turned {counts['rotated']:,} photos upright as their EXIF data asks")
    return images, notes


def _report(ctx: JobContext | None, index: int, total: int, start: float, stop: float,
            message: str) -> None:
    if ctx is not None and (index % 64 == 0 or index == total - 1):
        ctx.progress(start + (stop - start) * index / max(1, total), message)
