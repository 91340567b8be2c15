"""The 2-D map: every sample as a point coloured by label, the probe and "you are here"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.palette import MAP_BACKGROUND, UNLABELLED, category_color
from latent_explorer.qt.widgets.hover_card import QtHoverCard
from latent_explorer.qt.widgets.point_cloud import PointCloudItem

HOVER_RADIUS_PX = 8.0


class QtMapView(pg.PlotWidget):
    """The map of the dataset, bound to an :class:`ExplorerState`.

    Writes the probe position, the clicked sample and the classes hidden by the legend into the
    state, and redraws the selection ring and legend visibility from its events. Pan with the
    left mouse button, zoom with the wheel or the right button; drag the target to probe.
    """

    sample_clicked = Signal(int, object)
    """(sample index, keyboard modifiers) of a click on a point. Emitted on the GUI thread."""

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=MAP_BACKGROUND)
        self.state = state
        self.coords = np.zeros((0, 2), dtype=np.float32)
        self.labels: np.ndarray | None = None
        self.thumbnail: Callable[[int], tuple[np.ndarray, str]] | None = None
        self._tree: Any = None  # a scipy cKDTree over the map coordinates
        self._legend_items: dict[int, pg.ScatterPlotItem] = {}
        self.cloud = PointCloudItem()
        plot = self.getPlotItem()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.setMenuEnabled(False)
        self.view_box: pg.ViewBox = plot.getViewBox()
        self.view_box.setAspectLocked(False)
        self.legend = plot.addLegend(offset=(8, 8), labelTextColor="#d8dee9",
                                     brush=pg.mkBrush(22, 24, 29, 200))
        self.legend.sigSampleClicked.connect(self._on_legend_clicked)
        self.selection_item = pg.ScatterPlotItem(size=16, pen=pg.mkPen("#ffd166", width=2.5),
                                                 brush=None, symbol="o")
        self.selection_item.setZValue(20)
        self.here_item = pg.ScatterPlotItem(size=20, symbol="star", pen=pg.mkPen("#111", width=1.5),
                                            brush=pg.mkBrush("#ffffff"))
        self.here_item.setZValue(30)
        self.probe = pg.TargetItem(pos=(0, 0), size=18, symbol="crosshair", movable=True,
                                   pen=pg.mkPen("#ffd166", width=2),
                                   hoverPen=pg.mkPen("#ffffff", width=2))
        self.probe.setZValue(40)
        self.probe.setToolTip("Probe: drag to decode any place on the map")
        self.addItem(self.cloud)
        for item in (self.selection_item, self.here_item, self.probe):
            self.addItem(item, ignoreBounds=True)
        self.probe.sigPositionChanged.connect(self._on_probe_moved)
        self.hover_card = QtHoverCard(self)
        self.scene().sigMouseMoved.connect(self._on_mouse_moved)
        self.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self._syncing = False
        state.events.hidden_labels.connect(self._on_hidden_labels_changed)
        state.events.selected_index.connect(self._on_selected_index_changed)
        state.events.probe_position.connect(self._on_probe_position_changed)

    # --- data -----------------------------------------------------------------------------
    def set_points(self, coords: np.ndarray, labels: np.ndarray | None,
                   label_name: Callable[[int], str] = str, reset_view: bool = True) -> None:
        """Show ``coords`` ``(N, 2)`` coloured by ``labels`` (one legend entry per class)."""
        self.coords = np.asarray(coords, dtype=np.float32)[:, :2]
        self.labels = None if labels is None else np.asarray(labels)
        from scipy.spatial import cKDTree  # imported late: scipy costs start-up time

        self._tree = cKDTree(self.coords) if len(self.coords) else None
        for item in self._legend_items.values():
            self.removeItem(item)
        self.legend.clear()
        self._legend_items = {}
        if self.labels is None:
            classes = np.zeros(0, dtype=np.int64)
            index = np.zeros(len(self.coords), dtype=np.int64)
            colors = [QColor(UNLABELLED)]
        else:
            classes, index = np.unique(self.labels, return_inverse=True)
            colors = [category_color(int(label)) for label in classes]
        self.cloud.set_data(self.coords, index, colors)
        if 0 < len(classes) <= 30:
            for label, color in zip(classes, colors, strict=True):
                # An empty item per class, only so the legend shows its colour and toggles it.
                proxy = pg.ScatterPlotItem([], [], size=9, pen=None, brush=pg.mkBrush(color))
                proxy.label_id = int(label)
                self.addItem(proxy, ignoreBounds=True)
                self._legend_items[int(label)] = proxy
                self.legend.addItem(proxy, label_name(int(label)))
        self._on_hidden_labels_changed(self.state.hidden_labels)
        self._on_selected_index_changed(self.state.selected_index)
        if reset_view:
            self.reset_view()
        if self.state.probe_position is None and len(self.coords):
            centre = self.coords.mean(axis=0)
            self.probe.setPos(QPointF(float(centre[0]), float(centre[1])))

    def reset_view(self) -> None:
        """Fit all points in the view."""
        if len(self.coords):
            lo = self.coords.min(axis=0).astype(float)
            hi = self.coords.max(axis=0).astype(float)
            pad = (hi - lo) * 0.04 + 1e-6
            self.view_box.setRange(xRange=(float(lo[0] - pad[0]), float(hi[0] + pad[0])),
                                   yRange=(float(lo[1] - pad[1]), float(hi[1] + pad[1])),
                                   padding=0)

    def set_here(self, position: np.ndarray | None) -> None:
        """Place the "you are here" star (where the current latent projects), or hide it."""
        if position is None:
            self.here_item.setData([], [])
        else:
            self.here_item.setData([float(position[0])], [float(position[1])])

    def set_box_zoom(self, enabled: bool) -> None:
        """Left-drag draws a zoom rectangle when ``enabled``, else it pans."""
        mode = pg.ViewBox.RectMode if enabled else pg.ViewBox.PanMode
        self.view_box.setMouseMode(mode)

    # --- queries --------------------------------------------------------------------------
    def visible_mask(self) -> np.ndarray:
        """Which points are shown (not hidden by the legend)."""
        if self.labels is None or not self.state.hidden_labels:
            return np.ones(len(self.coords), dtype=bool)
        return ~np.isin(self.labels, list(self.state.hidden_labels))

    def nearest_point(self, view_pos: QPointF, radius_px: float = HOVER_RADIUS_PX) -> int | None:
        """The visible sample nearest to ``view_pos`` within ``radius_px`` screen pixels."""
        if self._tree is None:
            return None
        px_w, px_h = self.view_box.viewPixelSize()
        if px_w <= 0 or px_h <= 0:
            return None
        centre = np.array([view_pos.x(), view_pos.y()])
        candidates = self._tree.query_ball_point(centre, radius_px * max(px_w, px_h))
        if not candidates:
            return None
        idx = np.asarray(candidates)
        if self.labels is not None and self.state.hidden_labels:
            idx = idx[~np.isin(self.labels[idx], list(self.state.hidden_labels))]
        if len(idx) == 0:
            return None
        d = ((self.coords[idx] - centre) / np.array([px_w, px_h])) ** 2
        dist = d.sum(axis=1)
        best = int(np.argmin(dist))
        return int(idx[best]) if dist[best] <= radius_px**2 else None

    def view_to_widget(self, x: float, y: float) -> QPointF:
        """Widget (viewport) pixel position of map point ``(x, y)``; for tests and tools."""
        scene_pos = self.view_box.mapViewToScene(QPointF(x, y))
        return QPointF(self.mapFromScene(scene_pos))

    # --- user input -> state --------------------------------------------------------------
    def _on_probe_moved(self, item: pg.TargetItem) -> None:
        if self._syncing:
            return
        pos = item.pos()
        self.state.probe_position = (float(pos.x()), float(pos.y()))

    def _on_mouse_moved(self, scene_pos: QPointF) -> None:
        if self._tree is None or self.thumbnail is None:
            return
        view_pos = self.view_box.mapSceneToView(scene_pos)
        index = self.nearest_point(view_pos)
        if index is None:
            self.hover_card.hide_card()
            return
        if index != self.hover_card.index or not self.hover_card.isVisible():
            image, text = self.thumbnail(index)
            global_pos = self.mapToGlobal(self.mapFromScene(scene_pos))
            self.hover_card.show_sample(index, image, text, global_pos)

    def _on_mouse_clicked(self, event: object) -> None:
        if getattr(event, "button", lambda: None)() != Qt.MouseButton.LeftButton:
            return
        if event.isAccepted() and event.currentItem is self.probe:  # type: ignore[attr-defined]
            return
        view_pos = self.view_box.mapSceneToView(event.scenePos())  # type: ignore[attr-defined]
        index = self.nearest_point(view_pos)
        modifiers = event.modifiers()  # type: ignore[attr-defined]
        if index is not None:
            self.sample_clicked.emit(index, modifiers)
            if not modifiers & Qt.KeyboardModifier.ControlModifier:
                self.state.selected_index = index
        else:
            # A click on empty space sends the probe there: decode anywhere, not only on data.
            self.probe.setPos(view_pos)

    def _on_legend_clicked(self, item: pg.ScatterPlotItem) -> None:
        label = getattr(item, "label_id", None)
        if label is None:
            return
        hidden = set(self.state.hidden_labels)
        hidden.symmetric_difference_update({label})
        self.state.hidden_labels = frozenset(hidden)

    # --- state -> view --------------------------------------------------------------------
    def _on_hidden_labels_changed(self, hidden: frozenset[int]) -> None:
        for label, item in self._legend_items.items():
            item.setVisible(label not in hidden)
        self.cloud.set_visible_mask(self.visible_mask())

    def _on_selected_index_changed(self, index: int | None) -> None:
        if index is None or index >= len(self.coords):
            self.selection_item.setData([], [])
        else:
            x, y = self.coords[index]
            self.selection_item.setData([float(x)], [float(y)])

    def _on_probe_position_changed(self, position: tuple[float, ...] | None) -> None:
        if position is None:
            return
        current = self.probe.pos()
        if (current.x(), current.y()) == tuple(position[:2]):
            return
        self._syncing = True
        try:
            self.probe.setPos(QPointF(float(position[0]), float(position[1])))
        finally:
            self._syncing = False


class PathOverlay:
    """The active path drawn on a map: the curve through its frames and numbered anchors."""

    def __init__(self, view: QtMapView) -> None:
        self.view = view
        self.curve = pg.PlotDataItem([], [], pen=pg.mkPen(255, 255, 255, 170, width=2))
        self.curve.setZValue(15)
        self.anchors = pg.ScatterPlotItem(size=13, symbol="o", pen=pg.mkPen("#16181d", width=1.5),
                                          brush=pg.mkBrush("#f3722c"))
        self.anchors.setZValue(16)
        self.labels: list[pg.TextItem] = []
        view.addItem(self.curve, ignoreBounds=True)
        view.addItem(self.anchors, ignoreBounds=True)

    def set_path(self, curve: np.ndarray | None, anchors: np.ndarray | None) -> None:
        """Draw ``curve`` ``(F, 2)`` and ``anchors`` ``(K, 2)`` (``None`` clears)."""
        for label in self.labels:
            self.view.removeItem(label)
        self.labels = []
        if curve is None or len(curve) == 0:
            self.curve.setData([], [])
        else:
            self.curve.setData(curve[:, 0].astype(float), curve[:, 1].astype(float))
        if anchors is None or len(anchors) == 0:
            self.anchors.setData([], [])
            return
        self.anchors.setData(anchors[:, 0].astype(float), anchors[:, 1].astype(float))
        for i, (x, y) in enumerate(anchors[:, :2]):
            text = pg.TextItem(str(i + 1), color="#ffffff", anchor=(-0.3, 1.1))
            text.setPos(float(x), float(y))
            text.setZValue(17)
            self.view.addItem(text, ignoreBounds=True)
            self.labels.append(text)
