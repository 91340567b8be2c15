"""Research tools in the window: colour by anything, select, filter, neighbours, clusters,
outliers, attribute vectors, and exporting selections and the map.

:class:`AnalysisController` owns an :class:`AnalysisState` and the panels bound to it, and
draws on the map only through the point cloud's public methods (palette, colour index,
visible mask) and items of its own, so recolouring or selecting never rebuilds the points.
Everything slow (scores, clusters, decoding thumbnails, the neighbour index) runs as jobs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import QDockWidget, QToolBar, QWidget

from latent_explorer.core.analysis.filters import FilterError, parse_filter
from latent_explorer.core.analysis.nearest import NeighborIndex
from latent_explorer.core.analysis.outliers import top_outliers
from latent_explorer.core.datasets.columns import Column
from latent_explorer.core.session.analysis_data import AnalysisSnapshot
from latent_explorer.core.session.analysis_state import AnalysisState
from latent_explorer.core.session.state import ExplorerState, ProjectionState
from latent_explorer.qt.analysis_actions import build_analysis_actions
from latent_explorer.qt.analysis_columns import filter_help, offered, scheme_for, workspace_columns
from latent_explorer.qt.analysis_session import analysis_snapshot, named_parts, restore_analysis
from latent_explorer.qt.bridges import JobRunner
from latent_explorer.qt.widgets.analysis import colouring
from latent_explorer.qt.widgets.analysis.analysis_jobs import AnalysisJobs
from latent_explorer.qt.widgets.analysis.attribute_panel import QtAttributePanel
from latent_explorer.qt.widgets.analysis.colour_panel import QtColourPanel
from latent_explorer.qt.widgets.analysis.filter_bar import QtFilterBar
from latent_explorer.qt.widgets.analysis.lasso import QtSelectionTool, points_in_polygon
from latent_explorer.qt.widgets.analysis.neighbors_panel import QtNeighborsPanel
from latent_explorer.qt.widgets.analysis.outliers_view import QtOutliersView
from latent_explorer.qt.widgets.analysis.prototype_strip import QtPrototypeStrip
from latent_explorer.qt.widgets.analysis.selection_panel import QtSelectionPanel
from latent_explorer.qt.widgets.map_view import PathOverlay, QtMapView
from latent_explorer.qt.window_services import WindowServices

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace
    from latent_explorer.core.session.data import SessionData

THUMBNAILS = 48
"""Selected samples shown as thumbnails."""
COMPUTED = ("cluster", "error", "density")
RING = "#ff8fab"


class AnalysisController(QObject):
    """Owns the research tools and keeps panels, map and state in step."""

    recoloured = Signal()
    """The map's palette/colour index were updated. Emitted on the GUI thread."""
    selection_shown = Signal()
    """The map and the Selection panel show the current selection. Emitted on the GUI thread."""
    neighbors_shown = Signal()
    """Neighbour thumbnails and rings were updated. Emitted on the GUI thread."""
    columns_changed = Signal()
    """A column was computed or joined (or the workspace changed). Emitted on the GUI thread."""

    # Made by build_analysis_actions.
    toolbar: QToolBar
    tool_actions: dict[str, QAction]
    export_selection_action: QAction
    export_png_action: QAction
    export_svg_action: QAction

    def __init__(self, services: WindowServices, explorer: ExplorerState,
                 projection: ProjectionState, map_view: QtMapView, path_overlay: PathOverlay,
                 show_map: Callable[[Workspace], None], image_placed: SignalInstance) -> None:
        """Research tools drawing on ``map_view`` (and exporting it with ``path_overlay``).

        ``projection`` gives the settings for re-projecting a selection, shown with
        ``show_map(workspace)``; ``image_placed`` emits (latent, error) of an image placed on
        the map, a query for the nearest neighbours.
        """
        super().__init__(services.parent)
        self.services = services
        self.explorer = explorer
        self.projection = projection
        self.map_view = map_view
        self.path_overlay = path_overlay
        self.show_map = show_map
        self.image_placed = image_placed
        self.state = AnalysisState()
        self.computed: dict[str, np.ndarray] = {}
        """Scores computed in this window: ``cluster``, ``error``, ``density``."""
        self.extra: dict[str, np.ndarray] = {}
        """Columns joined from a metadata CSV."""
        self.index: NeighborIndex | None = None
        self.neighbors = np.zeros(0, dtype=np.int64)
        self.placed_latent: np.ndarray | None = None
        self.palette: list[QColor] = []
        self.color_index = np.zeros(0, dtype=np.int64)
        self.visible = np.zeros(0, dtype=bool)
        self._filter_mask: np.ndarray | None = None
        self._good_filter = ""
        self._pending_filter = ""
        """A session's filter that waits for its columns (a metadata CSV being joined)."""
        self._scheme: colouring.ColourScheme | None = None
        self._opacity: np.ndarray | None = None
        self._selected_mask: np.ndarray | None = None
        self._attr_base: np.ndarray | None = None
        self._written: np.ndarray | None = None
        self._saved_projector: Any = None
        self._subset_projector: Any = None

        self.colour_panel = QtColourPanel(self.state)
        self.selection_panel = QtSelectionPanel(self.state)
        self.neighbors_panel = QtNeighborsPanel(self.state)
        self.filter_bar = QtFilterBar(self.state)
        self.attribute_panel = QtAttributePanel(self.state)
        self.prototype_strip = QtPrototypeStrip()
        self.outliers_view = QtOutliersView(self.state)
        self.exporter = JobRunner(self)
        self.jobs = AnalysisJobs(self, self)
        view = map_view
        self.tool = QtSelectionTool(self.state, view)
        self.rings = pg.ScatterPlotItem(size=13, symbol="o", pen=pg.mkPen(RING, width=2),
                                        brush=None)
        self.rings.setZValue(18)
        view.addItem(self.rings, ignoreBounds=True)
        build_analysis_actions(self)
        self._neighbor_timer = QTimer(self)
        self._neighbor_timer.setSingleShot(True)
        self._neighbor_timer.setInterval(0)
        self._neighbor_timer.timeout.connect(self.update_neighbors)
        self._connect()

    # --- construction ---------------------------------------------------------------------
    def dock_specs(self) -> list[tuple[str, QWidget, Qt.DockWidgetArea]]:
        """(title, widget, area) of the docks the window should add."""
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        return [("Colour", self.colour_panel, left),
                ("Selection", self.selection_panel, left),
                ("Attributes", self.attribute_panel, right),
                ("Neighbours", self.neighbors_panel, right),
                ("Outliers", self.outliers_view, left),
                ("Cluster prototypes", self.prototype_strip,
                 Qt.DockWidgetArea.BottomDockWidgetArea)]

    def arrange_docks(self, docks: list[QDockWidget], path_dock: QDockWidget,
                      sliders_dock: QDockWidget, filmstrip_dock: QDockWidget,
                      tabify: Callable[[QDockWidget, QDockWidget], None]) -> None:
        """Tab the docks beside the window's: colour, selection and outliers with the Path
        dock, attributes and neighbours with the latent sliders (and Channels, for image
        autoencoders), prototypes with the filmstrip (at most four tabs a group, so their whole
        titles fit side by side). ``tabify(first, second)`` is the window's
        ``tabifyDockWidget``."""
        self.docks = {dock.windowTitle(): dock for dock in docks}
        beside = {"Colour": path_dock, "Selection": path_dock,
                  "Outliers": path_dock, "Attributes": sliders_dock,
                  "Neighbours": sliders_dock, "Cluster prototypes": filmstrip_dock}
        for title, dock in self.docks.items():
            tabify(beside[title], dock)
        for dock in (path_dock, sliders_dock, filmstrip_dock):
            dock.raise_()

    def _connect(self) -> None:
        ev = self.state.events
        ev.selection.connect(self._on_selection_changed)
        ev.colour_by.connect(self._on_colour_by_changed)
        ev.opacity_by.connect(self._on_opacity_changed)
        ev.filter_text.connect(self._on_filter_changed)
        ev.isolated.connect(self._on_isolated_changed)
        ev.tool.connect(self._on_tool_changed)
        for signal in (ev.neighbor_k, ev.neighbor_metric, ev.neighbor_source):
            signal.connect(self._schedule_neighbors)
        ev.outlier_score.connect(self.update_outliers)
        ev.outlier_count.connect(self.update_outliers)
        ev.attributes.connect(lambda _: self._forget_attribute_base())
        self.services.workspace_changed.connect(self._on_workspace_changed)
        self.services.map_changed.connect(self._on_map_changed)
        self.map_view.sample_clicked.connect(self._on_sample_clicked)
        self.explorer.events.hidden_labels.connect(lambda _: self.apply_visibility())
        self.explorer.events.selected_index.connect(self._on_selected_index_changed)
        self.explorer.events.current_latent.connect(self._on_current_latent_changed)
        self.image_placed.connect(self._on_image_placed)
        self.tool.polygon_finished.connect(self.select_polygon)
        self.colour_panel.compute_requested.connect(self.compute)
        self.colour_panel.cancel_requested.connect(self.jobs.cancel)
        self.colour_panel.load_metadata_requested.connect(self.jobs.metadata_dialog)
        self.outliers_view.compute_requested.connect(self.compute)
        self.outliers_view.select_requested.connect(self._select_outliers)
        self.outliers_view.sample_clicked.connect(self._show_sample)
        self.selection_panel.sample_clicked.connect(self._show_sample)
        self.selection_panel.reproject_requested.connect(self.jobs.reproject)
        self.selection_panel.export_requested.connect(self.export_selection_dialog)
        self.neighbors_panel.sample_clicked.connect(self._show_sample)
        self.attribute_panel.difference_requested.connect(self.jobs.make_difference)
        self.attribute_panel.principal_requested.connect(self.jobs.make_principal)
        self.attribute_panel.amounts_changed.connect(self._on_amounts_changed)
        self.prototype_strip.cluster_clicked.connect(self._on_prototype_clicked)

    # --- columns --------------------------------------------------------------------------
    def columns(self) -> dict[str, Column]:
        """Every per-sample column, typed: label, index, metadata, joined and computed ones."""
        return workspace_columns(self.services.workspace(), self.extra, self.computed)

    def _refresh_columns(self) -> None:
        columns = self.columns()
        colour, opacity = offered(columns)
        self.colour_panel.set_columns(colour, opacity)
        self.filter_bar.set_columns(list(columns), filter_help(columns))
        self.columns_changed.emit()
        pending, self._pending_filter = self._pending_filter, ""
        if pending and self.services.workspace() is not None:
            self.apply_filter_when_ready(pending)

    # --- colour ---------------------------------------------------------------------------
    def _on_colour_by_changed(self, name: str) -> None:
        ws = self.services.workspace()
        if ws is None:
            return
        if name in COMPUTED and name not in self.computed:
            self.compute(name)  # e.g. a session from before scores were saved: compute it
        self._scheme = scheme = scheme_for(ws, self.columns(), name)
        self.colour_panel.show_legend(scheme.legend if not scheme.numeric else [])
        self.colour_panel.show_colour_bar(scheme.title, scheme.colours[:-1], scheme.value_range,
                                          scheme.ticks, scheme.time_axis, scheme.ends)
        self.map_view.legend.setVisible(name == "label")
        self.recolour()

    def _on_opacity_changed(self, name: str) -> None:
        columns = self.columns()
        self._opacity = colouring.opacity_levels(columns[name]) if name in columns else None
        self.recolour()

    def recolour(self) -> None:
        """Fold colour, opacity and selection into the map's palette and colour index."""
        ws = self.services.workspace()
        if ws is None or self._scheme is None:
            return
        index, palette = colouring.compose(self._scheme, self._opacity, self._selected_mask)
        cloud = self.map_view.cloud
        if len(index) != len(cloud.coords):
            return  # a projection of other points is being swapped in
        self.palette, self.color_index = palette, index
        cloud.set_colors(palette)
        cloud.set_color_index(index)
        self.recoloured.emit()

    # --- visibility: legend x filter x isolate ----------------------------------------------
    def apply_visibility(self) -> None:
        """Show the points that the legend, the filter and "Isolate" all let through."""
        view = self.map_view
        if not len(view.coords):
            return
        mask = view.visible_mask()
        if self._filter_mask is not None and len(self._filter_mask) == len(mask):
            mask &= self._filter_mask
        if self.state.isolated and self._selected_mask is not None:
            mask &= self._selected_mask
        self.visible = mask
        view.cloud.set_visible_mask(mask)

    def apply_filter_when_ready(self, text: str) -> None:
        """Filter by ``text`` now, or, if it names columns still being joined (a metadata
        CSV read in the background), once they arrive."""
        known = self.columns()
        try:
            parse_filter(text, known)
        except FilterError:
            if self.jobs.other.running:
                self._pending_filter = text
                return
        self.filter_bar.edit.setText(text)
        self.state.filter_text = text

    def _on_filter_changed(self, text: str) -> None:
        ws = self.services.workspace()
        if ws is None:
            return
        if not text:
            self._filter_mask, self._good_filter = None, ""
            self.filter_bar.show_count(None, len(ws.dataset))
            self.apply_visibility()
            return
        try:
            mask = parse_filter(text).evaluate(self.columns())
        except FilterError as exc:
            self.filter_bar.show_error(str(exc), exc.position)
            with self.state.events.filter_text.blocked():
                self.state.filter_text = self._good_filter
            return
        self._filter_mask, self._good_filter = mask, text
        self.filter_bar.show_count(int(mask.sum()), len(mask))
        self.apply_visibility()

    def _on_isolated_changed(self, isolated: bool) -> None:
        if not isolated and self._saved_projector is not None:
            self.jobs.restore_projection()
        self.apply_visibility()

    # --- selection ------------------------------------------------------------------------
    def select_polygon(self, polygon: np.ndarray, mode: str = "replace") -> None:
        """Select the shown points inside ``polygon`` ``(V, 2)`` (map coordinates)."""
        view = self.map_view
        coords = view.coords
        if not len(coords):
            return
        inside = points_in_polygon(coords[:, 0], coords[:, 1], polygon)
        inside &= view.cloud.visible
        self.state.select(np.flatnonzero(inside), mode)  # type: ignore[arg-type]

    def _on_sample_clicked(self, index: int, modifiers: Any) -> None:
        if modifiers & Qt.KeyboardModifier.ShiftModifier:
            self.state.select([index], "toggle")

    def _on_tool_changed(self, tool: str) -> None:
        action = self.tool_actions.get(tool)
        if action is not None:
            action.setChecked(True)

    def _on_selection_changed(self, selection: np.ndarray) -> None:
        ws = self.services.workspace()
        n = 0 if ws is None else len(ws.dataset)
        if len(selection) and n:
            mask = np.zeros(n, dtype=bool)
            mask[selection[selection < n]] = True
            self._selected_mask = mask
        else:
            self._selected_mask = None
            if self.state.isolated:
                self.state.isolated = False
        self.recolour()
        if self.state.isolated:
            self.apply_visibility()
        self._show_selection(selection)
        self.selection_shown.emit()

    def _show_selection(self, selection: np.ndarray) -> None:
        ws = self.services.workspace()
        panel = self.selection_panel
        if ws is None or not len(selection):
            panel.grid.set_items([], [])
            panel.show_mix("")
            return
        first = selection[:THUMBNAILS]
        images = [_picture(ws, i) for i in first]
        panel.grid.set_items(list(first), images, paired=ws.has_decoder)
        panel.grid.set_highlight(self.explorer.selected_index)
        if ws.dataset.labels is not None:
            counts = np.bincount(np.asarray(ws.dataset.labels)[selection])
            top = np.argsort(counts)[::-1][:6]
            parts = [f"{ws.dataset.label_name(int(c))}: {int(counts[c]):,}" for c in top
                     if counts[c]]
            more = " …" if np.count_nonzero(counts) > len(parts) else ""
            panel.show_mix("Labels  " + " · ".join(parts) + more)
        else:
            panel.show_mix("")
        self.jobs.reconstruct(panel.grid, first)

    def _select_outliers(self) -> None:
        scores = self.computed.get(self.state.outlier_score)
        if scores is not None:
            self.state.select(top_outliers(scores, self.state.outlier_count))

    def _show_sample(self, index: int) -> None:
        self.explorer.selected_index = int(index)

    def _on_selected_index_changed(self, index: int | None) -> None:
        for grid in (self.selection_panel.grid, self.neighbors_panel.grid,
                     self.outliers_view.grid):
            grid.set_highlight(index)
        if self.state.neighbor_source == "sample":
            self._schedule_neighbors()

    # --- neighbours -----------------------------------------------------------------------
    def _schedule_neighbors(self, *_: object) -> None:
        self._neighbor_timer.start()

    def _on_current_latent_changed(self, latent: np.ndarray | None) -> None:
        if latent is not self._written:
            self._forget_attribute_base()
        if self.state.neighbor_source == "latent":
            self._schedule_neighbors()

    def _on_image_placed(self, latent: np.ndarray, error: float) -> None:
        self.placed_latent = np.asarray(latent, dtype=np.float32)
        if self.state.neighbor_source != "placed":
            self.state.neighbor_source = "placed"
        else:
            self._schedule_neighbors()
        dock = getattr(self, "docks", {}).get("Neighbours")
        if dock is not None:
            dock.raise_()

    def neighbor_query(self) -> tuple[np.ndarray | None, int | None, str]:
        """(query latent, index to leave out, what it is in words) for the chosen source."""
        ws = self.services.workspace()
        e = self.explorer
        source = self.state.neighbor_source
        if ws is None:
            return None, None, ""
        if source == "sample":
            if e.selected_index is None or e.selected_index >= len(ws.latents):
                return None, None, "Click a sample on the map to see its nearest neighbours"
            return ws.latents[e.selected_index], e.selected_index, f"sample #{e.selected_index}"
        if source == "placed":
            if self.placed_latent is None:
                return None, None, "Drop an image on the window (or File > Place Image)"
            return self.placed_latent, None, "the placed image"
        return e.current_latent, None, "the current latent"

    def update_neighbors(self) -> None:
        """Find and show the nearest neighbours of the chosen query."""
        ws = self.services.workspace()
        query, exclude, what = self.neighbor_query()
        panel = self.neighbors_panel
        if ws is None or self.index is None or query is None or len(query) != self.index.dim:
            self.neighbors = np.zeros(0, dtype=np.int64)
            panel.grid.set_items([], [])
            panel.show_status(what if self.index is not None or ws is None
                              else "Indexing the latents...")
            self.rings.setData([], [])
            self.neighbors_shown.emit()
            return
        s = self.state
        found, distances = self.index.query(query, s.neighbor_k, s.neighbor_metric,  # type: ignore[arg-type]
                                            exclude)
        self.neighbors = found
        panel.grid.set_items(list(found), [_picture(ws, i) for i in found])
        panel.grid.set_highlight(self.explorer.selected_index)
        spread = f"; distance {distances[0]:.3g} to {distances[-1]:.3g}" if len(found) else ""
        panel.show_status(f"{len(found)} nearest to {what} ({s.neighbor_metric}{spread})")
        coords = self.map_view.coords
        if len(coords) == len(ws.latents):
            self.rings.setData(coords[found, 0].astype(float), coords[found, 1].astype(float))
        self.neighbors_shown.emit()

    # --- outliers -------------------------------------------------------------------------
    def update_outliers(self, *_: object) -> None:
        """Show the top outliers by the chosen score (or say it needs computing)."""
        ws = self.services.workspace()
        score = self.state.outlier_score
        scores = self.computed.get(score)
        view = self.outliers_view
        if ws is None or scores is None:
            view.grid.set_items([], [])
            view.show_status("", True)
            return
        top = top_outliers(scores, self.state.outlier_count)
        captions = [f"#{i} {scores[i]:.3g}" for i in top]
        view.grid.set_items(list(top), [_picture(ws, i) for i in top], captions,
                            paired=ws.has_decoder)
        word = "reconstruction error" if score == "error" else "isolation"
        view.show_status(f"{len(top)} samples with the highest {word}", False)
        self.jobs.reconstruct(view.grid, top)

    # --- attribute vectors ----------------------------------------------------------------
    def _forget_attribute_base(self) -> None:
        self._attr_base = None
        self.attribute_panel.reset_amounts(emit=False)

    def _on_amounts_changed(self, amounts: dict[str, float]) -> None:
        current = self.explorer.current_latent
        if current is None:
            return
        if self._attr_base is None:
            self._attr_base = current.copy()
        latent = self._attr_base.astype(np.float32).copy()
        vectors = {a.name: a.vector for a in self.state.attributes}
        for name, amount in amounts.items():
            if name in vectors and len(vectors[name]) == len(latent):
                latent += np.float32(amount) * vectors[name]
        self._written = latent
        self.explorer.current_latent = latent

    def _on_prototype_clicked(self, cluster: int) -> None:
        latent = self.jobs.prototype_latent(cluster)
        if latent is not None:
            self.explorer.current_latent = latent.copy()

    # --- scores ---------------------------------------------------------------------------
    def compute(self, name: str) -> None:
        """Compute the column ``name`` (``cluster``, ``error`` or ``density``) as a job."""
        self.jobs.compute(name)

    def adopt_computed(self, values: dict[str, np.ndarray]) -> None:
        """Columns computed before (a session's clusters and scores): offer them as they are,
        without computing them again."""
        self.computed.update(values)
        self._refresh_columns()
        if self.state.colour_by in values:
            self._on_colour_by_changed(self.state.colour_by)
        if self.state.outlier_score in values:
            self.update_outliers()

    def show_clusters(self, ws: Workspace, labels: np.ndarray, title: str) -> None:
        """Show the prototypes of clusters computed before (a session's)."""
        self.jobs.decode_prototypes(ws, labels, title)

    def adopt_column(self, name: str, values: np.ndarray, colour: bool = True) -> None:
        """A column computed or joined: offer it, and colour by it when ``colour``."""
        self.computed[name] = values
        self._refresh_columns()
        if colour:
            if self.state.colour_by == name:
                self._on_colour_by_changed(name)
            else:
                self.state.colour_by = name
        if name == self.state.outlier_score:
            self.update_outliers()

    # --- workspace and map ----------------------------------------------------------------
    def _on_workspace_changed(self, ws: Workspace) -> None:
        self.jobs.reset()
        self.computed, self.extra = {}, {}
        self.index = None
        self._filter_mask, self._good_filter, self._pending_filter = None, "", ""
        self._saved_projector = self._subset_projector = None
        self._selected_mask = None
        with self.state.events.blocked():
            self.state.selection = np.zeros(0, dtype=np.int64)
            self.state.isolated = False
            self.state.filter_text = ""
            if self.state.colour_by not in ("label", *ws.dataset.metadata):
                self.state.colour_by = "label"
            if self.state.colour_by == "label" and ws.dataset.labels is None:
                colour, _ = offered(workspace_columns(ws))  # no labels: the first that colours
                self.state.colour_by = next((n for n in colour if n != "index"), "label")
            self.state.opacity_by = ""
        self.placed_latent = None
        self._opacity = None
        self._refresh_columns()
        self.filter_bar.show_count(None, len(ws.dataset))
        self._on_colour_by_changed(self.state.colour_by)
        self._show_selection(self.state.selection)
        self.prototype_strip.clear(ws.has_decoder)
        self.update_outliers()
        self.jobs.build_index(ws)
        self.jobs.find_metadata(ws)

    def _on_map_changed(self) -> None:
        ws = self.services.workspace()
        if ws is not None and ws.projector is not self._subset_projector:
            self._saved_projector = self._subset_projector = None
        self.recolour()
        self.apply_visibility()
        self._schedule_neighbors()

    # --- sessions -------------------------------------------------------------------------
    def session_parts(self) -> tuple[list[Any], list[Any], str]:
        """(named selections, attribute vectors, colour-by) for a session snapshot."""
        return named_parts(self.state)

    def session_analysis(self) -> AnalysisSnapshot:
        """The current selection, filter, clusters (with their settings) and scores."""
        return analysis_snapshot(self)

    def restore_session(self, session: SessionData) -> None:
        """Put back a session's selections, attribute vectors, colouring, filter, clusters
        and scores, as they were saved (nothing is computed again)."""
        ws = self.services.workspace()
        if ws is None:
            return
        for note in restore_analysis(self, session, ws):
            self.report(note)

    # --- export ---------------------------------------------------------------------------
    def export_selection_dialog(self) -> None:
        """Ask where to save the selection (CSV or NPZ) and write it in the background."""
        self.jobs.export_selection_dialog()

    def export_map_dialog(self, kind: str) -> None:
        """Ask where to save the map as ``png`` or ``svg`` and write it."""
        self.jobs.export_map_dialog(kind)

    def report(self, message: str, error: bool = False) -> None:
        """A message for the user: the status bar (errors are remembered by the window)."""
        if error:
            self.services.report_error(message)
        else:
            self.services.show_status(message, 8000)

    def shutdown(self) -> None:
        """Stop every background job."""
        self._neighbor_timer.stop()
        self.jobs.shutdown()
        self.exporter.shutdown()


def _picture(ws: Workspace, index: object) -> np.ndarray | None:
    """Sample ``index``'s image, or ``None`` for a sample that has no picture."""
    return ws.picture(int(index))  # type: ignore[call-overload]
