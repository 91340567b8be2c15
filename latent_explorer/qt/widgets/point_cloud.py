"""A scatter item that rasterises all points with numpy into one image per frame.

pyqtgraph's ``ScatterPlotItem`` builds a record per point: ~0.2 s for 70,000 points and seconds
for a million, all on the GUI thread. The map only ever needs coloured dots, so this item keeps
three arrays (positions, colour index, visibility) and, when the view changes, splats the
points into an RGBA buffer of the viewport's size with vectorised numpy, then draws that buffer
as one image. Setting data and recolouring are array assignments; a frame costs a few
milliseconds per 100,000 points.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter


def disk_offsets(radius: int) -> np.ndarray:
    """Integer pixel offsets ``(K, 2)`` (dx, dy) covering a disk of ``radius``."""
    if radius <= 0:
        return np.zeros((1, 2), dtype=np.int32)
    r = np.arange(-radius, radius + 1)
    dx, dy = np.meshgrid(r, r)
    keep = dx**2 + dy**2 <= radius * radius + radius * 0.8
    return np.stack([dx[keep], dy[keep]], axis=1).astype(np.int32)


def pack_colors(colors: list[QColor]) -> np.ndarray:
    """Premultiplied ARGB32 words of ``colors``, as ``Format_ARGB32_Premultiplied`` stores them."""
    words = []
    for c in colors:
        a = c.alpha()
        r, g, b = (c.red() * a) // 255, (c.green() * a) // 255, (c.blue() * a) // 255
        words.append((a << 24) | (r << 16) | (g << 8) | b)
    return np.asarray(words, dtype=np.uint32)


def rasterize(px: np.ndarray, py: np.ndarray, words: np.ndarray, width: int, height: int,
              radius: int, rim_words: np.ndarray | None = None) -> np.ndarray:
    """Splat points at pixel positions ``(px, py)`` with colours ``words`` into ``(H, W)`` uint32.

    Later points are drawn over earlier ones. With ``rim_words`` each dot first gets a darker
    disk one pixel larger, so overlapping dots stay distinguishable.
    """
    buffer = np.zeros(height * width, dtype=np.uint32)
    if len(px) == 0 or width <= 0 or height <= 0:
        return buffer.reshape(height, width)
    xi = np.rint(px).astype(np.int64)
    yi = np.rint(py).astype(np.int64)
    reach = radius + (1 if rim_words is not None else 0)
    near = (xi >= -reach) & (xi < width + reach) & (yi >= -reach) & (yi < height + reach)
    xi, yi, words = xi[near], yi[near], words[near]
    rim = rim_words[near] if rim_words is not None else None
    # Points whose whole stencil lies inside need no bounds checks: one flat index each.
    inner = (xi >= reach) & (xi < width - reach) & (yi >= reach) & (yi < height - reach)
    base = yi[inner] * width + xi[inner]
    passes = []
    if rim is not None:
        passes.append((disk_offsets(radius + 1), rim))
    passes.append((disk_offsets(radius), words))
    edge_x, edge_y = xi[~inner], yi[~inner]
    for offsets, colour in passes:
        inner_colour, edge_colour = colour[inner], colour[~inner]
        for dx, dy in offsets:
            buffer[base + (dy * width + dx)] = inner_colour
        if len(edge_x):
            for dx, dy in offsets:
                x, y = edge_x + dx, edge_y + dy
                ok = (x >= 0) & (x < width) & (y >= 0) & (y < height)
                buffer[y[ok] * width + x[ok]] = edge_colour[ok]
    return buffer.reshape(height, width)


class PointCloudItem(pg.GraphicsObject):
    """Many coloured dots, drawn as one numpy-rendered image per view change."""

    def __init__(self) -> None:
        super().__init__()
        self.coords = np.zeros((0, 2), dtype=np.float64)
        self.color_index = np.zeros(0, dtype=np.int64)
        self.visible = np.zeros(0, dtype=bool)
        self._palette = np.zeros(1, dtype=np.uint32)
        self._rims = np.zeros(1, dtype=np.uint32)
        self._order = np.zeros(0, dtype=np.int64)
        self._bounds = QRectF()
        self._cache_key: tuple[Any, ...] | None = None
        self._cache_image: QImage | None = None
        self.radius = 2
        self.render_count = 0
        self.last_render_ms = 0.0

    # --- data -----------------------------------------------------------------------------
    def set_data(self, coords: np.ndarray, color_index: np.ndarray, colors: list[QColor],
                 seed: int = 0) -> None:
        """Set positions ``(N, 2)`` and each point's index into ``colors``."""
        self.prepareGeometryChange()
        self.coords = np.asarray(coords, dtype=np.float64)[:, :2]
        self.color_index = np.asarray(color_index, dtype=np.int64)
        self.visible = np.ones(len(self.coords), dtype=bool)
        # Draw in a fixed random order so no class always ends up on top of the others.
        self._order = np.random.default_rng(seed).permutation(len(self.coords))
        n = len(self.coords)
        self.radius = 3 if n < 3_000 else 2 if n < 40_000 else 1 if n < 300_000 else 0
        self.set_colors(colors)
        if n:
            lo, hi = self.coords.min(axis=0), self.coords.max(axis=0)
            self._bounds = QRectF(float(lo[0]), float(lo[1]), float(hi[0] - lo[0]) or 1e-9,
                                  float(hi[1] - lo[1]) or 1e-9)
        else:
            self._bounds = QRectF()
        self._invalidate()

    def set_colors(self, colors: list[QColor]) -> None:
        """Change the palette that colour indices point into (recolouring is O(1))."""
        self._palette = pack_colors(colors)
        self._rims = pack_colors([QColor(c).darker(260) for c in colors])
        self._invalidate()

    def set_color_index(self, color_index: np.ndarray) -> None:
        """Give each point a new colour index (no rebuild of anything else)."""
        self.color_index = np.asarray(color_index, dtype=np.int64)
        self._invalidate()

    def set_visible_mask(self, visible: np.ndarray) -> None:
        """Show only the points where ``visible`` is true."""
        self.visible = np.asarray(visible, dtype=bool)
        self._invalidate()

    def _invalidate(self) -> None:
        self._cache_key = None
        self.update()

    # --- QGraphicsItem --------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange: Any = None) -> Any:  # noqa: N803
        if not len(self.coords):
            return (None, None)
        values = self.coords[:, axis]
        return (float(values.min()), float(values.max()))

    def paint(self, painter: QPainter, option: Any, widget: Any = None) -> None:
        if not len(self.coords) or widget is None:
            return
        transform = painter.transform()
        width, height = widget.width(), widget.height()
        key = (transform.m11(), transform.m12(), transform.m21(), transform.m22(),
               transform.dx(), transform.dy(), width, height)
        if key != self._cache_key or self._cache_image is None:
            self._cache_image = self._render(transform, width, height)
            self._cache_key = key
        painter.save()
        painter.resetTransform()
        painter.drawImage(0, 0, self._cache_image)
        painter.restore()

    def _render(self, transform: Any, width: int, height: int) -> QImage:
        import time

        start = time.perf_counter()
        order = self._order[self.visible[self._order]]
        xy = self.coords[order]
        px = transform.m11() * xy[:, 0] + transform.m21() * xy[:, 1] + transform.dx()
        py = transform.m12() * xy[:, 0] + transform.m22() * xy[:, 1] + transform.dy()
        index = self.color_index[order]
        rims = self._rims[index] if self.radius >= 2 else None
        pixels = rasterize(px, py, self._palette[index], width, height, self.radius, rims)
        image = QImage(pixels.data, width, height, width * 4,
                       QImage.Format.Format_ARGB32_Premultiplied).copy()
        self.render_count += 1
        self.last_render_ms = (time.perf_counter() - start) * 1000.0
        return image
