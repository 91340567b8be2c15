"""The explorer window: the map in the middle, docks for the decoder, sliders and projection."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QWidget,
)

from latent_explorer.core.compute.cache import ResultCache
from latent_explorer.core.compute.pipeline import Workspace
from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.models.trust import TrustGrant
from latent_explorer.core.session.autosave import RecoveryStore
from latent_explorer.core.session.state import ExplorerState, ProjectionState
from latent_explorer.core.session.style_state import StyleState
from latent_explorer.qt.analysis_controller import AnalysisController
from latent_explorer.qt.atlas_controller import AtlasController
from latent_explorer.qt.bookmarks import BookmarkController
from latent_explorer.qt.bridges import DecoderBridge, JobRunner
from latent_explorer.qt.decode_controller import DecodeController, sample_caption
from latent_explorer.qt.device_menu import QtDeviceMenu
from latent_explorer.qt.dialogs.about_dialog import about_text, show_about
from latent_explorer.qt.file_drops import dropped
from latent_explorer.qt.model_controller import ModelController
from latent_explorer.qt.path_controller import PathController
from latent_explorer.qt.recent_menu import fill_recent_menu
from latent_explorer.qt.session_controller import SessionController, SessionParts
from latent_explorer.qt.settings import LAYOUT_VERSION, app_settings
from latent_explorer.qt.stylegan_controller import StyleGANController
from latent_explorer.qt.view3d_controller import View3DController
from latent_explorer.qt.widgets.channel_view import QtChannelView
from latent_explorer.qt.widgets.decoder_view import QtDecoderView
from latent_explorer.qt.widgets.latent_sliders import QtLatentSliders
from latent_explorer.qt.widgets.map_view import QtMapView
from latent_explorer.qt.widgets.projection_panel import METHOD_NAMES, QtProjectionPanel
from latent_explorer.qt.widgets.status_bar import QtStatusBar
from latent_explorer.qt.widgets.stylegan_panel import QtStyleGANPanel
from latent_explorer.qt.window_layout import (
    add_channels_dock,
    add_dock,
    readable_dock_tabs,
    size_default_docks,
)
from latent_explorer.qt.window_menus import build_menus, build_toolbar
from latent_explorer.qt.window_services import WindowServices
from latent_explorer.qt.workspace_controller import WorkspaceController, WorkspaceParts


class MainWindow(QMainWindow):
    """The explorer window.

    The window owns the evented state (:class:`ExplorerState`, :class:`ProjectionState`), the
    decode worker and the job runner; it builds the widgets and the controllers, giving each
    controller the parts it drives (state, widgets, :class:`WindowServices`, small callables),
    and wires them. Everything slow (loading, encoding, projecting, decoding) runs off the GUI
    thread. :meth:`open` takes specs or objects already in memory.
    """

    workspace_changed = Signal(object)
    """A new :class:`Workspace` is shown. Emitted on the GUI thread."""
    map_changed = Signal()
    """The map's points were redrawn (new data or projection). Emitted on the GUI thread."""

    # Made by window_menus.build_menus / build_toolbar.
    open_session_action: QAction
    save_session_action: QAction
    open_dataset_action: QAction
    open_folder_action: QAction
    open_model_action: QAction
    recent_menu: QMenu
    compare_action: QAction
    device_menu: QtDeviceMenu
    place_image_action: QAction
    export_path_action: QAction
    save_path_action: QAction
    screenshot_action: QAction
    reset_view_action: QAction
    box_zoom_action: QAction
    add_keyframe_action: QAction
    play_action: QAction
    next_sample_action: QAction
    previous_sample_action: QAction
    _default_state: QByteArray

    def __init__(self, settings: QSettings | None = None, use_cache: bool = True,
                 recovery: RecoveryStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or app_settings()
        self.cache = ResultCache(enabled=use_cache)
        self.explorer = ExplorerState()
        self.projection = ProjectionState()
        self.remembered_method = "pca"
        """The map method the next start uses: the last one the user picked in the window."""
        self.last_error = ""
        self.setWindowTitle("Latent Explorer")
        self.resize(1400, 900)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)

        self.decoder = DecoderBridge(None, self)
        self.jobs = JobRunner(self)
        self.map_view = QtMapView(self.explorer)
        self.map_view.thumbnail = self._thumbnail
        from latent_explorer.qt.widgets.map_thumbnails import MapThumbnails
        from latent_explorer.qt.widgets.probe_hint import ProbeHint

        self.map_pictures = MapThumbnails(self.map_view)
        self.probe_hint = ProbeHint(self.map_view, self.explorer, self.settings)
        self.map_stack = QStackedWidget()
        self.map_stack.addWidget(self.map_view)
        self.setCentralWidget(self.map_stack)
        self.decoder_view = QtDecoderView(self.explorer)
        self.sliders = QtLatentSliders(self.explorer)
        self.channels = QtChannelView(self.explorer)
        self.projection_panel = QtProjectionPanel(self.projection)
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.decoder_dock = add_dock(self, "Decoder", self.decoder_view, right, scroll=False)
        self.sliders_dock = add_dock(self, "Sliders", self.sliders, right)
        # The short title leaves room in its tab group (Channels, Attributes, Neighbours and
        # Charts beside it); the name saved layouts know it by stays.
        self.sliders_dock.setObjectName("latent_sliders_dock")
        self.projection_dock = add_dock(self, "Projection", self.projection_panel, left)
        self.channels_dock = add_channels_dock(self, self.channels, self.sliders_dock)
        self.services = WindowServices(self, lambda: self.workspace, self.show_status,
                                       self.report_error, self.workspace_changed,
                                       self.map_changed)
        self.paths = PathController(
            self.services, self.explorer, self.map_view,
            compare_model=lambda: self.models.compare_model,
            has_map_3d=lambda: self.view3d.has_map,
            turntable_parts=lambda frames: self.view3d.turntable_parts(frames))
        self.models = ModelController(self.services, self.explorer, self.map_view,
                                      self.decoder_view)
        self.analysis = AnalysisController(
            self.services, self.explorer, self.projection, self.map_view, self.paths.overlay,
            lambda ws: self.workspaces.show_map(ws), self.models.image_placed)
        self.setAcceptDrops(True)
        self.view3d = View3DController(
            self.services, self.explorer, self.projection, self.cache, self.map_stack,
            self.map_view, self.projection_panel, self._thumbnail,
            active_path=lambda: (self.paths.frames, self.paths.path))
        self.paths.redrawn.connect(self.view3d.draw_path)
        self.view3d.sample_clicked.connect(self.paths.on_sample_clicked)
        self.path_dock = add_dock(self, "Path", self.paths.panel, left)
        self.filmstrip_dock = add_dock(self, "Filmstrip", self.paths.filmstrip,
                                       Qt.DockWidgetArea.BottomDockWidgetArea, scroll=False)
        self.analysis_docks = [add_dock(self, *spec) for spec in self.analysis.dock_specs()]
        self.analysis.arrange_docks(self.analysis_docks, self.path_dock, self.sliders_dock,
                                    self.filmstrip_dock, self.tabifyDockWidget)
        from latent_explorer.qt.row_tools import RowTools

        self.rows = RowTools(self.analysis, self.explorer, self.decoder_view.original_pane)
        self.row_docks = [add_dock(self, *spec) for spec in self.rows.dock_specs()]
        self.rows.arrange_docks(self.row_docks, self.sliders_dock, self.filmstrip_dock,
                                self.tabifyDockWidget, self.resizeDocks)
        self.style_state = StyleState()
        self.stylegan_panel = QtStyleGANPanel(self.style_state)
        self.stylegan_dock = add_dock(self, "StyleGAN", self.stylegan_panel, left)
        self.tabifyDockWidget(self.path_dock, self.stylegan_dock)  # shown for a StyleGAN only
        readable_dock_tabs(self)
        size_default_docks(self, self.projection_dock, self.path_dock, self.filmstrip_dock,
                           self.decoder_dock, self.sliders_dock)
        self.bookmarks = BookmarkController(self.services, self.explorer, self.map_view)
        self.workspaces = WorkspaceController(WorkspaceParts(
            self.services, self.explorer, self.projection, self.cache, self.jobs, self.decoder,
            self.settings, self.map_view, self.map_pictures, self.decoder_view, self.sliders,
            self.channels, self.channels_dock, self.projection_panel,
            show_current=lambda latent: self.decoding.show_current(latent),
            recompute_paths=self.paths.recompute,
            allow_outlier_error=self.analysis.outliers_view.allow_error,
            set_title=self.setWindowTitle))
        self.map_pictures_action = self.workspaces.pictures_action
        workspaces = self.workspaces
        self.sessions = SessionController(SessionParts(
            self.services, self.explorer, self.projection, self.paths.library, self.bookmarks,
            self.analysis, self.projection_panel, lambda: workspaces.dataset_labels,
            lambda: workspaces.model_trust is not None, workspaces.open, workspaces.show_map,
            workspaces.compute_projection, self.saveState, self.saveGeometry,
            self.restoreState, workspaces.name_session, workspaces.update_info,
            lambda: workspaces.dataset_image_size, self.jobs,
            model_options=lambda: self.stylegan.options(),
            restore_model_options=lambda options: self.stylegan.restore(options)), recovery)
        self.sessions.restored.connect(lambda _: self.probe_hint.dismiss())
        self.atlas = AtlasController(self.services, self.explorer, self.map_view, self.decoder,
                                     self.decoder_view)
        self.decoding = DecodeController(
            self.services, self.explorer, self.decoder, self.decoder_view, self.map_view,
            self.sliders, self.view3d.inverse, self.view3d.update_here)
        self.stylegan = StyleGANController(
            self.services, self.explorer, self.style_state, self.stylegan_panel,
            self.stylegan_dock, self.sliders,
            redecode=lambda: self.decoding.show_current(self.explorer.current_latent),
            pictures_changed=self.atlas.reset)
        self.setStatusBar(QtStatusBar(self))
        self.info_label = self.workspaces.info_label
        self.statusBar().addPermanentWidget(self.info_label)
        from latent_explorer.qt.train_controller import TrainController

        self.training = TrainController(
            self.services, self.decoder_view,
            lambda spec, ready: self.open(model=spec, on_ready=ready), self.settings)
        from latent_explorer.qt.model_files_offer import ModelFilesOffer

        self.model_files = ModelFilesOffer(self.services, self.decoder_view,
                                           self.training.panel, self.open_model_dialog)
        build_menus(self)
        build_toolbar(self)
        from latent_explorer.qt.decoder_only import DecoderOnlyParts

        self.decoder_only = DecoderOnlyParts(
            [self.sliders_dock, self.path_dock, self.filmstrip_dock,
             *(d for d in self.analysis_docks if d.windowTitle() == "Attributes")],
            [self.compare_action, self.place_image_action, self.export_path_action,
             self.save_path_action, self.add_keyframe_action, self.play_action],
            self.map_view.probe, [self.analysis.colour_panel.error_button],
            instead=[d for d in [*self.analysis_docks, *self.row_docks]
                     if d.windowTitle() in ("Colour", "Neighbours", "Table")],
            kind=self._no_decoder_kind)
        self.workspaces.decoding_available.connect(self.decoder_only.set_available)
        self.workspaces.decoding_available.connect(self.rows.on_decoding_available)
        self._connect()
        self._restore_layout()
        from latent_explorer.qt.dock_fit import DockFitter

        self.dock_fit = DockFitter(
            self, self.map_stack, [self.decoder_dock, self.sliders_dock, self.projection_dock,
                                   self.channels_dock, self.path_dock, *self.analysis_docks],
            beside=self.sliders_dock, layout_version=LAYOUT_VERSION)

    # --- construction ---------------------------------------------------------------------
    def _connect(self) -> None:
        # Never silent about level of detail: "density view", "fitted on a sample", "indexing".
        self.map_view.status_changed.connect(
            lambda note: self.statusBar().showMessage(note, 10000) if note else None)
        self.projection_panel.method_combo.activated.connect(  # the user's own choice only
            lambda _: setattr(self, "remembered_method", self.projection.method))

    # --- opening things: the workspace controller's, kept here for the API, CLI and tests --
    @property
    def workspace(self) -> Workspace | None:
        """The :class:`Workspace` shown (``None`` before anything is open)."""
        return self.workspaces.workspace

    @property
    def dataset_image_size(self) -> int | tuple[int, int] | None:
        """The size the shown folder or zip of images was opened at (``None``: as stored)."""
        return self.workspaces.dataset_image_size

    @property
    def model_dialog(self) -> Any:
        """The Open Model dialog while it is open (``None`` otherwise)."""
        return self.workspaces.model_dialog

    def open(self, dataset: str | Dataset | None = None,
             model: str | GenerativeModel | None = None,
             trust_code: bool | TrustGrant | None = None,
             labels: str | None = None,
             on_ready: Callable[[Workspace], None] | None = None,
             image_size: int | tuple[int, int] | None = None,
             on_refused: Callable[[str], None] | None = None) -> None:
        """Open a dataset and/or a model in the background and show them (see
        :meth:`WorkspaceController.open`)."""
        self.workspaces.open(dataset, model, trust_code, labels, on_ready, image_size,
                             on_refused)

    def open_latents(self, latents: Any, dataset: Any = None, labels: Any = None,
                     metadata: Any = None, name: str | None = None,
                     on_ready: Callable[[Workspace], None] | None = None,
                     image_size: int | tuple[int, int] | None = None) -> None:
        """Open vectors that have no decoder (embeddings) in the background (see
        :meth:`WorkspaceController.open_latents`)."""
        self.workspaces.open_latents(latents, dataset, labels, metadata, name, on_ready,
                                     image_size)

    def open_dataset_dialog(self) -> None:
        """Ask for a dataset file or folder and open it."""
        self.workspaces.open_dataset_dialog()

    def open_model_dialog(self) -> None:
        """Ask for a model file, then for how to call it (with a live preview), and open it."""
        self.workspaces.open_model_dialog()

    def compute_projection(self) -> None:
        """Compute the map chosen in the projection panel in the background."""
        self.workspaces.compute_projection()

    def _install_workspace(self, ws: Workspace, dataset: str | Dataset | None,
                           model: str | GenerativeModel | None) -> None:
        self.workspaces.install(ws, dataset, model)

    def _show_map(self, ws: Workspace, reset_view: bool = True) -> None:
        self.workspaces.show_map(ws, reset_view)

    def _fill_recent_menu(self) -> None:
        dropped = fill_recent_menu(self.recent_menu, self.settings,
                                   lambda s: self.open(dataset=s),
                                   self.workspaces.open_images_at_size,
                                   lambda s: self.open(model=s))
        if dropped:
            names = ", ".join(Path(spec).name for spec in dropped)
            self.statusBar().showMessage(
                f"Removed from Open Recent (no longer there): {names}", 10000)

    # --- errors and notes ------------------------------------------------------------------
    def report_error(self, message: str) -> None:
        """Show ``message`` in the status bar (and remember it for tests and the log)."""
        self.last_error = message
        self.statusBar().showMessage(message, 15000)

    def show_status(self, message: str, msecs: int = 0) -> None:
        """Show a note in the status bar for ``msecs`` milliseconds (0: until the next)."""
        self.statusBar().showMessage(message, msecs)

    # --- helpers --------------------------------------------------------------------------
    def _thumbnail(self, index: int) -> tuple[np.ndarray | None, str]:
        ws = self.workspace
        assert ws is not None
        return ws.picture(index), sample_caption(ws, index, fields=True)

    def _no_decoder_kind(self) -> tuple[bool, bool]:
        """(a map of vectors, a model can be trained on its images) for the map shown."""
        from latent_explorer.core.compute.vectors_workspace import is_vectors_spec

        ws = self.workspace
        if ws is None:
            return False, True
        trainable = ws.has_images and getattr(ws.dataset, "pictured", None) is None
        return is_vectors_spec(ws.model.source), trainable

    def step_sample(self, step: int) -> None:
        """Select the next (``step`` 1) or previous (-1) sample, wrapping around."""
        ws = self.workspace
        if ws is None or len(ws.dataset) == 0:
            return
        current = self.explorer.selected_index
        start = -1 if current is None and step > 0 else (0 if current is None else current)
        self.explorer.selected_index = (start + step) % len(ws.dataset)

    def _show_shortcuts(self) -> None:
        from latent_explorer.qt.dialogs.shortcuts_dialog import QtShortcutsDialog

        QtShortcutsDialog(self).exec()

    def about_text(self) -> str:
        """The About box's text: versions of the app, torch, Qt and Python."""
        return about_text()

    def _show_about(self) -> None:
        show_about(self)

    def _save_screenshot_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save screenshot", "latent-explorer.png",
                                              "PNG images (*.png)")
        if path:
            from latent_explorer.qt.images import save_png_atomic

            if not save_png_atomic(self.grab(), path):
                self.report_error(f"{path}: cannot be written")

    # --- layout ---------------------------------------------------------------------------
    def restoreState(self, state: QByteArray | bytes | bytearray | memoryview,
                     version: int | None = 0) -> bool:
        """Restore a saved dock layout; the dock tabs then show whole titles."""
        restored = super().restoreState(state, version)
        readable_dock_tabs(self)
        return restored

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state, LAYOUT_VERSION)
        method = self.settings.value("projection/method")
        if method in METHOD_NAMES:
            self.projection.method = str(method)
            self.remembered_method = str(method)

    def _restore_default_layout(self) -> None:
        self.restoreState(self._default_state, LAYOUT_VERSION)
        for dock in (self.decoder_dock, self.sliders_dock, self.projection_dock, self.path_dock,
                     self.filmstrip_dock):
            dock.setFloating(False)
            dock.show()

    def shutdown(self) -> None:
        """Stop the workers (called on close; tests call it too)."""
        self.jobs.shutdown()
        self.training.shutdown()
        self.paths.shutdown()
        self.models.shutdown()
        self.view3d.jobs.shutdown()
        self.atlas.shutdown()
        self.analysis.shutdown()
        self.decoder.close()
        self.map_view.hover_card.hide_card()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        found = dropped(event)
        if found is None:
            return
        if found[0] == "image" and self.workspace is not None \
                and not self.workspace.has_decoder:
            return  # placing an image needs a model (the map says why)
        event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        found = dropped(event)
        if found is None:
            return
        event.acceptProposedAction()
        kind, path = found
        if kind == "image":
            self.models.place_image(path)
        elif kind == "session":
            self.sessions.open_session(path)
        else:  # a model file: through the Open Model dialog, which asks about code
            self.workspaces.open_model_file(path)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.decoder_only.show_hidden()  # the next start may decode: its docks are there
        self.rows.show_hidden()  # ... and may have columns to chart
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state",
                               self.dock_fit.state_to_remember(self.saveState(LAYOUT_VERSION)))
        # Only a choice made in the window is remembered: a command line's --projection or a
        # session's map applies to that run.
        self.settings.setValue("projection/method", self.remembered_method)
        self.settings.sync()
        self.sessions.close_cleanly()
        self.shutdown()
        super().closeEvent(event)
