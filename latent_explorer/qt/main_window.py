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
    QLabel,
    QMainWindow,
    QMenu,
    QStackedWidget,
    QWidget,
)

from latent_explorer.core.compute.cache import ResultCache
from latent_explorer.core.compute.pipeline import Workspace, open_workspace, project_cached
from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.models.trust import TrustGrant
from latent_explorer.core.session.autosave import RecoveryStore
from latent_explorer.core.session.state import ExplorerState, ProjectionState
from latent_explorer.qt.analysis_controller import AnalysisController
from latent_explorer.qt.atlas_controller import AtlasController
from latent_explorer.qt.bookmarks import BookmarkController
from latent_explorer.qt.bridges import DecoderBridge, JobRunner
from latent_explorer.qt.decode_controller import DecodeController, sample_caption
from latent_explorer.qt.device_menu import QtDeviceMenu
from latent_explorer.qt.dialogs.about_dialog import about_text, show_about
from latent_explorer.qt.dialogs.open_dataset_dialog import DATASET_FILTER, takes_image_size
from latent_explorer.qt.file_drops import dropped
from latent_explorer.qt.gc_settle import settle_long_lived_objects
from latent_explorer.qt.model_controller import ModelController
from latent_explorer.qt.path_controller import PathController
from latent_explorer.qt.recent_menu import fill_recent_menu
from latent_explorer.qt.session_controller import SessionController, SessionParts
from latent_explorer.qt.settings import (
    LAYOUT_VERSION,
    app_settings,
    remember_file,
)
from latent_explorer.qt.view3d_controller import View3DController
from latent_explorer.qt.widgets.channel_view import QtChannelView
from latent_explorer.qt.widgets.decoder_view import QtDecoderView
from latent_explorer.qt.widgets.latent_sliders import QtLatentSliders
from latent_explorer.qt.widgets.map_view import QtMapView
from latent_explorer.qt.widgets.projection_panel import METHOD_NAMES, QtProjectionPanel
from latent_explorer.qt.widgets.status_bar import QtStatusBar
from latent_explorer.qt.window_layout import (
    add_channels_dock,
    add_dock,
    readable_dock_tabs,
    show_channels,
    size_default_docks,
)
from latent_explorer.qt.window_menus import build_menus, build_toolbar
from latent_explorer.qt.window_services import WindowServices

MODEL_FILTER = ("Models (*.json *.safetensors *.pt *.pth *.ckpt *.ts *.py);;All files (*)")


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
    map_pictures_action: QAction
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
        self.workspace: Workspace | None = None
        self.remembered_method = "pca"
        """The map method the next start uses: the last one the user picked in the window."""
        self.model_trust: TrustGrant | None = None
        """The grant the shown model was opened under (``None``: it runs no code)."""
        self.dataset_labels: str | None = None
        self.dataset_image_size: int | tuple[int, int] | None = None
        self.session_name = ""
        self.model_dialog: Any = None
        self.size_dialog: Any = None
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

        self.map_pictures = MapThumbnails(self.map_view)
        self.map_stack = QStackedWidget()
        self.map_stack.addWidget(self.map_view)
        self.setCentralWidget(self.map_stack)
        self.decoder_view = QtDecoderView(self.explorer)
        self.sliders = QtLatentSliders(self.explorer)
        self.channels = QtChannelView(self.explorer)
        self.projection_panel = QtProjectionPanel(self.projection)
        left, right = Qt.DockWidgetArea.LeftDockWidgetArea, Qt.DockWidgetArea.RightDockWidgetArea
        self.decoder_dock = add_dock(self, "Decoder", self.decoder_view, right)
        self.sliders_dock = add_dock(self, "Latent sliders", self.sliders, right)
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
            self._show_map, self.models.image_placed)
        self.setAcceptDrops(True)
        self.view3d = View3DController(
            self.services, self.explorer, self.projection, self.cache, self.map_stack,
            self.map_view, self.projection_panel, self._thumbnail,
            active_path=lambda: (self.paths.frames, self.paths.path))
        self.paths.redrawn.connect(self.view3d.draw_path)
        self.view3d.sample_clicked.connect(self.paths.on_sample_clicked)
        self.path_dock = add_dock(self, "Path", self.paths.panel, left)
        self.filmstrip_dock = add_dock(self, "Filmstrip", self.paths.filmstrip,
                                       Qt.DockWidgetArea.BottomDockWidgetArea)
        self.analysis_docks = [add_dock(self, *spec) for spec in self.analysis.dock_specs()]
        self.analysis.arrange_docks(self.analysis_docks, self.path_dock, self.sliders_dock,
                                    self.filmstrip_dock, self.tabifyDockWidget)
        readable_dock_tabs(self)
        size_default_docks(self, self.projection_dock, self.path_dock, self.filmstrip_dock,
                           self.decoder_dock, self.sliders_dock)
        self.bookmarks = BookmarkController(self.services, self.explorer, self.map_view)
        self.sessions = SessionController(SessionParts(
            self.services, self.explorer, self.projection, self.paths.library, self.bookmarks,
            self.analysis, self.projection_panel, lambda: self.dataset_labels,
            lambda: self.model_trust is not None, self.open, self._show_map,
            self.compute_projection,
            self.saveState, self.saveGeometry, self.restoreState, self.name_session,
            self._update_info, lambda: self.dataset_image_size, self.jobs), recovery)
        self.atlas = AtlasController(self.services, self.explorer, self.map_view, self.decoder,
                                     self.decoder_view)
        self.decoding = DecodeController(
            self.services, self.explorer, self.decoder, self.decoder_view, self.map_view,
            self.sliders, self.view3d.inverse, self.view3d.update_here)
        self.setStatusBar(QtStatusBar(self))
        self.info_label = QLabel("Nothing loaded")
        self.statusBar().addPermanentWidget(self.info_label)
        from latent_explorer.qt.train_controller import TrainController

        self.training = TrainController(
            self.services, self.decoder_view,
            lambda spec, ready: self.open(model=spec, on_ready=ready), self.settings)
        build_menus(self)
        build_toolbar(self)
        from latent_explorer.qt.decoder_only import DecoderOnlyParts

        self.decoder_only = DecoderOnlyParts(
            [self.sliders_dock, self.path_dock, self.filmstrip_dock,
             *(d for d in self.analysis_docks if d.windowTitle() == "Attributes")],
            [self.compare_action, self.place_image_action, self.export_path_action,
             self.save_path_action, self.add_keyframe_action, self.play_action],
            self.map_view.probe, [self.analysis.colour_panel.error_button],
            instead=[d for d in self.analysis_docks
                     if d.windowTitle() in ("Colour", "Neighbours")])
        self._connect()
        self._restore_layout()

    # --- construction ---------------------------------------------------------------------
    def _connect(self) -> None:
        # Never silent about level of detail: "density view", "fitted on a sample", "indexing".
        self.map_view.status_changed.connect(
            lambda note: self.statusBar().showMessage(note, 10000) if note else None)
        self.projection_panel.apply_requested.connect(self.compute_projection)
        self.projection_panel.method_combo.activated.connect(  # the user's own choice only
            lambda _: setattr(self, "remembered_method", self.projection.method))
        self.projection_panel.cancel_requested.connect(self.jobs.cancel)
        self.projection_panel.prior_samples_requested.connect(
            lambda n: self.open(dataset=f"prior:{n}"))
        self.jobs.started.connect(self.projection_panel.show_running)
        self.jobs.progress.connect(self.projection_panel.show_progress)
        self.jobs.failed.connect(self._on_job_failed)
        self.jobs.cancelled.connect(self._on_job_cancelled)

    # --- opening things -------------------------------------------------------------------
    def open(self, dataset: str | Dataset | None = None,
             model: str | GenerativeModel | None = None,
             trust_code: bool | TrustGrant | None = None,
             labels: str | None = None,
             on_ready: Callable[[Workspace], None] | None = None,
             image_size: int | tuple[int, int] | None = None) -> None:
        """Open a dataset and/or a model in the background and show them.

        Parameters
        ----------
        dataset
            A dataset spec (a file or folder, ``digits``, ``prior:N``...) or a
            :class:`~latent_explorer.core.datasets.base.Dataset` already in memory;
            ``None`` keeps the current one.
        model
            A model spec (a file, ``demo``...) or a :class:`GenerativeModel` already in
            memory; ``None`` keeps the current one.
        trust_code
            The user's yes for running the code of the model file named here (``True``, or
            a grant for it); it covers that one file as it is now, nothing opened later. A
            model file that runs code opened without it makes the window ask.
        labels
            A separate labels file for a dataset given as a spec.
        image_size
            The size to load a folder or zip of images at (cropped and resized).
        on_ready
            ``on_ready(workspace)`` runs on the GUI thread once the new workspace is shown.

        Only specs are remembered in File > Open Recent. Failures are reported in the status
        bar (see :meth:`report_error`); the window keeps what it showed.
        """
        if labels is not None and dataset is not None and not isinstance(dataset, str):
            raise ValueError("labels= names a labels file for a dataset file; a Dataset "
                             "object carries its own labels")
        grant = self.model_trust if model is None else None
        if isinstance(model, str):
            from latent_explorer.qt.trust import grant_for_opening

            ok, grant = grant_for_opening(self, model, trust_code)
            if not ok:
                self.report_error(f"{model} was not opened: it runs code, and you did not "
                                  "say you trust it")
                return
        if dataset is not None:
            self.dataset_labels = labels
            self.dataset_image_size = image_size
        ds = dataset if dataset is not None else (self.workspace.dataset if self.workspace else
                                                  "digits")
        md = model if model is not None else (self.workspace.model if self.workspace else "demo")
        params = self.projection.to_params()
        pca = type(params)("pca", params.n_components, params.seed)
        trust = grant if grant is not None else False

        labels_file, size = self.dataset_labels, self.dataset_image_size

        # A dataset opened for the model shown: if that model cannot encode it, its pixels.
        unfit_ok = dataset is not None and model is None

        def job(ctx: Any) -> Workspace:
            return open_workspace(ds, md, pca, self.cache, ctx, trust_code=trust,
                                  labels=labels_file, pixels_if_unfit=unfit_ok,
                                  image_size=size)

        def done(ws: Workspace) -> None:
            self.model_trust = grant
            self._install_workspace(ws, dataset, model)
            if on_ready is not None:
                on_ready(ws)

        what = dataset if dataset is not None else model
        label = Path(what).name if isinstance(what, str) else getattr(what, "name", "data")
        self.jobs.start(f"Opening {label}", job, done)

    def open_latents(self, latents: Any, dataset: Any = None, labels: Any = None,
                     metadata: Any = None, name: str | None = None,
                     on_ready: Callable[[Workspace], None] | None = None) -> None:
        """Open vectors that have no decoder (embeddings) in the background.

        The arguments are those of
        :func:`~latent_explorer.core.compute.vectors_workspace.open_latents_workspace`
        (arrays, tensors, DataFrames or files); ``on_ready(workspace)`` runs on the GUI thread
        once the map is shown.
        """
        from latent_explorer.core.compute.vectors_workspace import open_latents_workspace

        params = self.projection.to_params()
        pca = type(params)("pca", params.n_components, params.seed)

        def job(ctx: Any) -> Workspace:
            return open_latents_workspace(latents, dataset, labels, metadata, params=pca,
                                          cache=self.cache, ctx=ctx, name=name)

        def done(ws: Workspace) -> None:
            self._install_workspace(ws, None, None)
            if on_ready is not None:
                on_ready(ws)

        self.jobs.start(f"Opening {name or 'vectors'}", job, done)

    def open_dataset_dialog(self) -> None:
        """Ask for a dataset file or folder and open it."""
        path, _ = QFileDialog.getOpenFileName(self, "Open dataset", "", DATASET_FILTER)
        if path and takes_image_size(path):
            self.open_images_at_size(path)
        elif path:
            self.open(dataset=path)

    def open_image_folder_dialog(self) -> None:
        """Ask for a folder of images, then for the size to load them at, and open it."""
        path = QFileDialog.getExistingDirectory(self, "Open a folder of images")
        if path:
            self.open_images_at_size(path)

    def open_images_at_size(self, path: str) -> None:
        """Ask the size to load a folder or zip of images at, then open it in the background.

        The size offered first is the last one chosen, else the open model's (if square).
        """
        from latent_explorer.qt.dialogs.open_dataset_dialog import QtImageSizeDialog

        size = self.dataset_image_size
        shape = tuple(self.workspace.model.image_shape) if self.workspace else ()
        if size is None and len(shape) == 3 and shape[0] == shape[1]:
            size = int(shape[0])
        dialog = QtImageSizeDialog(path, size if isinstance(size, int) else None, self)
        self.size_dialog = dialog
        try:
            if dialog.exec():
                self.open(dataset=path, image_size=dialog.image_size())
        finally:
            self.size_dialog = None

    def open_model_dialog(self) -> None:
        """Ask for a model file, then for how to call it (with a live preview), and open it.

        Files that run code (adapter files, pickled modules) need the dialog's explicit
        "I trust this file" before anything of theirs is executed.
        """
        path, _ = QFileDialog.getOpenFileName(self, "Open model", "", MODEL_FILTER)
        if path:
            self.open_model_file(path)

    def open_model_file(self, path: str) -> None:
        """Ask how to call the model file ``path`` (and, if it runs code, whether it is
        trusted: the box starts unticked, whatever was trusted before), then open it."""
        from latent_explorer.qt.dialogs.open_model_dialog import QtOpenModelDialog

        shown = self.workspace.dataset if self.workspace is not None else None
        if shown is not None and shown.source.startswith("prior:"):
            shown = None  # the old model's prior samples say nothing about the new model
        dialog = QtOpenModelDialog(path, self, dataset=shown)
        self.model_dialog = dialog
        try:
            if dialog.exec():
                self.open(model=dialog.result_spec(), trust_code=dialog.trust_code())
                if dialog.notice:
                    self.statusBar().showMessage(dialog.notice, 8000)
        finally:
            dialog.shutdown()
            self.model_dialog = None

    def _fill_recent_menu(self) -> None:
        dropped = fill_recent_menu(self.recent_menu, self.settings,
                                   lambda s: self.open(dataset=s), self.open_images_at_size,
                                   lambda s: self.open(model=s))
        if dropped:
            names = ", ".join(Path(spec).name for spec in dropped)
            self.statusBar().showMessage(
                f"Removed from Open Recent (no longer there): {names}", 10000)

    def _install_workspace(self, ws: Workspace, dataset: str | Dataset | None,
                           model: str | GenerativeModel | None) -> None:
        self.workspace = ws
        if isinstance(dataset, str):
            remember_file(self.settings, "datasets", dataset)
        if isinstance(model, str) and ws.has_decoder:
            remember_file(self.settings, "models", model)
        self.decoder.set_model(ws.model if ws.has_decoder else None)
        self.explorer.selected_index = None
        self.explorer.hidden_labels = frozenset()
        self.explorer.probe_position = None
        # (no sliders for vectors nothing decodes: 512 of them would only cost time)
        self.sliders.set_stats(ws.stats if ws.has_decoder else None)
        show_channels(self.channels_dock, self.channels, ws.model.latent_shape,
                      ws.stats if ws.has_decoder else None)
        self.decoder_view.set_classes(ws.model.num_classes)
        prior = ws.dataset.source.startswith("prior:")
        self.projection_panel.prior_row.setVisible(prior)
        if prior:
            self.projection_panel.prior_spin.setValue(len(ws.dataset))
        self.decoder_view.set_signal_mode(len(ws.model.image_shape) == 1)
        self.decoder_view.set_decoding(ws.has_decoder)
        self.map_pictures_action.setEnabled(ws.has_images)
        with_pictures = ws.has_images and not ws.has_decoder
        if self.map_pictures_action.isChecked() != with_pictures:
            self.map_pictures_action.setChecked(with_pictures)  # redrawn by _show_map below
        self.decoder_only.set_available(ws.has_decoder, str(getattr(ws.model, "reason", "")))
        self.analysis.outliers_view.allow_error(ws.has_decoder)
        self.decoder_view.set_prior_samples(prior)
        self.decoder_view.show_original(None)
        self._show_map(ws)
        # With no decoder there is nothing at the mean to show: the star marks the sample picked.
        self.explorer.current_latent = ws.stats.mean.copy() if ws.has_decoder else None
        settle_long_lived_objects()
        self._update_info()
        self.workspace_changed.emit(ws)
        self.paths.recompute()
        self.projection_panel.show_idle(f"{ws.projector.params.method.upper()} map ready")
        notes = [*ws.dataset.notes, *getattr(ws.model, "notes", ())]  # what was guessed
        self.statusBar().showMessage(
            f"Opened {ws.dataset.name} with {ws.model.name}"
            + ("; " + "; ".join(notes) if notes else ""), 8000)
        if self.projection.method != "pca":
            self.compute_projection()

    def _show_map(self, ws: Workspace, reset_view: bool = True) -> None:
        self.map_view.set_points(ws.projector.coords, ws.dataset.labels,
                                 ws.dataset.label_name, reset_view=reset_view,
                                 sampled=getattr(ws.projector, "sampled", None))
        self.show_map_pictures(self.map_pictures_action.isChecked())
        self.decoding.show_current(self.explorer.current_latent)
        self.map_changed.emit()

    def show_map_pictures(self, shown: bool) -> None:
        """Draw the samples' images on the map (where there is room), or only points."""
        ws = self.workspace
        on = shown and ws is not None and ws.has_images
        self.map_pictures.set_images(ws.dataset.images if on and ws is not None else None)

    # --- projection -----------------------------------------------------------------------
    def compute_projection(self) -> None:
        """Compute the map chosen in the projection panel in the background."""
        ws = self.workspace
        if ws is None:
            return
        params = self.projection.to_params()
        if params == ws.projector.params:
            self.projection_panel.show_idle(f"{params.method.upper()} map is shown")
            return
        name = METHOD_NAMES.get(params.method, params.method)

        def job(ctx: Any) -> Any:
            return project_cached(ws.latents, params, self.cache, ctx, ws.latents_id)

        def done(projector: Any) -> None:
            if self.workspace is not ws:
                return
            ws.projector = projector
            self._show_map(ws)
            note = ""
            if getattr(projector, "sampled", None):
                note = (f" (fitted on {projector.sampled:,} of {len(ws.latents):,} points; "
                        "the rest placed by their neighbours)")
            self.projection_panel.show_idle(f"{params.method.upper()} map ready{note}")
            self._update_info()

        self.jobs.start(f"Computing {name} of {len(ws.latents):,} points", job, done)

    # --- jobs and errors ------------------------------------------------------------------
    def _on_job_failed(self, title: str, message: str, details: str) -> None:
        self.projection_panel.show_idle(f"Failed: {message}")
        self.report_error(message)

    def _on_job_cancelled(self, title: str) -> None:
        self.projection_panel.show_idle(f"Cancelled: {title}. The previous map stays.")
        self.statusBar().showMessage(f"Cancelled: {title}", 5000)

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
        image = ws.dataset.images[index] if ws.has_images else None
        return image, sample_caption(ws, index)

    def _update_info(self) -> None:
        ws = self.workspace
        if ws is None:
            self.info_label.setText("Nothing loaded")
            return
        h, w, _ = ws.dataset.image_shape
        method = ws.projector.params.method.upper().replace("TSNE", "t-SNE")
        kind = ("samples from the prior" if ws.dataset.source.startswith("prior:")
                else "images")
        what = f"{len(ws.dataset):,} {kind} {h}x{w}" if ws.has_images else \
            f"{len(ws.dataset):,} vectors"
        size = "latent" if ws.has_decoder else "vectors of"
        self.info_label.setText(
            f"{ws.dataset.name}: {what}  |  {ws.model.name}: "
            f"{size} {ws.model.latent_dim}  |  {method}, {len(ws.projector.coords):,} points")
        self.update_title()

    def name_session(self, name: str) -> None:
        """Show the session ``name`` in the window title."""
        self.session_name = name
        self.update_title()

    def update_title(self) -> None:
        """Window title: the session's name (if saved), the data and the model."""
        ws = self.workspace
        parts = [self.session_name] if self.session_name else []
        if ws is not None:
            parts.append(f"{ws.dataset.name} · {ws.model.name}")
        self.setWindowTitle(" — ".join([*parts, "Latent Explorer"]))

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
            self.open_model_file(path)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        # Only a choice made in the window is remembered: a command line's --projection or a
        # session's map applies to that run.
        self.settings.setValue("projection/method", self.remembered_method)
        self.settings.sync()
        self.sessions.close_cleanly()
        self.shutdown()
        super().closeEvent(event)
