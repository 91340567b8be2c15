"""The decoded atlas: the map's visible region decoded on a grid, coarse to fine.

A slow decoder (a second per image) cannot follow a dragged probe. The atlas decodes a grid of
places on the visible map in the background, 4x4 first, then 8x8, 16x16 as time allows, so
the window can show at once what lies anywhere on the map: as a mosaic layer under or instead
of the points (the classic "decoded manifold" picture), and, while the true decode of the
probe's latent is pending, as a blend of the nearest tiles marked as a preview.

:class:`AtlasBuilder` owns one worker thread; a new request (the view moved, another model)
cancels the build in progress at its next batch. Decoding and the conversion to uint8 happen
on that thread; results are small frozen values handed to a callback.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from latent_explorer.core.compute.latest_wins import LatestWinsWorker
from latent_explorer.core.models.base import GenerativeModel, to_uint8

LEVELS = (4, 8, 16)
"""Grid sides decoded one after the other, coarse to fine."""
MOSAIC_MAX_SIDE = 2048
"""Largest side of a level's mosaic in pixels: finer grids store smaller tiles."""
BATCH_PIXELS = 4 * 256 * 256
"""Pixels decoded per batch: a new request waits for at most one batch."""

BACKGROUND_NICENESS = 10
"""How much lower the atlas worker's CPU priority is (Linux): the GUI thread and the decoder
of the picture the user waits for go first; the atlas takes what is left."""
PAUSE_POLL_S = 0.02
"""How often a paused build looks whether it may go on."""

Rect = tuple[float, float, float, float]
"""``(x0, y0, x1, y1)``: a region of the map, x0 < x1 and y0 < y1."""
Inverse = Callable[[npt.NDArray[np.float32]], npt.NDArray[np.float32]]
"""Map positions ``(N, 2)`` -> latents ``(N, latent_dim)`` (the projector's inverse)."""


def grid_centres(rect: Rect, side: int) -> npt.NDArray[np.float32]:
    """Map positions ``(side, side, 2)`` of a grid's cell centres; row 0 is the top (largest y),
    as in a picture."""
    x0, y0, x1, y1 = rect
    xs = x0 + (np.arange(side, dtype=np.float64) + 0.5) * (x1 - x0) / side
    ys = y1 - (np.arange(side, dtype=np.float64) + 0.5) * (y1 - y0) / side
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx, gy], axis=-1).astype(np.float32)


@dataclass(frozen=True)
class AtlasRequest:
    """Decode ``rect`` of the map at each grid side in ``levels`` (with class ``label``)."""

    request_id: int
    rect: Rect
    levels: tuple[int, ...] = LEVELS
    label: int | None = None


@dataclass(frozen=True, eq=False)
class AtlasLevel:
    """One finished grid of the atlas.

    ``mosaic`` is the grid's tiles joined into one uint8 picture ``(side*th, side*tw, C)``,
    its first row at the top of the map region (made on the worker, so showing or saving it
    costs the GUI thread no copy).
    """

    request: AtlasRequest
    side: int
    mosaic: npt.NDArray[np.uint8]
    seconds: float

    @property
    def rect(self) -> Rect:
        """The map region the grid covers."""
        return self.request.rect

    @property
    def tiles(self) -> npt.NDArray[np.uint8]:
        """The tiles ``(side, side, th, tw, C)``, row 0 at the top (a view of the mosaic)."""
        h, w, c = self.mosaic.shape
        s = self.side
        return self.mosaic.reshape(s, h // s, s, w // s, c).transpose(0, 2, 1, 3, 4)

    def covers(self, point: Sequence[float]) -> bool:
        """Whether map position ``point`` lies inside the grid's region."""
        x0, y0, x1, y1 = self.rect
        return x0 <= float(point[0]) <= x1 and y0 <= float(point[1]) <= y1

    def blend(self, point: Sequence[float]) -> npt.NDArray[np.uint8]:
        """The bilinear blend of the four tiles nearest to map position ``point``.

        A cheap stand-in for the true decode at ``point`` (uint8, integer arithmetic: well
        under a millisecond for 256 px tiles); outside the region the border tiles are used.
        """
        x0, y0, x1, y1 = self.rect
        side = self.side
        fx = (float(point[0]) - x0) / (x1 - x0) * side - 0.5
        fy = (y1 - float(point[1])) / (y1 - y0) * side - 0.5
        fx, fy = min(max(fx, 0.0), side - 1.0), min(max(fy, 0.0), side - 1.0)
        c0, r0 = int(fx), int(fy)
        c1, r1 = min(c0 + 1, side - 1), min(r0 + 1, side - 1)
        wx, wy = round((fx - c0) * 256), round((fy - r0) * 256)
        t = self.tiles
        top = t[r0, c0].astype(np.uint32) * (256 - wx) + t[r0, c1].astype(np.uint32) * wx
        bottom = t[r1, c0].astype(np.uint32) * (256 - wx) + t[r1, c1].astype(np.uint32) * wx
        mixed = (top * (256 - wy) + bottom * wy + (1 << 15)) >> 16
        image: npt.NDArray[np.uint8] = mixed.astype(np.uint8)
        return image


def tile_side(image_side: int, grid_side: int) -> int:
    """Pixels per tile side of a grid: the image's own, or less to keep the mosaic bounded."""
    return max(1, min(int(image_side), MOSAIC_MAX_SIDE // max(1, grid_side)))


def shrink(images: npt.NDArray[np.uint8], size: tuple[int, int]) -> npt.NDArray[np.uint8]:
    """Images ``(B, H, W, C)`` made ``size`` (area average when H and W divide evenly)."""
    _, h, w, _ = images.shape
    th, tw = size
    if (th, tw) == (h, w):
        return images
    if h % th == 0 and w % tw == 0:
        b, c = images.shape[0], images.shape[3]
        blocks = images.reshape(b, th, h // th, tw, w // tw, c).astype(np.float32)
        averaged: npt.NDArray[np.uint8] = (blocks.mean(axis=(2, 4)) + 0.5).astype(np.uint8)
        return averaged
    rows = (np.arange(th) * h // th).astype(np.intp)
    cols = (np.arange(tw) * w // tw).astype(np.intp)
    return images[:, rows][:, :, cols]


def decode_level(
    model: GenerativeModel,
    inverse: Inverse,
    request: AtlasRequest,
    side: int,
    stop: Callable[[], bool] = lambda: False,
    pause: Callable[[], bool] = lambda: False,
) -> AtlasLevel | None:
    """Decode one grid of ``request``; ``None`` if ``stop()`` turned true between batches.

    While ``pause()`` is true no new batch starts (the true decode of the probe goes first).
    """
    started = time.perf_counter()
    points = grid_centres(request.rect, side).reshape(-1, 2)
    latents = np.asarray(inverse(points), dtype=np.float32).reshape(len(points), -1)
    h, w = int(model.image_shape[0]), int(model.image_shape[1])
    th = tile_side(h, side)
    tw = max(1, round(w * th / h))
    channels = int(model.image_shape[2]) if len(model.image_shape) == 3 else 1
    batch = max(1, BATCH_PIXELS // max(1, h * w))
    labels_all = None if request.label is None else np.full(len(latents), request.label,
                                                           dtype=np.int64)
    mosaic = np.zeros((side * th, side * tw, channels), dtype=np.uint8)
    tiles = mosaic.reshape(side, th, side, tw, channels).transpose(0, 2, 1, 3, 4)
    for start in range(0, len(latents), batch):
        while pause() and not stop():
            time.sleep(PAUSE_POLL_S)
        if stop():
            return None
        stop_at = min(start + batch, len(latents))
        labels = None if labels_all is None else labels_all[start:stop_at]
        images = to_uint8(model.decode(latents[start:stop_at], labels))
        small = shrink(images.reshape(len(images), h, w, channels), (th, tw))
        for index, tile in zip(range(start, stop_at), small, strict=True):
            tiles[index // side, index % side] = tile
    return AtlasLevel(request, side, mosaic, time.perf_counter() - started)


class AtlasBuilder(LatestWinsWorker[tuple[AtlasRequest, GenerativeModel, Inverse]]):
    """One worker thread that builds the newest requested atlas, coarse to fine.

    Parameters
    ----------
    on_level
        Called with each finished :class:`AtlasLevel`, **from the worker thread**.
    on_error
        Called with a one-line message when the model fails (worker thread).
    yield_to
        While it returns true, grids after the first wait between batches: the window's
        decoder is busy with the picture the user waits for, and two decodes at once on a
        few cores would slow it down. The first (coarsest) grid never waits, so previews
        exist early.
    """

    idle_timeout_s = 30.0
    close_timeout_s = 10.0

    def __init__(self, on_level: Callable[[AtlasLevel], None],
                 on_error: Callable[[str], None] = lambda message: None,
                 yield_to: Callable[[], bool] = lambda: False) -> None:
        super().__init__("latent-atlas")
        self._on_level = on_level
        self._on_error = on_error
        self._yield_to = yield_to
        self._start()

    def start(self, model: GenerativeModel, inverse: Inverse, rect: Rect,
              levels: tuple[int, ...] = LEVELS, label: int | None = None) -> int:
        """Build the atlas of ``rect``, cancelling the build in progress. Returns its id."""
        x0, y0, x1, y1 = (float(v) for v in rect)
        if not (x1 > x0 and y1 > y0):
            raise ValueError(f"an atlas needs a region of positive size, got {rect}")
        with self._cond:
            if self._closed:
                raise RuntimeError("the atlas builder is closed")
            self._next_id += 1
            request = AtlasRequest(self._next_id, (x0, y0, x1, y1), tuple(levels), label)
            self._pending = (request, model, inverse)
            self._cond.notify_all()
            return self._next_id

    def cancel(self) -> None:
        """Stop the build in progress (at its next batch) and drop any waiting one."""
        with self._cond:
            self._next_id += 1
            self._pending = None
            self._cond.notify_all()

    @property
    def latest_id(self) -> int:
        """The id of the newest request (or cancellation)."""
        return self._next_id

    def _stale(self, request_id: int) -> bool:
        return self._closed or self._next_id != request_id

    def _thread_started(self) -> None:
        lower_thread_priority(BACKGROUND_NICENESS)

    def _work(self, job: tuple[AtlasRequest, GenerativeModel, Inverse]) -> None:
        self._build(*job)

    def _build(self, request: AtlasRequest, model: GenerativeModel, inverse: Inverse) -> None:
        def stop() -> bool:
            return self._stale(request.request_id)

        for number, side in enumerate(request.levels):
            pause = self._yield_to if number else (lambda: False)
            try:
                level = decode_level(model, inverse, request, side, stop, pause)
            except Exception as exc:  # a user's model can raise anything; keep the worker
                self._on_error(f"The decoded atlas stopped: {model.name}: {exc}")
                return
            if level is None or stop():
                return
            self._on_level(level)


def lower_thread_priority(step: int) -> None:
    """Make the calling thread ``step`` nicer (Linux: niceness is per thread, and the threads
    torch starts from it inherit it). Elsewhere, or when not allowed, nothing happens."""
    if not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + step))
    except OSError:
        pass
