"""Turning a path of latents into a stream of uint8 frames at the output size.

Frames are produced by a generator, one decode call per batch, so that a long render streams
into the encoder instead of holding every frame in memory. Scaling is ``nearest`` (crisp
pixels, the right choice for 8x8 or 28x28 decodes) or ``smooth`` (Lanczos).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Literal

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError, ModelOutputError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.models.base import GenerativeModel, to_uint8

ScaleMode = Literal["nearest", "smooth"]
SCALE_MODES: tuple[str, ...] = ("nearest", "smooth")
"""How frames are enlarged: ``nearest`` keeps pixels square and sharp, ``smooth`` blends."""

Frame = npt.NDArray[np.uint8]


def output_size(image_hw: tuple[int, int], long_side: int | None, even: bool = True) -> tuple[
    int, int
]:
    """``(height, width)`` of a frame whose longer side is ``long_side`` pixels.

    The aspect ratio of ``image_hw`` is kept. ``long_side`` ``None`` keeps the decoded size.
    ``even`` rounds both sides up to even numbers, which H.264/VP9 in 4:2:0 colour need.
    """
    height, width = int(image_hw[0]), int(image_hw[1])
    if height < 1 or width < 1:
        raise LatentExplorerError(f"cannot make frames of {height}x{width} pixels")
    if long_side is not None:
        if long_side < 1:
            raise LatentExplorerError(f"the output size must be at least 1 pixel, not {long_side}")
        ratio = long_side / max(height, width)
        height, width = max(1, round(height * ratio)), max(1, round(width * ratio))
    if even:
        height, width = height + height % 2, width + width % 2
    return height, width


class FrameScaler:
    """Resizes ``(h, w, c)`` uint8 frames to one fixed ``(height, width)``.

    ``nearest`` repeats each pixel (``np.repeat``) when the factor is whole and otherwise
    picks rows and then columns by precomputed index maps (separable ``np.take`` is several
    times faster than one 2-D gather); ``smooth`` uses Pillow's Lanczos filter.
    """

    def __init__(self, source_hw: tuple[int, int], target_hw: tuple[int, int],
                 mode: str = "nearest") -> None:
        if mode not in SCALE_MODES:
            raise LatentExplorerError(
                f"unknown scaling {mode!r}; choose one of {', '.join(SCALE_MODES)}"
            )
        self.source_hw = (int(source_hw[0]), int(source_hw[1]))
        self.target_hw = (int(target_hw[0]), int(target_hw[1]))
        self.mode = mode
        src_h, src_w = self.source_hw
        dst_h, dst_w = self.target_hw
        # Pixel centres: target pixel i samples source pixel floor((i + 0.5) * src / dst).
        self._rows = ((np.arange(dst_h) + 0.5) * src_h / dst_h).astype(np.intp)
        self._cols = ((np.arange(dst_w) + 0.5) * src_w / dst_w).astype(np.intp)
        self.identity = self.source_hw == self.target_hw
        whole = dst_h % src_h == 0 and dst_w % src_w == 0
        self._factors = (dst_h // src_h, dst_w // src_w) if whole else None

    def __call__(self, frame: Frame) -> Frame:
        """The frame at the target size (the same array when no resize is needed)."""
        if self.identity:
            return np.ascontiguousarray(frame)
        if self.mode == "nearest":
            if self._factors is not None:
                return np.repeat(np.repeat(frame, self._factors[0], axis=0), self._factors[1],
                                 axis=1)
            return np.take(np.take(frame, self._rows, axis=0), self._cols, axis=1)
        return _resize_smooth(frame, self.target_hw)


def _resize_smooth(frame: Frame, target_hw: tuple[int, int]) -> Frame:
    from PIL import Image

    channels = frame.shape[2]
    source = Image.fromarray(frame[:, :, 0] if channels == 1 else frame)
    resized = source.resize((target_hw[1], target_hw[0]), Image.Resampling.LANCZOS)
    out = np.asarray(resized, dtype=np.uint8)
    return out[:, :, None] if out.ndim == 2 else out


def to_rgb(frame: Frame) -> Frame:
    """A ``(h, w, 3)`` copy of a grey ``(h, w, 1)`` frame; RGB frames pass unchanged."""
    if frame.ndim == 3 and frame.shape[2] == 3:
        return frame
    grey = frame[:, :, 0] if frame.ndim == 3 else frame
    return np.ascontiguousarray(np.repeat(grey[:, :, None], 3, axis=2))


BATCH_PIXELS = 1 << 24
"""Float pixel values decoded per batch at most (a batch of 512x512 RGB frames is 21)."""


def image_hw(model: GenerativeModel) -> tuple[int, int]:
    """``(H, W)`` of the model's images; a model of 1-D signals cannot make frames."""
    shape = tuple(model.image_shape)
    if len(shape) != 3 or shape[2] not in (1, 3):
        raise LatentExplorerError(
            f"{model.name} outputs {'x'.join(map(str, shape))} values per sample, not grey or "
            "RGB images, so it cannot make video frames"
        )
    return int(shape[0]), int(shape[1])


class FrameStream:
    """Decodes a latent path lazily into frames; iterate it once.

    Parameters
    ----------
    model
        Any :class:`~latent_explorer.core.models.base.GenerativeModel`.
    latents
        ``(F, latent_dim)`` path, one row per frame.
    size
        Long side of the output frames in pixels (``None``: the decoded size).
    scale_mode
        ``nearest`` or ``smooth``.
    label
        Class for a conditional decoder (used for every frame).
    batch_size
        Latents per decode call (fewer for large images, see :data:`BATCH_PIXELS`).
    even
        Round the output size up to even numbers (needed by MP4 and WebM).
    ctx
        Checked for cancel between batches; progress is the encoder's to report.

    Attributes
    ----------
    decode_seconds
        Time spent decoding and resizing so far (for the benchmark; the rest of a render's
        time is encoding).
    """

    def __init__(self, model: GenerativeModel, latents: npt.ArrayLike, *,
                 size: int | None = 512, scale_mode: str = "nearest",
                 label: int | None = None, batch_size: int = 64, even: bool = True,
                 ctx: JobContext | None = None) -> None:
        path = np.asarray(latents, dtype=np.float32)
        if path.ndim != 2 or path.shape[1] != model.latent_dim:
            raise LatentExplorerError(
                f"the path has shape {path.shape}, but {model.name} decodes "
                f"(frames, {model.latent_dim}) latents"
            )
        if not np.all(np.isfinite(path)):
            raise LatentExplorerError("the path contains NaN or infinite latent values")
        self.model = model
        self.latents = path
        self.label = label
        self.ctx = ctx or null_context()
        source = image_hw(model)
        # Decode in batches, but never more than about 64 MB of float pixels at once.
        self.batch_size = max(1, min(int(batch_size), BATCH_PIXELS // (source[0] * source[1]
                                                                        * 3)))
        self.frame_hw = output_size(source, size, even)
        self.scaler = FrameScaler(source, self.frame_hw, scale_mode)
        self.decode_seconds = 0.0
        self.small_frames: dict[int, Frame] = {}
        """Decoded frames before resizing, kept for the indices in :attr:`keep`."""
        self.keep: set[int] = set()

    def __len__(self) -> int:
        return len(self.latents)

    @property
    def channels(self) -> int:
        """1 for grey, 3 for colour frames."""
        return int(self.model.image_shape[2])

    def __iter__(self) -> Iterator[Frame]:
        total = len(self.latents)
        for start in range(0, total, self.batch_size):
            self.ctx.check()
            began = time.perf_counter()
            stop = min(start + self.batch_size, total)
            batch = self._decode(start, stop)
            frames = [self.scaler(image) for image in batch]
            for offset, image in enumerate(batch):
                if start + offset in self.keep:
                    self.small_frames[start + offset] = image
            self.decode_seconds += time.perf_counter() - began
            yield from frames

    def _decode(self, start: int, stop: int) -> Frame:
        labels = None
        if self.label is not None:
            labels = np.full(stop - start, self.label, dtype=np.int64)
        images = np.asarray(self.model.decode(self.latents[start:stop], labels))
        if not np.all(np.isfinite(images)):
            raise ModelOutputError(
                f"{self.model.name} returned NaN or infinite pixels for frames {start}-{stop - 1}"
            )
        if images.ndim == 3:
            images = images[..., None]
        return to_uint8(images.astype(np.float32, copy=False))
