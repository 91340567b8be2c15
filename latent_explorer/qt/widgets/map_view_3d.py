"""The 3-D map: every sample as a point in a 3-D projection, bound to an ExplorerState.

It does the 2-D map's job in three dimensions: points coloured by label with a clickable legend,
a hover card, click to select (shared through the state), the probe, the "you are here" star
and the active path. Orbit with the left button, pan with Ctrl+left or the middle button, zoom
with the wheel; Shift+drag moves the probe in the plane facing the camera. Needs OpenGL: build
it through :func:`latent_explorer.qt.gl_support.make_map_view_3d`, which falls back to a
placeholder that says why where OpenGL is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyqtgraph.opengl as gl
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QFont, QImage, QMouseEvent, QPainter, QVector3D
from PySide6.QtWidgets import QWidget

from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.palette import MAP_BACKGROUND, UNLABELLED, category_color
from latent_explorer.qt.widgets.gl_points import (
    PALETTE_SIZE,
    SHAPE_CROSSHAIR,
    SHAPE_DISC,
    SHAPE_RING,
    SHAPE_SQUARE,
    SHAPE_STAR,
    GLPointsItem,
    colors_to_rgba,
)
from latent_explorer.qt.widgets.hover_card import QtHoverCard
from latent_explorer.qt.widgets.map_legend_3d import QtMapLegend3D

HOVER_RADIUS_PX = 8.0
CLICK_SLOP_PX = 3
HIDDEN_SLOT = PALETTE_SIZE - 1
SETTLE_MS = 180
SOFTWARE_POINT_BUDGET = 20_000
"""Points drawn per frame while the camera moves under a software renderer (llvmpipe): every
point costs ~1 us there whatever its size, so 100,000 points cannot orbit smoothly. The full
set is drawn again ``SETTLE_MS`` after the camera stops."""
_SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "software", "swiftshader")


def point_size_for(n: int) -> tuple[float, int]:
    """Pixel size and shape of the dots for ``n`` points (smaller and square when very many)."""
    if n < 3_000:
        return 7.0, SHAPE_DISC
    if n < 40_000:
        return 5.0, SHAPE_DISC
    if n < 300_000:
        return 3.0, SHAPE_DISC
    return 2.0, SHAPE_SQUARE


class QtMapView3D(gl.GLViewWidget):
    """The 3-D map of the dataset, bound to an :class:`ExplorerState`.

    Writes the clicked sample, the classes hidden in the legend and the probe position (three
    values) into the state, and redraws selection, visibility and probe from its events.
    """

    sample_clicked = Signal(int, object)
    """(sample index, keyboard modifiers) of a click on a point. Emitted on the GUI thread."""
    status_changed = Signal(str)
    """A note for the status bar when the camera starts moving with fewer points drawn."""

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.coords = np.zeros((0, 3), dtype=np.float32)
        self.labels: np.ndarray | None = None
        self.thumbnail: Callable[[int], tuple[np.ndarray | None, str]] | None = None
        self._classes = np.zeros(0, dtype=np.int64)
        self._class_index = np.zeros(0, dtype=np.int64)
        self._base_rgba = colors_to_rgba([QColor(UNLABELLED)])
        self._screen_cache: tuple[tuple[float, ...], np.ndarray, np.ndarray] | None = None
        self._anchors: np.ndarray | None = None
        self._radius = 1.0
        self._order = np.zeros(0, dtype=np.int64)
        self.interactive_point_budget: int | None = None
        """At most this many points are drawn while the camera moves (``None``: all). Set from
        the renderer when the view first draws: software OpenGL gets a budget."""
        self._budget_decided = False
        self._settle_timer = QTimer(self)
        self._settle_timer.setSingleShot(True)
        self._settle_timer.setInterval(SETTLE_MS)
        self._settle_timer.timeout.connect(self._on_camera_settled)
        self._press: QPointF | None = None
        self._moved = False
        self._probe_drag = False
        self._last_pos = QPointF()
        self.frame_count = 0
        self.depth_cue = 0.55
        """How far the farthest points fade towards the background (0: no fading)."""
        self.setBackgroundColor(MAP_BACKGROUND)
        self.setMouseTracking(True)
        self.setMinimumSize(120, 120)

        colour = QColor(MAP_BACKGROUND)
        background = (colour.redF(), colour.greenF(), colour.blueF())
        self.points = GLPointsItem()
        self.points.background = background
        self.grid = GLPointsItem(mode="lines")
        self.grid.set_color(QColor("#2b3039"))  # opaque: the cloud draws without blending
        self.axes = GLPointsItem(mode="lines", line_width=2.0)
        self.path_curve = GLPointsItem(mode="line_strip", depth_test=False, line_width=2.0)
        self.path_curve.set_color(QColor(255, 255, 255, 200))
        self.path_anchors = self._marker("#f3722c", 13, SHAPE_DISC)
        self.selection_item = self._marker("#ffd166", 20, SHAPE_RING)
        self.here_item = self._marker("#ffffff", 22, SHAPE_STAR)
        self.probe_item = self._marker("#ffd166", 22, SHAPE_CROSSHAIR)
        for depth, item in enumerate((self.axes, self.grid, self.points, self.path_curve,
                                      self.path_anchors, self.selection_item, self.here_item,
                                      self.probe_item)):
            item.setDepthValue(depth)
            self.addItem(item)

        self.hover_card = QtHoverCard(self)
        self.legend = QtMapLegend3D(self)
        self.legend.move(8, 8)
        self.legend.label_toggled.connect(self._on_legend_toggled)
        self._rotate_timer = QTimer(self)
        self._rotate_timer.setInterval(33)
        self._rotate_timer.timeout.connect(lambda: self.orbit(0.3, 0.0))
        self._build_actions()
        state.events.hidden_labels.connect(self._on_hidden_labels_changed)
        state.events.selected_index.connect(self._on_selected_index_changed)
        state.events.probe_position.connect(self._on_probe_position_changed)
        self.destroyed.connect(self._disconnect_state)

    def _marker(self, color: str, size: float, shape: int) -> GLPointsItem:
        item = GLPointsItem(size=size, shape=shape, depth_test=False)
        item.set_color(QColor(color))
        return item

    def _build_actions(self) -> None:
        """Reset / auto-rotate / axes actions: in the right-click menu, and for a toolbar."""
        self.reset_view_action = QAction("Reset 3-D View", self)
        self.reset_view_action.triggered.connect(self.reset_view)
        self.auto_rotate_action = QAction("Auto-Rotate", self, checkable=True)
        self.auto_rotate_action.toggled.connect(self.set_auto_rotate)
        self.axes_action = QAction("Axes and Grid", self, checkable=True, checked=True)
        self.axes_action.toggled.connect(self.set_axes_visible)
        for action in (self.reset_view_action, self.auto_rotate_action, self.axes_action):
            self.addAction(action)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def _disconnect_state(self) -> None:
        events = self.state.events
        for signal, slot in ((events.hidden_labels, self._on_hidden_labels_changed),
                             (events.selected_index, self._on_selected_index_changed),
                             (events.probe_position, self._on_probe_position_changed)):
            signal.disconnect(slot, missing_ok=True)

    # --- data -----------------------------------------------------------------------------
    def set_points(self, coords: np.ndarray, labels: np.ndarray | None,
                   label_name: Callable[[int], str] = str, reset_view: bool = True) -> None:
        """Show ``coords`` ``(N, 3)`` coloured by ``labels`` (one legend entry per class)."""
        coords = np.asarray(coords, dtype=np.float32)
        if coords.ndim != 2 or coords.shape[1] not in (2, 3):
            raise ValueError(f"the 3-D map needs (N, 3) coordinates, got {coords.shape}")
        if coords.shape[1] == 2:  # a 2-D projection: lay it flat
            coords = np.column_stack([coords, np.zeros(len(coords), dtype=np.float32)])
        self.coords = np.ascontiguousarray(coords)
        self.labels = None if labels is None else np.asarray(labels)
        self._screen_cache = None
        self._radius = (float(np.linalg.norm(coords.max(axis=0) - coords.min(axis=0))) / 2.0
                        if len(coords) else 1.0)
        if self.labels is None:
            self._classes = np.zeros(0, dtype=np.int64)
            self._class_index = np.zeros(len(self.coords), dtype=np.int64)
            colors = [QColor(UNLABELLED)]
        else:
            self._classes, self._class_index = np.unique(self.labels, return_inverse=True)
            colors = [category_color(int(label)) for label in self._classes[:HIDDEN_SLOT]]
        self._base_rgba = colors_to_rgba(colors)
        size, shape = point_size_for(len(self.coords))
        self.points.size = size * self.devicePixelRatioF()
        self.points.shape = shape
        # The buffers hold the points in a fixed random order, so that drawing only the first
        # k of them (the level of detail while the camera moves) shows a fair sample.
        self._order = np.random.default_rng(0).permutation(len(self.coords))
        self.points.set_positions(self.coords[self._order])
        self.points.set_color_index(np.minimum(self._class_index, HIDDEN_SLOT - 1)[self._order])
        entries = [(int(label), label_name(int(label)), color)
                   for label, color in zip(self._classes, colors, strict=False)]
        self.legend.set_entries(entries if 0 < len(entries) <= 30 else [])
        self._build_grid()
        self._on_hidden_labels_changed(self.state.hidden_labels)
        self._on_selected_index_changed(self.state.selected_index)
        self._on_probe_position_changed(self.state.probe_position)
        if reset_view:
            self.reset_view()

    def set_here(self, position: np.ndarray | None) -> None:
        """Place the "you are here" star (where the current latent projects), or hide it."""
        self.here_item.set_positions(np.zeros((0, 3)) if position is None
                                     else self._as_point(position))

    def set_path(self, curve: np.ndarray | None, anchors: np.ndarray | None) -> None:
        """Draw ``curve`` ``(F, 3)`` and numbered ``anchors`` ``(K, 3)`` (``None`` clears)."""
        self.path_curve.set_positions(np.zeros((0, 3)) if curve is None
                                      else self._as_points(curve))
        self._anchors = None if anchors is None or len(anchors) == 0 else self._as_points(anchors)
        self.path_anchors.set_positions(np.zeros((0, 3)) if self._anchors is None
                                        else self._anchors)
        self.update()

    def reset_view(self) -> None:
        """Look at all points from a standard angle, filling the view."""
        if not len(self.coords):
            self.setCameraPosition(pos=QVector3D(0, 0, 0), distance=10, elevation=25,
                                   azimuth=45)
            return
        lo, hi = self.coords.min(axis=0), self.coords.max(axis=0)
        centre = (lo + hi) / 2.0
        radius = max(float(np.linalg.norm(hi - lo)) / 2.0, 1e-6)
        half_h = np.radians(self.opts["fov"]) / 2.0
        half_v = np.arctan(np.tan(half_h) * self.height() / max(self.width(), 1))
        distance = radius / np.sin(min(half_h, half_v)) * 0.95
        self.setCameraPosition(pos=QVector3D(*map(float, centre)), distance=float(distance),
                               elevation=22, azimuth=-60)

    def set_auto_rotate(self, enabled: bool) -> None:
        """Turn the slow automatic orbit on or off."""
        if enabled:
            self._rotate_timer.start()
        else:
            self._rotate_timer.stop()
        if self.auto_rotate_action.isChecked() != enabled:
            self.auto_rotate_action.setChecked(enabled)

    def set_axes_visible(self, visible: bool) -> None:
        """Show or hide the floor grid and the three axes."""
        self.grid.setVisible(visible)
        self.axes.setVisible(visible)
        if self.axes_action.isChecked() != visible:
            self.axes_action.setChecked(visible)

    def save_png(self, path: str | Path) -> bool:
        """Write what the view shows (with the legend) to a PNG file; ``True`` on success."""
        image = self.grabFramebuffer().convertToFormat(QImage.Format.Format_ARGB32)
        if self.legend.isVisible():
            painter = QPainter(image)
            self.legend.render(painter, self.legend.pos())
            painter.end()
        from latent_explorer.qt.images import save_png_atomic

        return save_png_atomic(image, path)

    def _build_grid(self) -> None:
        if not len(self.coords):
            self.grid.set_positions(np.zeros((0, 3)))
            self.axes.set_positions(np.zeros((0, 3)))
            return
        lo, hi = self.coords.min(axis=0), self.coords.max(axis=0)
        steps = 10
        xs, ys = np.linspace(lo[0], hi[0], steps + 1), np.linspace(lo[1], hi[1], steps + 1)
        lines = [[(x, lo[1], lo[2]), (x, hi[1], lo[2])] for x in xs]
        lines += [[(lo[0], y, lo[2]), (hi[0], y, lo[2])] for y in ys]
        self.grid.set_positions(np.asarray(lines, dtype=np.float32).reshape(-1, 3))
        ends = np.array([lo, lo, lo], dtype=np.float32) + np.diag(hi - lo)
        self.axes.set_positions(np.stack([np.repeat(lo[None], 3, axis=0), ends], axis=1)
                                .reshape(-1, 3))
        self.axes.set_palette(colors_to_rgba([QColor("#e76f51"), QColor("#90be6d"),
                                              QColor("#4cc9f0")]))
        self.axes.set_color_index(np.repeat(np.arange(3), 2))

    @staticmethod
    def _as_point(position: np.ndarray | tuple[float, ...]) -> np.ndarray:
        p = np.zeros(3, dtype=np.float32)
        values = np.asarray(position, dtype=np.float32).ravel()[:3]
        p[: len(values)] = values
        return p[None, :]

    @staticmethod
    def _as_points(points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float32)
        if points.shape[1] == 2:
            points = np.column_stack([points, np.zeros(len(points), dtype=np.float32)])
        return np.ascontiguousarray(points[:, :3])

    # --- projection to the screen ---------------------------------------------------------
    def mvp_matrix(self) -> np.ndarray:
        """The current model-view-projection matrix, row-major ``(4, 4)`` float64."""
        w, h = max(self.width(), 1), max(self.height(), 1)
        matrix = self.projectionMatrix((0, 0, w, h), (0, 0, w, h)) * self.viewMatrix()
        return np.asarray(matrix.data(), dtype=np.float64).reshape(4, 4).T

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Widget pixel positions ``(N, 2)`` and depths ``(N,)`` (NaN behind the camera)."""
        m = self.mvp_matrix()
        p = np.asarray(points, dtype=np.float64).reshape(-1, 3)
        clip = p @ m[:, :3].T + m[:, 3]
        w = clip[:, 3]
        with np.errstate(divide="ignore", invalid="ignore"):
            ndc = clip[:, :3] / w[:, None]
        ndc[(w <= 0) | (np.abs(ndc[:, 2]) > 1)] = np.nan
        xy = np.column_stack([(ndc[:, 0] + 1) * 0.5 * self.width(),
                              (1 - ndc[:, 1]) * 0.5 * self.height()])
        return xy, ndc[:, 2]

    def view_to_widget(self, x: float, y: float, z: float) -> QPointF:
        """Widget pixel position of map point ``(x, y, z)``; for tests and tools."""
        xy, _ = self.project(np.array([[x, y, z]]))
        return QPointF(float(xy[0, 0]), float(xy[0, 1]))

    def _screen_positions(self) -> tuple[np.ndarray, np.ndarray]:
        m = self.mvp_matrix()
        key = (*m.ravel().tolist(), float(self.width()), float(self.height()))
        if self._screen_cache is None or self._screen_cache[0] != key:
            xy, depth = self.project(self.coords)
            self._screen_cache = (key, xy.astype(np.float32), depth.astype(np.float32))
        return self._screen_cache[1], self._screen_cache[2]

    def visible_mask(self) -> np.ndarray:
        """Which points are shown (not hidden by the legend)."""
        if self.labels is None or not self.state.hidden_labels:
            return np.ones(len(self.coords), dtype=bool)
        return ~np.isin(self.labels, list(self.state.hidden_labels))

    def nearest_point(self, pos: QPointF, radius_px: float = HOVER_RADIUS_PX) -> int | None:
        """The visible sample under widget position ``pos`` within ``radius_px`` pixels.

        Among points whose dot covers ``pos`` the front-most wins (that is the one seen);
        otherwise the one nearest on screen.
        """
        if not len(self.coords):
            return None
        xy, depth = self._screen_positions()
        d2 = (xy[:, 0] - pos.x()) ** 2 + (xy[:, 1] - pos.y()) ** 2
        near = np.flatnonzero(d2 <= radius_px * radius_px)  # NaN (behind camera) compares false
        if self.labels is not None and self.state.hidden_labels and len(near):
            near = near[~np.isin(self.labels[near], list(self.state.hidden_labels))]
        if not len(near):
            return None
        dot = self.points.size / self.devicePixelRatioF() / 2.0 + 1.0
        covering = near[d2[near] <= dot * dot]
        if len(covering):
            return int(covering[np.argmin(depth[covering])])
        return int(near[np.argmin(d2[near])])

    # --- the probe ------------------------------------------------------------------------
    def _probe_anchor(self) -> np.ndarray:
        position = self.state.probe_position
        if position is not None and len(position) == 3:
            return np.asarray(position, dtype=np.float64)
        centre = self.opts["center"]
        return np.array([centre.x(), centre.y(), centre.z()], dtype=np.float64)

    def _move_probe_to(self, pos: QPointF) -> None:
        """Put the probe under widget position ``pos``, at the depth it has now."""
        m = self.mvp_matrix()
        clip = m @ np.append(self._probe_anchor(), 1.0)
        if clip[3] <= 0:
            return
        ndc_z = clip[2] / clip[3]
        ndc = np.array([2.0 * pos.x() / max(self.width(), 1) - 1.0,
                        1.0 - 2.0 * pos.y() / max(self.height(), 1), ndc_z, 1.0])
        world = np.linalg.inv(m) @ ndc
        new = world[:3] / world[3]
        self.state.probe_position = (float(new[0]), float(new[1]), float(new[2]))

    def _move_probe_by(self, dx: float, dy: float) -> None:
        """Move the probe by a screen delta, in the plane facing the camera."""
        xy, _ = self.project(self._probe_anchor()[None, :])
        if np.isnan(xy).any():
            return
        self._move_probe_to(QPointF(float(xy[0, 0]) + dx, float(xy[0, 1]) + dy))

    # --- mouse ----------------------------------------------------------------------------
    def mousePressEvent(self, ev: QMouseEvent) -> None:
        self._press = ev.position()
        self._last_pos = ev.position()
        self._moved = False
        self.hover_card.hide_card()
        self._probe_drag = (ev.button() == Qt.MouseButton.LeftButton
                            and bool(ev.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        if not self._probe_drag:
            super().mousePressEvent(ev)

    def mouseMoveEvent(self, ev: QMouseEvent) -> None:
        pos = ev.position()
        if ev.buttons() == Qt.MouseButton.NoButton:
            self._hover(pos)
            return
        if self._press is not None and (pos - self._press).manhattanLength() > CLICK_SLOP_PX:
            self._moved = True
        if self._probe_drag:
            delta = pos - self._last_pos
            self._last_pos = pos
            self._move_probe_by(delta.x(), delta.y())
            return
        super().mouseMoveEvent(ev)

    def mouseReleaseEvent(self, ev: QMouseEvent) -> None:
        is_click = (ev.button() == Qt.MouseButton.LeftButton and self._press is not None
                    and not self._moved and not self._probe_drag)
        self._press = None
        self._probe_drag = False
        if is_click:
            self._click(ev.position(), ev.modifiers())

    def leaveEvent(self, ev: object) -> None:
        self.hover_card.hide_card()

    def _click(self, pos: QPointF, modifiers: Qt.KeyboardModifier) -> None:
        index = self.nearest_point(pos)
        if index is not None:
            self.sample_clicked.emit(index, modifiers)
            if not modifiers & Qt.KeyboardModifier.ControlModifier:
                self.state.selected_index = index
        else:
            # A click on empty space sends the probe there: decode anywhere, not only on data.
            self._move_probe_to(pos)

    def _hover(self, pos: QPointF) -> None:
        if self.thumbnail is None:
            return
        index = self.nearest_point(pos)
        if index is None:
            self.hover_card.hide_card()
            return
        if index != self.hover_card.index or not self.hover_card.isVisible():
            image, text = self.thumbnail(index)
            self.hover_card.show_sample(index, image, text, self.mapToGlobal(pos.toPoint()))

    def _on_legend_toggled(self, label: int) -> None:
        self.state.hidden_labels = frozenset(set(self.state.hidden_labels) ^ {label})

    # --- state -> view --------------------------------------------------------------------
    def _on_hidden_labels_changed(self, hidden: frozenset[int]) -> None:
        self.legend.set_hidden(hidden)
        if len(self._classes) < HIDDEN_SLOT:  # one slot per class: hiding is a uniform change
            rgba = self._base_rgba.copy()
            rgba[np.isin(self._classes, list(hidden)), 3] = 0.0
            self.points.set_palette(rgba)
        else:  # more classes than slots: hidden points move to the transparent slot
            self.points.set_palette(self._base_rgba)
            slots = (self._class_index % (HIDDEN_SLOT - 1)).astype(np.uint8)
            slots[~self.visible_mask()] = HIDDEN_SLOT
            self.points.set_color_index(slots[self._order])
        self.update()

    def _on_selected_index_changed(self, index: int | None) -> None:
        if index is None or not 0 <= index < len(self.coords):
            self.selection_item.set_positions(np.zeros((0, 3)))
        else:
            self.selection_item.set_positions(self.coords[index][None, :])

    def _on_probe_position_changed(self, position: tuple[float, ...] | None) -> None:
        if position is None or len(position) != 3:
            self.probe_item.set_positions(np.zeros((0, 3)))
        else:
            self.probe_item.set_positions(self._as_point(position))

    # --- camera motion: a level of detail under software OpenGL ---------------------------
    def orbit(self, azim: float, elev: float) -> None:
        """Orbit the camera (degrees), drawing the reduced point set until it settles."""
        self._camera_moving()
        super().orbit(azim, elev)

    def pan(self, dx: float, dy: float, dz: float, relative: str = "global") -> None:
        """Move the centre of view, drawing the reduced point set until it settles."""
        self._camera_moving()
        super().pan(dx, dy, dz, relative=relative)

    def wheelEvent(self, ev: object) -> None:
        self._camera_moving()
        super().wheelEvent(ev)

    def _camera_moving(self) -> None:
        self.hover_card.hide_card()
        budget = self.interactive_point_budget
        if (budget is not None and len(self.coords) > budget
                and not self._settle_timer.isActive()):  # says so once per movement
            self.status_changed.emit(
                f"Software OpenGL: {budget:,} of {len(self.coords):,} points are drawn while "
                "the camera moves, all of them once it stops.")
        self.points.draw_count = budget
        self._settle_timer.start()

    def _on_camera_settled(self) -> None:
        self.points.draw_count = None
        self.update()

    def _decide_budget(self) -> None:
        from OpenGL import GL

        self._budget_decided = True
        renderer = bytes(GL.glGetString(GL.GL_RENDERER) or b"").decode(errors="replace")
        if any(word in renderer.lower() for word in _SOFTWARE_RENDERERS):
            self.interactive_point_budget = SOFTWARE_POINT_BUDGET

    # --- drawing --------------------------------------------------------------------------
    def paintGL(self) -> None:
        if not self._budget_decided:
            self._decide_budget()
        distance = float(self.opts["distance"])
        # Far points fade towards the background: a depth cue that costs nothing.
        self.points.fog = (distance - self._radius, distance + self._radius, self.depth_cue)
        super().paintGL()
        self.frame_count += 1
        if self._anchors is not None:
            self._draw_anchor_numbers()

    def _draw_anchor_numbers(self) -> None:
        assert self._anchors is not None
        xy, _ = self.project(self._anchors)
        painter = QPainter(self)
        painter.setPen(QColor("#ffffff"))
        painter.setFont(QFont(self.font().family(), 10, QFont.Weight.Bold))
        for i, (x, y) in enumerate(xy):
            if np.isfinite(x) and np.isfinite(y):
                painter.drawText(QPointF(float(x) + 8, float(y) - 6), str(i + 1))
        painter.end()
