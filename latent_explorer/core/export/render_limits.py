"""How long and how large a render may be, checked before the first frame is decoded.

A render streams its frames, but some of it is held whole: the path's latents (laid out
before decoding), a GIF's frames (Pillow keeps them until the file is written) and the
contact sheet's frames. 100,000,000 frames into a GIF grew to 21.7 GB before the kernel killed
it. Here the frame count is capped, what will be held is checked against the memory budget,
and what must at least be written against the free disk of the output's folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from latent_explorer.core.errors import ExportError
from latent_explorer.core.memory_budget import memory_budget
from latent_explorer.core.sizes import format_size

MAX_FRAMES = 1_000_000
"""The most frames one render makes: over nine hours at 30 frames per second."""
MAX_SHEET = 1_000
"""The most frames a contact sheet shows."""
MIN_FPS, MAX_FPS = 0.01, 1000.0
"""Frame rates a render takes: from one frame per 100 s (a GIF stores a frame's delay in
16 bits of hundredths of a second, at most 655 s) to 1000 frames a second."""
_PATH_BYTES_PER_VALUE = 48
"""The path is laid out in float64 with a few temporaries (positions, segment ends, weights)
before it becomes float32."""
_GIF_FRAME_OVERHEAD = 1024
"""What Pillow keeps per frame beside its palette pixels."""
_SMALLEST_SHARE = {"frames": 1 / 1032, "gif": 1 / 2730, "mp4": 0.0, "webm": 0.0}
"""The least a frame can compress to, as a share of its pixels' bytes: deflate (PNG) packs
at most 1032 bytes into one, LZW (GIF) about 2730; video has no such floor."""
_SMALLEST_VIDEO_FRAME = 16
"""Bytes even an unchanged video frame takes (its headers)."""


def check_render(out: str | Path, kind: str, frames: int, frame_hw: tuple[int, int],
                 channels: int, latent_dim: int, sheet: int = 0, fps: float = 30.0) -> None:
    """Refuse a render that would not fit, before anything is decoded.

    Parameters
    ----------
    out, kind
        The output and its format (``mp4``, ``webm``, ``gif``, ``frames``).
    frames, frame_hw, channels
        How many frames, their output ``(height, width)`` and channel count.
    latent_dim
        Values of one latent (the path holds ``frames`` of them).
    sheet
        Frames on the contact sheet (0: none).
    fps
        Frames per second, :data:`MIN_FPS` to :data:`MAX_FPS`.

    Raises
    ------
    ExportError
        Naming ``out`` and what would not fit.
    """
    if not MIN_FPS <= fps <= MAX_FPS:  # also refuses NaN
        raise ExportError(f"{out}: {fps:g} frames per second; a render plays {MIN_FPS:g} to "
                          f"{MAX_FPS:g}")
    if frames > MAX_FRAMES:
        raise ExportError(f"{out}: {frames:,} frames are more than the {MAX_FRAMES:,} one "
                          f"render makes (over {MAX_FRAMES / 30 / 3600:.0f} hours at 30 fps)")
    if sheet > MAX_SHEET:
        raise ExportError(f"{out}: a contact sheet shows at most {MAX_SHEET:,} frames, not "
                          f"{sheet:,}")
    height, width = frame_hw
    pixels = height * width
    held = frames * latent_dim * _PATH_BYTES_PER_VALUE + min(sheet, frames) * pixels * channels
    if kind == "gif":
        held += frames * (pixels + _GIF_FRAME_OVERHEAD)
    budget = memory_budget()
    if held > budget.size:
        what = "the GIF's frames, held until it is written," if kind == "gif" else "the path"
        raise ExportError(f"{out}: {frames:,} frames of {width}x{height} would need "
                          f"{format_size(held)} of memory for {what} more than the "
                          f"{budget.describe()} one job may take here; render fewer or "
                          "smaller frames" + (", or to .mp4/.webm" if kind == "gif" else ""))
    least = frames * max(_SMALLEST_VIDEO_FRAME, int(pixels * channels * _SMALLEST_SHARE[kind]))
    free = _free_disk(Path(out))
    if free is not None and least > free:
        raise ExportError(f"{out}: {frames:,} frames of {width}x{height} need at least "
                          f"{format_size(least)} of disk, and its folder has "
                          f"{format_size(free)} free")


def _free_disk(path: Path) -> int | None:
    """Free bytes on the disk ``path`` would be written to (its nearest existing folder)."""
    folder = path.expanduser().absolute()
    while not folder.is_dir() and folder != folder.parent:
        folder = folder.parent
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None
