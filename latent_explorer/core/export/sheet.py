"""Contact sheets: a few evenly spaced frames of a path side by side in one PNG."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.export.images import save_png

Frame = npt.NDArray[np.uint8]


def sheet_indices(total: int, count: int) -> list[int]:
    """``count`` frame indices spread evenly over ``0 .. total - 1``, first and last included.

    Fewer than ``count`` come back when the path has fewer frames.
    """
    if total < 1 or count < 1:
        return []
    if count == 1:
        return [0]
    picks = np.linspace(0, total - 1, min(count, total))
    return sorted({int(v) for v in np.rint(picks)})


def contact_sheet(frames: Sequence[Frame], columns: int | None = None, gap: int = 4,
                  background: int = 255) -> Frame:
    """Lay ``frames`` (uint8 ``(h, w, c)``, one size) out in a grid with ``gap``-pixel gutters.

    ``columns`` defaults to a near-square grid. Grey frames give a grey sheet.
    """
    if not frames:
        raise LatentExplorerError("a contact sheet needs at least one frame")
    height, width, channels = frames[0].shape
    for frame in frames:
        if frame.shape != (height, width, channels):
            raise LatentExplorerError(
                f"contact-sheet frames differ in shape: {frame.shape} vs {frames[0].shape}"
            )
    cols = columns or math.ceil(math.sqrt(len(frames)))
    cols = max(1, min(cols, len(frames)))
    rows = math.ceil(len(frames) / cols)
    sheet = np.full(
        (rows * height + (rows + 1) * gap, cols * width + (cols + 1) * gap, channels),
        background, dtype=np.uint8,
    )
    for index, frame in enumerate(frames):
        row, col = divmod(index, cols)
        top, left = gap + row * (height + gap), gap + col * (width + gap)
        sheet[top:top + height, left:left + width] = frame
    return sheet


def save_contact_sheet(path: str | Path, frames: Sequence[Frame], columns: int | None = None,
                       gap: int = 4, background: int = 255) -> Path:
    """Write :func:`contact_sheet` of ``frames`` as a PNG at ``path`` (atomically)."""
    return save_png(path, contact_sheet(frames, columns, gap, background))


def sheet_path(out: str | Path) -> Path:
    """Where the contact sheet of an export goes: ``<out stem>_sheet.png`` beside it."""
    path = Path(out)
    stem = path.name if path.suffix == "" else path.stem
    stem = re.sub(r"%0?\d*d|#+", "", stem)
    return path.with_name(f"{stem.rstrip('_') or 'frames'}_sheet.png")
