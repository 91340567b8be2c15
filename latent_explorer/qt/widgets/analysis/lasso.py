"""Lasso and rectangle selection on the map, and the point-in-polygon test behind them.

:func:`points_in_polygon` is plain numpy: candidates inside the polygon's bounding box are
binned into a coarse grid; grid cells well inside or well outside the polygon decide all
their points at once (one even-odd test of the cell's centre), and only points in cells an
edge passes near get the exact even-odd ray cast. That keeps a lasso over a million points
to a few tens of milliseconds.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import QKeyEvent, QMouseEvent

from latent_explorer.core.session.analysis_state import AnalysisState

BoolArray = npt.NDArray[np.bool_]
GRID = 96
"""Cells per side of the coarse grid over the polygon's bounding box."""
SMALL = 20_000
"""Below this many points the exact test alone is fastest."""
MIN_STEP_PX = 3.0
"""A lasso records a new vertex only after the mouse moved this far (screen pixels)."""


def even_odd(x: np.ndarray, y: np.ndarray, polygon: np.ndarray) -> BoolArray:
    """Exact even-odd test of points ``(x, y)`` against ``polygon`` ``(V, 2)`` (closed).

    The points are sorted by ``y`` once, so each edge only looks at the points level with it
    (an edge from ``y1`` to ``y2`` is crossed by the rays of points with ``min < y <= max``).
    """
    inside = np.zeros(len(x), dtype=bool)
    if not len(x):
        return inside
    order = np.argsort(y, kind="stable")
    ys, xs_sorted = y[order], x[order]
    px, py = polygon[:, 0], polygon[:, 1]
    qx, qy = np.roll(px, -1), np.roll(py, -1)
    low = np.searchsorted(ys, np.minimum(py, qy), side="right")
    high = np.searchsorted(ys, np.maximum(py, qy), side="right")
    flips = np.zeros(len(x), dtype=bool)
    for a, b, x1, y1, x2, y2 in zip(low, high, px, py, qx, qy, strict=True):
        if a >= b:
            continue  # horizontal, or no point level with the edge
        crossing = x1 + (ys[a:b] - y1) * ((x2 - x1) / (y2 - y1))
        flips[a:b] ^= xs_sorted[a:b] < crossing
    inside[order] = flips
    return inside


def points_in_polygon(x: np.ndarray, y: np.ndarray, polygon: npt.ArrayLike,
                      grid: int = GRID) -> BoolArray:
    """Which points ``(x[i], y[i])`` lie inside ``polygon`` ``(V, 2)`` (even-odd rule).

    The polygon is closed implicitly; fewer than three vertices select nothing.
    """
    poly = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    if len(poly) < 3 or not len(x):
        return np.zeros(len(x), dtype=bool)
    (x0, y0), (x1, y1) = poly.min(axis=0), poly.max(axis=0)
    if x1 <= x0 or y1 <= y0:
        return np.zeros(len(x), dtype=bool)
    if len(x) < SMALL:
        return even_odd(np.asarray(x), np.asarray(y), poly)
    sx, sy = grid / (x1 - x0), grid / (y1 - y0)
    # Cell of every point in a grid padded by one cell of "outside" all around.
    width = grid + 2
    cell = _axis_cells(y, y0, sy, grid)
    cell *= width
    cell += _axis_cells(x, x0, sx, grid)
    state = np.zeros((width, width), dtype=np.int8)
    state[1:-1, 1:-1] = _cell_states(poly, grid, (x0, y0), (sx, sy)).reshape(grid, grid)
    per_point = state.reshape(-1)[cell]
    inside: BoolArray = per_point == 1
    near = np.flatnonzero(per_point == 2)
    if len(near):
        inside[near] = even_odd(x[near], y[near], poly)
    return inside


def _axis_cells(values: np.ndarray, origin: float, scale: float, grid: int) -> np.ndarray:
    """Padded grid column (or row) of each value: 0 before the box, ``grid + 1`` after it."""
    f: npt.NDArray[np.float32] = np.subtract(values, np.float32(origin), dtype=np.float32)
    f *= np.float32(scale)
    f += np.float32(1.0)
    np.clip(f, 0.0, grid + 1.0, out=f)
    return f.astype(np.int32)


def _cell_states(poly: np.ndarray, grid: int, origin: tuple[float, float],
                 scale: tuple[float, float]) -> np.ndarray:
    """Per grid cell: 2 if an edge passes through it or a neighbour, else 1 inside / 0 out."""
    gx = (poly[:, 0] - origin[0]) * scale[0]
    gy = (poly[:, 1] - origin[1]) * scale[1]
    ex, ey = np.roll(gx, -1), np.roll(gy, -1)
    length = np.maximum(np.abs(ex - gx), np.abs(ey - gy))
    steps = np.maximum(np.ceil(length * 4).astype(np.int64), 1)
    # Sample every edge at a quarter cell; mark those cells and their 8 neighbours.
    seg = np.repeat(np.arange(len(gx)), steps)
    t = (np.arange(len(seg)) - np.repeat(np.cumsum(steps) - steps, steps)) / steps[seg]
    sx = gx[seg] + (ex[seg] - gx[seg]) * t
    sy = gy[seg] + (ey[seg] - gy[seg]) * t
    touched = np.zeros((grid + 2, grid + 2), dtype=bool)
    ci = np.clip(sx.astype(np.int64), 0, grid - 1) + 1
    ri = np.clip(sy.astype(np.int64), 0, grid - 1) + 1
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            touched[ri + dr, ci + dc] = True
    edge = touched[1:-1, 1:-1].reshape(-1)
    centres = (np.arange(grid) + 0.5)
    mx, my = np.meshgrid(centres, centres)
    inside = even_odd(mx.reshape(-1), my.reshape(-1), np.stack([gx, gy], axis=1))
    state = inside.astype(np.int8)
    state[edge] = 2
    return state


class QtSelectionTool(QObject):
    """Draws a lasso or rectangle with the left mouse button on a map view and selects.

    Installed as an event filter on the view's viewport. While :attr:`AnalysisState.tool` is
    ``pan`` it lets every event through; otherwise a left drag draws the shape (Shift adds
    to the selection, Alt removes from it) and Esc returns to panning.
    """

    polygon_finished = Signal(object, object)
    """(polygon ``(V, 2)`` in map coordinates, selection mode). Emitted on the GUI thread."""

    def __init__(self, state: AnalysisState, view: pg.PlotWidget) -> None:
        super().__init__(view)
        self.state = state
        self.view = view
        self.points: list[QPointF] = []
        self._start_px: QPointF | None = None
        self._last_px: QPointF | None = None
        self._corner = QPointF()
        self.outline = pg.PlotDataItem([], [], pen=pg.mkPen("#ffd166", width=1.5,
                                                            style=Qt.PenStyle.DashLine))
        self.outline.setZValue(50)
        view.addItem(self.outline, ignoreBounds=True)
        view.viewport().installEventFilter(self)
        view.installEventFilter(self)

    def _to_view(self, pos: QPointF) -> QPointF:
        scene = self.view.mapToScene(pos.toPoint())
        point: QPointF = self.view.getPlotItem().getViewBox().mapSceneToView(scene)
        return point

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() == Qt.Key.Key_Escape and self.state.tool != "pan":
                self._cancel()
                self.state.tool = "pan"
                return True
            return False
        if self.state.tool == "pan":
            return False
        try:
            viewport = self.view.viewport()
        except RuntimeError:  # the map is being destroyed (the window closed in lasso mode)
            return False
        if watched is not viewport:
            return False
        if not isinstance(event, QMouseEvent):
            return False
        if kind == QEvent.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self._start_px = self._last_px = event.position()
            self.points = [self._to_view(event.position())]
            self._draw(event.position())
            return True
        if kind == QEvent.Type.MouseMove and self._start_px is not None:
            self._extend(event.position())
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._start_px is not None:
            self._extend(event.position(), force=True)
            polygon = self._polygon()
            modifiers = event.modifiers()
            mode = ("add" if modifiers & Qt.KeyboardModifier.ShiftModifier else
                    "remove" if modifiers & Qt.KeyboardModifier.AltModifier else "replace")
            self._cancel()
            if len(polygon) >= 3:
                self.polygon_finished.emit(polygon, mode)
            return True
        return False

    def _extend(self, pos: QPointF, force: bool = False) -> None:
        last = self._last_px
        if self.state.tool == "lasso":
            moved = last is None or abs(pos.x() - last.x()) + abs(pos.y() - last.y())
            if force or moved >= MIN_STEP_PX:
                self.points.append(self._to_view(pos))
                self._last_px = pos
        self._draw(pos)

    def _polygon(self) -> np.ndarray:
        if self.state.tool == "rectangle" and self._start_px is not None:
            a = self.points[0]
            b = self._corner
            return np.array([[a.x(), a.y()], [b.x(), a.y()], [b.x(), b.y()], [a.x(), b.y()]])
        return np.array([[p.x(), p.y()] for p in self.points], dtype=np.float64)

    def _draw(self, pos: QPointF) -> None:
        if self.state.tool == "rectangle":
            self._corner = self._to_view(pos)
        polygon = self._polygon()
        if len(polygon) == 0:
            return
        closed = np.vstack([polygon, polygon[:1]])
        self.outline.setData(closed[:, 0], closed[:, 1])

    def _cancel(self) -> None:
        self._start_px = self._last_px = None
        self.points = []
        self.outline.setData([], [])
