"""Pictures on the map: each point drawn as its own image where there is room.

For a map of images with no decoder (the pixels of a dataset no model fits yet, or embeddings
that came with their images), the images themselves are the best guide to what the layout
means. This layer draws, over the points, the thumbnails of as many visible samples as fit
without overlapping (one per cell of a grid of thumbnail-sized cells, chosen in a fixed random
order so the picks stay put while panning), redrawn shortly after the view stops changing. It
is one image item the size of the view, composed in numpy, so a million points cost a mask
and a sort, not a million items.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, QTimer

from latent_explorer.qt.widgets.map_view import QtMapView

THUMB_PX = 34
"""Side of a thumbnail on screen (pixels)."""
REDRAW_MS = 60


class MapThumbnails:
    """Draws the images of visible samples on ``view``; :meth:`set_images` turns it on."""

    def __init__(self, view: QtMapView) -> None:
        self.view = view
        self.item = pg.ImageItem(axisOrder="row-major")
        self.item.setZValue(10)  # above the points, below the selection ring and the star
        self.item.setVisible(False)
        view.addItem(self.item, ignoreBounds=True)
        self.images: Any = None
        self.pictured: np.ndarray | None = None
        """Which samples have a picture (``None``: all of them)."""
        self.order = np.zeros(0, dtype=np.int64)
        self.shown = np.zeros(0, dtype=np.int64)
        """The samples whose pictures are drawn now (for tests and hover)."""
        self._cache: dict[int, np.ndarray] = {}
        self._timer = QTimer(view)  # dies with the map, never fires on a closed window
        self._timer.setSingleShot(True)
        self._timer.setInterval(REDRAW_MS)
        self._timer.timeout.connect(self.redraw)
        view.view_box.sigRangeChanged.connect(self._schedule)
        view.view_box.sigResized.connect(self._schedule)
        view.cloud.visibility_changed.connect(self._schedule)  # filtered-out rows: no picture

    @property
    def enabled(self) -> bool:
        """Whether pictures are drawn."""
        return self.images is not None

    def set_images(self, images: Any, pictured: np.ndarray | None = None) -> None:
        """Draw these ``(N, H, W, C)`` images for the map's N points (``None``: none);
        ``pictured`` marks the samples that have one, when only some do."""
        self.images = images
        self.pictured = pictured
        self._cache.clear()
        count = len(self.view.coords)
        self.order = np.random.default_rng(0).permutation(count).astype(np.int64)
        self.item.setVisible(images is not None)
        self.shown = np.zeros(0, dtype=np.int64)
        self._schedule()

    def _schedule(self, *_: object) -> None:
        if self.images is not None:
            self._timer.start()

    def redraw(self) -> None:
        """Compose the thumbnails that fit in the current view."""
        if self.images is None or len(self.view.coords) != len(self.order):
            self.item.setVisible(False)
            return
        box = self.view.view_box
        (x0, x1), (y0, y1) = box.viewRange()
        width, height = int(box.width()), int(box.height())
        if width < THUMB_PX or height < THUMB_PX or x1 <= x0 or y1 <= y0:
            return
        coords = self.view.coords[self.order]
        px = (coords[:, 0] - x0) / (x1 - x0) * width
        py = (y1 - coords[:, 1]) / (y1 - y0) * height  # screen rows grow downwards
        half = THUMB_PX / 2
        inside = (px >= half) & (px < width - half) & (py >= half) & (py < height - half)
        visible = self.view.cloud.visible
        if visible is not None and len(visible) == len(self.order):
            inside &= visible[self.order]
        if self.pictured is not None and len(self.pictured) == len(self.order):
            inside &= self.pictured[self.order]  # a row with no picture keeps its point
        rows = np.flatnonzero(inside)
        cells = (py[rows] // THUMB_PX).astype(np.int64) * (width // THUMB_PX + 1) + (
            px[rows] // THUMB_PX).astype(np.int64)
        _, first = np.unique(cells, return_index=True)
        picks = rows[np.sort(first)]
        canvas = np.zeros((height, width, 4), dtype=np.uint8)
        for row in picks:
            top, left = int(py[row] - half), int(px[row] - half)
            canvas[top:top + THUMB_PX, left:left + THUMB_PX] = self._thumb(int(self.order[row]))
        self.shown = self.order[picks]
        self.item.setImage(canvas, levels=(0, 255), autoLevels=False)
        self.item.setRect(QRectF(x0, y1, x1 - x0, y0 - y1))
        self.item.setVisible(True)

    def _thumb(self, index: int) -> np.ndarray:
        cached = self._cache.get(index)
        if cached is None:
            image = np.asarray(self.images[index])
            h, w = image.shape[:2]
            scale = THUMB_PX / max(h, w)
            rows = np.minimum((np.arange(THUMB_PX) / scale).astype(np.int64), h - 1)
            cols = np.minimum((np.arange(THUMB_PX) / scale).astype(np.int64), w - 1)
            small = image[rows][:, cols]
            if small.shape[-1] == 1:
                small = np.repeat(small, 3, axis=-1)
            cached = np.empty((THUMB_PX, THUMB_PX, 4), dtype=np.uint8)
            cached[..., :3] = small
            cached[..., 3] = 255
            cached[0, :, :3] = cached[-1, :, :3] = cached[:, 0, :3] = cached[:, -1, :3] = 90
            self._cache[index] = cached
        return cached
