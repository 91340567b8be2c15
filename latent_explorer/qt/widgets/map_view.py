"""The 2-D map: every sample as a point coloured by label, the probe and "you are here".

Scales to millions of points: the points are drawn by :class:`PointCloudItem` (single dots when
zoomed in, a per-pixel density image when zoomed out), and hover/click use a
:class:`~latent_explorer.core.compute.grid_index.GridIndex`. Above :data:`SYNC_INDEX_LIMIT`
points the index is built on a background thread and swapped in when ready, so
:meth:`QtMapView.set_points` returns at once; until then hover and click-to-select are off and
:attr:`QtMapView.status_note` says so.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QWidget

from latent_explorer.core.compute.grid_index import GridIndex, build_in_background
from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.palette import MAP_BACKGROUND, UNLABELLED, category_color
from latent_explorer.qt.widgets.hover_card import QtHoverCard
from latent_explorer.qt.widgets.point_cloud import PointCloudItem

HOVER_RADIUS_PX = 8.0
SYNC_INDEX_LIMIT = 20_000
"""Up to this many points the hover index is built at once (a few milliseconds)."""


class QtMapView(pg.PlotWidget):
    """The map of the dataset, bound to an :class:`ExplorerState`.

    Writes the probe position, the clicked sample and the classes hidden by the legend into the
    state, and redraws the selection ring and legend visibility from its events. Pan with the
    left mouse button, zoom with the wheel or the right button; drag the target to probe.
    """

    sample_clicked = Signal(int, object)
    """(sample index, keyboard modifiers) of a click on a point. Emitted on the GUI thread."""
    status_changed = Signal(str)
    """The new :attr:`status_note` (may be empty). Emitted on the GUI thread."""
    index_ready = Signal()
    """The hover/click index for the current points is in place. Emitted on the GUI thread."""
    _index_built = Signal(object, int)
    """Internal: (GridIndex, generation), emitted from the index thread, queued to the GUI."""

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent, background=MAP_BACKGROUND)
        self.state = state
        self.coords = np.zeros((0, 2), dtype=np.float32)
        self.labels: np.ndarray | None = None
        self.thumbnail: Callable[[int], tuple[np.ndarray | None, str]] | None = None
        self._index: GridIndex | None = None
        self._index_thread: Any = None
        self._generation = 0
        self._sampled: int | None = None
        self._status = ""
        self._legend_items: dict[int, pg.ScatterPlotItem] = {}
        self._legend_entries: list[tuple[int, str]] = []
        self.cloud = PointCloudItem()
        self.cloud.on_mode_changed = self._update_status
        self._index_built.connect(self._adopt_index)
        plot = self.getPlotItem()
        plot.hideAxis("left")
        plot.hideAxis("bottom")
        plot.setMenuEnabled(False)
        self.view_box: pg.ViewBox = plot.getViewBox()
        self.view_box.setAspectLocked(False)
        # Semi-transparent and movable (drag it): the view also leaves it a margin of its own
        # when it fits the data (reset_view), so it covers no point.
        self.legend = plot.addLegend(offset=(8, 8), labelTextColor="#d8dee9",
                                     brush=pg.mkBrush(22, 24, 29, 150))
        self.legend.setToolTip("Click a class to hide or show it; drag to move the legend")
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
        self.probe.setToolTip(
            "Probe: drag to decode any place on the map. While it drives the latent, the white "
            "star (the current latent) sits on it; for UMAP and t-SNE the map back to a latent "
            "and forward again do not round-trip exactly, so once sliders, a path or a sample "
            "move the latent, the star shows where that latent itself projects")
        self.here_item.setToolTip("The current latent (on the probe while the probe drives it)")
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
                   label_name: Callable[[int], str] = str, reset_view: bool = True,
                   sampled: int | None = None, probe_at: int | None = None) -> None:
        """Show ``coords`` ``(N, 2)`` coloured by ``labels`` (one legend entry per class).

        ``sampled``: the projection was fitted on this many of the points and placed the rest
        by their neighbours; :attr:`status_note` says so. ``probe_at``: the sample the probe
        rests on until the user moves it (default: the middle of the points).
        """
        self.coords = np.ascontiguousarray(np.asarray(coords, dtype=np.float32)[:, :2])
        self.labels = None if labels is None else np.asarray(labels)
        self._sampled = sampled
        self._generation += 1
        self._index = None
        if len(self.coords) <= SYNC_INDEX_LIMIT:
            self._index = GridIndex.build(self.coords) if len(self.coords) else None
        else:
            generation = self._generation
            self._index_thread = build_in_background(
                self.coords, lambda index: self._deliver_index(index, generation))
        if self.labels is None:
            classes = np.zeros(0, dtype=np.int64)
            index = np.zeros(len(self.coords), dtype=np.int64)
            colors = [QColor(UNLABELLED)]
        else:
            classes, index = class_index(self.labels)
            colors = [category_color(int(label)) for label in classes]
        self.cloud.set_data(self.coords, index, colors)
        if self._index is not None:
            self.cloud.set_draw_order(self._index.order)
        self._set_legend(classes, colors, label_name)
        self._on_hidden_labels_changed(self.state.hidden_labels)
        self._on_selected_index_changed(self.state.selected_index)
        if reset_view:
            self.reset_view()
        if self.state.probe_position is None and len(self.coords):
            if probe_at is not None and 0 <= probe_at < len(self.coords):
                self.rest_probe_at(*self.coords[probe_at])
            else:
                centre = self.coords.mean(axis=0)
                self.probe.setPos(QPointF(float(centre[0]), float(centre[1])))
        self._update_status()

    def _set_legend(self, classes: np.ndarray, colors: list[QColor],
                    label_name: Callable[[int], str]) -> None:
        """One legend entry per class (up to 30); kept as it is when the classes did not change.

        A new projection of the same data keeps its legend, so showing it costs no rebuild.
        """
        entries = [(int(label), label_name(int(label))) for label in classes]
        if len(entries) > 30:
            entries = []
        if entries == self._legend_entries:
            return
        self.legend.clear()
        self._legend_items = {}
        self._legend_entries = entries
        for (label, name), color in zip(entries, colors, strict=False):
            # An empty item per class, only so the legend shows its colour and toggles it. It
            # stays out of the scene: ten empty items there would cost ~2 ms on every repaint.
            proxy = pg.ScatterPlotItem([], [], size=9, pen=None, brush=pg.mkBrush(color))
            proxy.label_id = label
            self._legend_items[label] = proxy
            self.legend.addItem(proxy, name)

    # --- the hover/click index and the status note -----------------------------------------
    def _deliver_index(self, index: GridIndex, generation: int) -> None:
        """Runs on the index thread: queue the result over to the GUI thread."""
        # RuntimeError: the view was deleted while the index was being built.
        with contextlib.suppress(RuntimeError):
            self._index_built.emit(index, generation)

    def _adopt_index(self, index: GridIndex, generation: int) -> None:
        if generation != self._generation:
            return  # built for points that have since been replaced
        self._index = index
        self._index_thread = None
        self.cloud.set_draw_order(index.order)
        self._update_status()
        self.index_ready.emit()

    @property
    def index_pending(self) -> bool:
        """Whether the hover/click index for the current points is still being built."""
        return self._index is None and len(self.coords) > 0

    def wait_index(self, timeout: float = 10.0) -> bool:
        """Block until the index is in place (for tests and benchmarks); returns success."""
        import time

        from PySide6.QtWidgets import QApplication

        deadline = time.monotonic() + timeout
        while self.index_pending and time.monotonic() < deadline:
            thread = self._index_thread
            if thread is not None:
                thread.join(0.01)
            QApplication.processEvents()
        return not self.index_pending

    @property
    def status_note(self) -> str:
        """What the user should know about how the map is drawn right now (may be empty).

        Says when the projection was fitted on a sample, when the points are shown as a
        density image, and while hover is unavailable because the index is being built.
        """
        return self._status

    def _update_status(self) -> None:
        notes = []
        n = len(self.coords)
        if self._sampled is not None and self._sampled < n:
            notes.append(f"map fitted on a sample of {self._sampled:,} of {n:,} points, "
                         "the rest placed by their nearest neighbours")
        if self.cloud.mode == "density" and n:
            notes.append(f"{self.cloud.points_in_view:,} points shown as density (all of them, "
                         "several per pixel); zoom in to see single points")
        if self.index_pending:
            notes.append(f"indexing {n:,} points: hover and click in a moment")
        text = "; ".join(notes)
        if text:
            text = text[0].upper() + text[1:] + "."
        if text != self._status:
            self._status = text
            self.status_changed.emit(text)

    def reset_view(self) -> None:
        """Fit all points in the view, beside the legend (which keeps a margin on the left)."""
        if len(self.coords):
            lo = self.coords.min(axis=0).astype(float)
            hi = self.coords.max(axis=0).astype(float)
            pad = (hi - lo) * 0.04 + 1e-6
            left, right = float(lo[0] - pad[0]), float(hi[0] + pad[0])
            share = self._legend_share()
            if share > 0:  # data from `share` of the width on: the legend sits left of it
                left = (left - share * right) / (1.0 - share)
            self.view_box.setRange(xRange=(left, right),
                                   yRange=(float(lo[1] - pad[1]), float(hi[1] + pad[1])),
                                   padding=0)

    def _legend_share(self) -> float:
        """The part of the view's width the legend takes (with its offset and a gap)."""
        if not self._legend_entries or not self.legend.isVisible():
            return 0.0
        width = self.view_box.sceneBoundingRect().width()
        if width <= 0:
            return 0.0
        legend = self.legend.sceneBoundingRect()
        taken = legend.right() - self.view_box.sceneBoundingRect().left() + 8
        return float(min(max(taken / width, 0.0), 0.5))

    def rest_probe_at(self, x: float, y: float) -> None:
        """Put the probe at map point ``(x, y)`` without driving the latent (where the window
        starts it: on a real sample)."""
        self._syncing = True
        try:
            self.probe.setPos(QPointF(float(x), float(y)))
        finally:
            self._syncing = False

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
        if self._index is None:
            return None
        px_w, px_h = self.view_box.viewPixelSize()
        if px_w <= 0 or px_h <= 0:
            return None
        visible = self.cloud.visible if not self.cloud.visible.all() else None
        return self._index.nearest(float(view_pos.x()), float(view_pos.y()),
                                   radius_px * px_w, radius_px * px_h, visible)

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
        if self._index is None or self.thumbnail is None:
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


def class_index(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(classes, index)`` like ``np.unique(labels, return_inverse=True)``, O(N) for small ints."""
    if labels.dtype.kind in "iu" and len(labels):
        low, high = int(labels.min()), int(labels.max())
        if low >= 0 and high < 65_536:
            present = np.flatnonzero(np.bincount(labels, minlength=high + 1))
            lookup = np.zeros(high + 1, dtype=np.int64)
            lookup[present] = np.arange(len(present))
            return present.astype(labels.dtype), lookup[labels]
    classes, index = np.unique(labels, return_inverse=True)
    return classes, index.reshape(-1)


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
