"""The 3-D map in the window: a toolbar toggle, its own 3-component projection, shared state.

The 2-D and 3-D maps sit in one stack in the middle of the window. The 3-D view is created on
first use (OpenGL is only touched then); where OpenGL is missing it shows a page that says why,
and the rest of the window works as before. Selection, hidden classes, the current latent and
the active path are shared with the 2-D map through the window's state.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QStackedWidget

from latent_explorer.core.compute.cache import ResultCache
from latent_explorer.core.compute.pipeline import project_cached
from latent_explorer.core.export.turntable import Turntable
from latent_explorer.core.session.path_state import PathState
from latent_explorer.core.session.state import ExplorerState, ProjectionState
from latent_explorer.qt.widgets.map_view import QtMapView
from latent_explorer.qt.widgets.projection_panel import QtProjectionPanel
from latent_explorer.qt.window_services import WindowServices

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace


class View3DController(QObject):
    """Owns the 3-D view and the 3-D projector of the current workspace."""

    map3d_changed = Signal()
    """The 3-D points were (re)drawn. Emitted on the GUI thread."""
    sample_clicked = Signal(int, object)
    """(index, keyboard modifiers) of a sample clicked in the 3-D view. Emitted on the GUI
    thread."""

    def __init__(self, services: WindowServices, explorer: ExplorerState,
                 projection: ProjectionState, cache: ResultCache, stack: QStackedWidget,
                 map_view: QtMapView, projection_panel: QtProjectionPanel,
                 thumbnail: Callable[[int], tuple[np.ndarray | None, str]],
                 active_path: Callable[[], tuple[np.ndarray, PathState]]) -> None:
        """A 3-D page for ``stack`` (beside the 2-D ``map_view``), fitted with ``projection``'s
        settings and reporting in ``projection_panel``.

        ``thumbnail(index)`` is a sample's image and caption for the hover card;
        ``active_path()`` the active path's frames (latents) and the path itself.
        """
        super().__init__(services.parent)
        self.services = services
        self.explorer = explorer
        self.projection = projection
        self.cache = cache
        self.stack = stack
        self.map_view = map_view
        self.projection_panel = projection_panel
        self.thumbnail = thumbnail
        self.active_path = active_path
        self.view: Any = None
        self.available = True
        self.projector: Any = None
        self._projector_ws: Workspace | None = None
        self.action = QAction("3-D View", services.parent)
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence("3"))
        self.action.setToolTip("Switch between the flat 2-D map and a 3-D map you can orbit (3)")
        self.action.toggled.connect(self.set_active)
        # Its own runner: starting the 3-D fit must not cancel a 2-D fit in progress.
        from latent_explorer.qt.bridges import JobRunner

        self.jobs = JobRunner(self)
        self.jobs.started.connect(projection_panel.show_running)
        self.jobs.progress.connect(projection_panel.show_progress)
        self.jobs.failed.connect(lambda t, message, d: services.report_error(message))
        services.workspace_changed.connect(self._on_workspace_changed)
        services.map_changed.connect(self._on_map_changed)

    @property
    def active(self) -> bool:
        """Whether the 3-D view is shown."""
        return self.action.isChecked()

    def _ensure_view(self) -> None:
        if self.view is not None:
            return
        from latent_explorer.qt.gl_support import make_map_view_3d
        from latent_explorer.qt.widgets.map_view_3d import QtMapView3D

        self.view = make_map_view_3d(self.explorer)
        self.available = isinstance(self.view, QtMapView3D)
        if self.available:
            self.view.thumbnail = self.thumbnail
            self.view.sample_clicked.connect(self.sample_clicked)
            self.view.status_changed.connect(lambda note: self.services.show_status(note, 4000))
        self.stack.addWidget(self.view)

    def set_active(self, on: bool) -> None:
        """Show the 3-D view (``True``) or the 2-D map."""
        if self.action.isChecked() != on:
            self.action.setChecked(on)  # comes back here through toggled
            return
        if on:
            self._ensure_view()
            self.stack.setCurrentWidget(self.view)
            if not self.available:
                self.services.show_status(
                    "The 3-D view needs OpenGL, which is not available here; the 2-D map "
                    "works as usual", 10000)
            self.refresh()
        else:
            self.stack.setCurrentWidget(self.map_view)

    # --- projection -----------------------------------------------------------------------
    def refresh(self) -> None:
        """Fit (or read from the cache) the 3-D version of the chosen projection and draw it."""
        ws = self.services.workspace()
        if ws is None or not self.active or not self.available:
            return
        params = self.projection.to_params()
        if params.method == "table":  # two columns make no 3-D map: PCA of the vectors
            params = type(params)("pca", 3, params.seed)
            self.services.show_status("The table's x and y make a flat map; the 3-D view "
                                      "shows a 3-D PCA of the vectors", 8000)
        params = type(params)(params.method, 3, params.seed, params.options)
        if self._projector_ws is ws and self.projector is not None and \
                self.projector.params == params:
            return
        cache = self.cache

        def job(ctx: Any) -> Any:
            return project_cached(ws.latents, params, cache, ctx, ws.latents_id)

        def done(projector: Any) -> None:
            if self.services.workspace() is not ws:
                return
            self.projector, self._projector_ws = projector, ws
            self.draw()

        self.jobs.start(f"Computing the 3-D {params.method.upper()} map", job, done)

    def draw(self) -> None:
        """Draw points, "you are here" and the active path in 3-D."""
        ws = self.services.workspace()
        if ws is None or self.projector is None or not self.available:
            return
        self.view.set_points(self.projector.coords, ws.dataset.labels, ws.dataset.label_name)
        self.update_here(self.explorer.current_latent)
        self.draw_path()
        self.projection_panel.show_idle(
            f"3-D {self.projector.params.method.upper()} map ready")
        self.map3d_changed.emit()

    def update_here(self, latent: np.ndarray | None) -> None:
        """Move the 3-D "you are here" marker to ``latent``."""
        if self.projector is None or self.view is None or not self.available:
            return
        if latent is None or self._projector_ws is not self.services.workspace():
            self.view.set_here(None)
            return
        self.view.set_here(self.projector.transform(latent[None, :])[0])

    def draw_path(self) -> None:
        """Draw the active path's curve and anchors in 3-D."""
        if self.projector is None or self.view is None or not self.available:
            return
        frames, path = self.active_path()
        if len(frames) == 0 or self._projector_ws is not self.services.workspace():
            self.view.set_path(None, None)
            return
        curve = self.projector.transform(frames)
        if path.loop and len(curve) > 1:
            curve = np.concatenate([curve, curve[:1]])
        self.view.set_path(curve, self.projector.transform(path.anchor_latents()))

    @property
    def has_map(self) -> bool:
        """Whether a 3-D map of the current workspace is drawn (for the video export)."""
        return (self.available and self.view is not None and self.projector is not None
                and self._projector_ws is self.services.workspace() and len(self.view.coords) > 0)

    def turntable(self, frames: np.ndarray) -> Turntable:
        """The 3-D map as drawn now (colours, hidden classes left out, camera) with ``frames``
        placed in it, for a video with the map turning beside the output."""
        return Turntable(**self.turntable_parts(frames))

    def turntable_parts(self, frames: np.ndarray) -> dict[str, Any]:
        """The plain arrays and camera angles :class:`Turntable` is made of, taken from the
        view on the GUI thread (the export job builds the turntable from them)."""
        assert self.has_map
        view = self.view
        rgba = view.points.palette[view.points.color_index]
        shown = rgba[:, 3] > 0
        anchors = self.active_path()[1].anchor_latents()
        return {"points": view.points.positions[shown], "colors": rgba[shown, :3],
                "positions": self._in_3d(self.projector.transform(frames)),
                "anchors": self._in_3d(self.projector.transform(anchors))
                if len(anchors) else np.zeros((0, 3)),
                "azimuth": float(view.opts["azimuth"]),
                "elevation": float(view.opts["elevation"])}

    @staticmethod
    def _in_3d(points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=np.float64)
        if points.shape[1] == 2:  # a 2-D projection lies flat in the 3-D view
            points = np.column_stack([points, np.zeros(len(points))])
        return points

    def inverse(self, position: np.ndarray) -> np.ndarray | None:
        """The latent at a 3-D map position (``None`` without a 3-D projection)."""
        if self.projector is None or self._projector_ws is not self.services.workspace():
            return None
        result: np.ndarray = self.projector.inverse(position[None, :].astype(np.float32))[0]
        return result

    def _on_workspace_changed(self, ws: Workspace) -> None:
        self.projector = None
        if self.active:
            self.refresh()

    def _on_map_changed(self) -> None:
        if self.active:
            self.refresh()
