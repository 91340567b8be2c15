"""A scatter item that rasterises all points with numpy into one image per frame.

pyqtgraph's ``ScatterPlotItem`` builds a record per point: ~0.2 s for 70,000 points and seconds
for a million, all on the GUI thread. The map only ever needs coloured dots, so this item keeps
a few flat arrays (positions, colour index, visibility) and, when the view changes, renders the
viewport with vectorised numpy into one image:

- **points** when zoomed in: each point is splatted as a small disk;
- **density** when zoomed out so far that many points share a pixel (more than
  :attr:`PointCloudItem.density_threshold` points per pixel of the view): one ``np.bincount``
  over flat pixel indices counts the points per pixel, two more sum their class colours, and
  each pixel shows the mean class colour of *all* its points (premultiplied by each point's
  alpha, so dimmed points darken it) with an opacity that grows with the log of the count.
  Nothing is sampled: every point contributes to the image.

Setting data, recolouring and hiding classes are O(N) array operations; a frame costs about
20 ms per million points. :meth:`PointCloudItem.set_draw_order` takes a spatially sorted order
(from :class:`~latent_explorer.core.compute.grid_index.GridIndex`), which makes the scatter into
the image touch memory nearly sequentially.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QColor, QImage, QPainter

DENSITY_MIN_POINTS = 50_000
"""Fewer points than this in view are always drawn one by one."""
_MIN_ALPHA = 0.45


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


def channel_bits(count: int) -> tuple[int, int] | None:
    """``(bits per colour channel, shift)`` so two channel sums of ``count`` points fit exactly in
    one float64 (``sum_a * 2**shift + sum_b < 2**52``); ``None`` when even 4 bits do not fit."""
    for bits in (8, 7, 6, 5, 4):
        shift = int(((1 << bits) - 1) * max(count, 1)).bit_length()
        if 2 * shift <= 52:
            return bits, shift
    return None


def density_image(flat: np.ndarray, weights: tuple[np.ndarray, ...], bits: int, shift: int | None,
                  width: int, height: int) -> np.ndarray:
    """Premultiplied ARGB ``(H, W)`` uint32: mean colour per pixel, opacity from log(count).

    ``flat`` holds each point's pixel ``y * width + x``, or ``width * height`` for points out of
    view. With ``shift`` the ``weights`` are ``(r << shift) + g`` and ``(b << shift) + 1`` per point
    (``bits``-bit channels); without, they are ``(r, g, b)`` and the count is taken separately.
    """
    size = width * height
    if shift is not None:
        rg = np.bincount(flat, weights=weights[0], minlength=size + 1)[:size]
        bc = np.bincount(flat, weights=weights[1], minlength=size + 1)[:size]
        nz = np.flatnonzero(bc)
        scale = float(1 << shift)
        packed_bc = bc[nz]
        r_sum = np.floor(rg[nz] / scale)
        g_sum = rg[nz] - r_sum * scale
        b_sum = np.floor(packed_bc / scale)
        count = packed_bc - b_sum * scale
    else:
        counts = np.bincount(flat, minlength=size + 1)[:size]
        nz = np.flatnonzero(counts)
        count = counts[nz].astype(np.float64)
        # numpy's stub types bincount as intp even with weights; at runtime these are float64.
        r_sum, g_sum, b_sum = (np.bincount(flat, weights=w, minlength=size + 1)[:size][nz]  # type: ignore[assignment]
                               for w in weights)
    buffer = np.zeros(size, dtype=np.uint32)
    if len(nz) == 0:
        return buffer.reshape(height, width)
    level = np.log1p(count)
    level *= (1.0 - _MIN_ALPHA) / max(float(level.max()), 1e-9)
    level += _MIN_ALPHA  # opacity in [_MIN_ALPHA, 1]
    to_byte = level * (255.0 / ((1 << bits) - 1)) / count  # mean, to 8 bits, premultiplied
    word = (level * 255.0).astype(np.uint32) << 24
    word |= (r_sum * to_byte).astype(np.uint32) << 16
    word |= (g_sum * to_byte).astype(np.uint32) << 8
    word |= (b_sum * to_byte).astype(np.uint32)
    buffer[nz] = word
    return buffer.reshape(height, width)


class PointCloudItem(pg.GraphicsObject):
    """Many coloured dots, drawn as one numpy-rendered image per view change.

    ``coords``, ``color_index`` and ``visible`` are per point, in the caller's order. The item
    draws in ``draw_order`` (random at first, spatially sorted once the map view's grid index
    is ready) and keeps the visible points' positions and colours in that order, rebuilt lazily
    only when the order, the visibility or the colours change.
    """

    visibility_changed = Signal()
    """The visible mask changed (legend, filter, isolate). Emitted on the GUI thread."""

    density_threshold = 0.5
    """Points in view per pixel of the view above which the density image is drawn."""

    def __init__(self) -> None:
        super().__init__()
        self.coords = np.zeros((0, 2), dtype=np.float32)
        self.color_index = np.zeros(0, dtype=np.int64)
        self.visible = np.zeros(0, dtype=bool)
        self.draw_order = np.zeros(0, dtype=np.int64)
        self._colors: list[QColor] = [QColor("white")]
        self._palette = np.zeros(1, dtype=np.uint32)
        self._rims = np.zeros(1, dtype=np.uint32)
        self._geometry: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._paint: dict[str, Any] | None = None
        self._bounds = QRectF()
        self._cache_key: tuple[Any, ...] | None = None
        self._cache_image: QImage | None = None
        self.radius = 2
        self.render_count = 0
        self.geometry_builds = 0
        self.last_render_ms = 0.0
        self.mode = "points"
        """How the last frame was drawn: ``"points"`` or ``"density"``."""
        self.points_in_view = 0
        self.on_mode_changed: Callable[[], None] | None = None
        """Called after a frame drawn as density, or in another mode than the last one."""

    # --- data -----------------------------------------------------------------------------
    def set_data(self, coords: np.ndarray, color_index: np.ndarray, colors: list[QColor],
                 seed: int = 0) -> None:
        """Set positions ``(N, 2)`` and each point's index into ``colors``."""
        self.prepareGeometryChange()
        self.coords = np.ascontiguousarray(np.asarray(coords, dtype=np.float32)[:, :2])
        self.color_index = np.asarray(color_index, dtype=np.int64)
        self.visible = np.ones(len(self.coords), dtype=bool)
        # Draw in a fixed random order so no class always ends up on top of the others.
        self.draw_order = np.random.default_rng(seed).permutation(len(self.coords))
        n = len(self.coords)
        self.radius = 3 if n < 3_000 else 2 if n < 40_000 else 1 if n < 300_000 else 0
        self._geometry = None
        self.set_colors(colors)
        if n:
            lo, hi = self.coords.min(axis=0), self.coords.max(axis=0)
            self._bounds = QRectF(float(lo[0]), float(lo[1]), float(hi[0] - lo[0]) or 1e-9,
                                  float(hi[1] - lo[1]) or 1e-9)
        else:
            self._bounds = QRectF()
        self._invalidate()

    def set_draw_order(self, order: np.ndarray) -> None:
        """Draw the points in ``order`` (a permutation), e.g. sorted by grid cell."""
        if len(order) != len(self.coords):
            raise ValueError(f"a draw order of {len(order)} for {len(self.coords)} points")
        self.draw_order = np.asarray(order, dtype=np.int64)
        self._geometry = None
        self._paint = None
        self._invalidate()

    def set_colors(self, colors: list[QColor]) -> None:
        """Change the palette that colour indices point into (no rebuild of the geometry)."""
        self._colors = [QColor(c) for c in colors]
        self._palette = pack_colors(self._colors)
        self._rims = pack_colors([QColor(c).darker(260) for c in colors])
        self._paint = None
        self._invalidate()

    def set_color_index(self, color_index: np.ndarray) -> None:
        """Give each point a new colour index (no rebuild of the geometry)."""
        self.color_index = np.asarray(color_index, dtype=np.int64)
        self._paint = None
        self._invalidate()

    def set_visible_mask(self, visible: np.ndarray) -> None:
        """Show only the points where ``visible`` is true."""
        self.visible = np.asarray(visible, dtype=bool)
        self._geometry = None
        self._paint = None
        self._invalidate()
        self.visibility_changed.emit()

    def _invalidate(self) -> None:
        self._cache_key = None
        self.update()

    # --- derived arrays in draw order (rebuilt lazily) -----------------------------------------
    def _visible_geometry(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(indices, x, y)`` of the visible points, in draw order."""
        if self._geometry is None:
            order = self.draw_order
            if not self.visible.all():
                order = order[self.visible[order]]
            xy = self.coords[order]
            self._geometry = (order, np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1]))
            self.geometry_builds += 1
        return self._geometry

    def _paint_arrays(self, density: bool) -> dict[str, Any]:
        """Colour words (and, for density, packed channel weights) of the visible points."""
        if self._paint is None:
            order = self._visible_geometry()[0]
            self._paint = {"index": self.color_index[order]}
        paint = self._paint
        if "words" not in paint and not density:
            paint["words"] = self._palette[paint["index"]]
            paint["rims"] = self._rims[paint["index"]] if self.radius >= 2 else None
        if "weights" not in paint and density:
            bits_shift = channel_bits(len(paint["index"]))
            bits, shift = bits_shift if bits_shift is not None else (8, None)
            # Premultiplied by each colour's alpha: points dimmed (not selected) or faded by an
            # opacity column darken their pixel, so a selection stands out when zoomed out too.
            rgb = np.array([[c.red() * c.alpha() // 255, c.green() * c.alpha() // 255,
                             c.blue() * c.alpha() // 255] for c in self._colors], dtype=np.int64)
            rgb = (rgb * ((1 << bits) - 1) + 127) // 255
            if shift is None:
                paint["weights"] = tuple(rgb[:, k].astype(np.float64)[paint["index"]]
                                         for k in range(3))
            else:
                first = (rgb[:, 0] << shift) + rgb[:, 1]
                second = (rgb[:, 2] << shift) + 1
                paint["weights"] = (first.astype(np.float64)[paint["index"]],
                                    second.astype(np.float64)[paint["index"]])
            paint["bits"], paint["shift"] = bits, shift
        return paint

    # --- QGraphicsItem --------------------------------------------------------------------
    def boundingRect(self) -> QRectF:
        return QRectF(self._bounds)

    def dataBounds(self, axis: int, frac: float = 1.0, orthoRange: Any = None) -> Any:  # noqa: N803
        if not len(self.coords):
            return (None, None)
        return (float(self._bounds.left()), float(self._bounds.right())) if axis == 0 else (
            float(self._bounds.top()), float(self._bounds.bottom()))

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
        start = time.perf_counter()
        _, x, y = self._visible_geometry()
        px = x * np.float32(transform.m11()) + np.float32(transform.dx())
        py = y * np.float32(transform.m22()) + np.float32(transform.dy())
        if transform.m21() or transform.m12():  # a rotated view; pyqtgraph's never is
            px += y * np.float32(transform.m21())
            py += x * np.float32(transform.m12())
        # Clip first: a deep zoom sends far points beyond the int32 range.
        np.clip(px, -64.0, width + 64.0, out=px)
        np.clip(py, -64.0, height + 64.0, out=py)
        xi, yi = px.astype(np.int32), py.astype(np.int32)
        in_view = (xi.view(np.uint32) < width) & (yi.view(np.uint32) < height)
        self.points_in_view = int(np.count_nonzero(in_view))
        dense = (self.points_in_view >= DENSITY_MIN_POINTS
                 and self.points_in_view > self.density_threshold * width * height)
        if dense:
            paint = self._paint_arrays(density=True)
            flat = yi * np.int32(width)
            flat += xi
            flat[~in_view] = width * height
            pixels = density_image(flat, paint["weights"], paint["bits"], paint["shift"],
                                   width, height)
        else:
            paint = self._paint_arrays(density=False)
            reach = self.radius + 1
            near = np.flatnonzero((px > -reach - 1) & (px < width + reach)
                                  & (py > -reach - 1) & (py < height + reach))
            rims = paint["rims"][near] if paint["rims"] is not None else None
            pixels = rasterize(px[near], py[near], paint["words"][near], width, height,
                               self.radius, rims)
        previous, self.mode = self.mode, "density" if dense else "points"
        image = QImage(pixels.data, width, height, width * 4,
                       QImage.Format.Format_ARGB32_Premultiplied).copy()
        self.render_count += 1
        self.last_render_ms = (time.perf_counter() - start) * 1000.0
        if self.on_mode_changed is not None and (dense or previous != self.mode):
            self.on_mode_changed()
        return image
