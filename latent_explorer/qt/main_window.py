"""The explorer window: the map in the middle, docks for the decoder, sliders and projection."""

from __future__ import annotations

import gc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QStackedWidget,
    QTabBar,
    QWidget,
)

from latent_explorer._version import __version__
from latent_explorer.core.compute.cache import ResultCache
from latent_explorer.core.compute.decoder import DecodeResult
from latent_explorer.core.compute.pipeline import Workspace, open_workspace, project_cached
from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.models.trust import TrustGrant
from latent_explorer.core.session.autosave import RecoveryStore
from latent_explorer.core.session.state import ExplorerState, ProjectionState
from latent_explorer.qt.bookmarks import BookmarkController
from latent_explorer.qt.bridges import DecoderBridge, JobRunner
from latent_explorer.qt.settings import (
    LAYOUT_VERSION,
    app_settings,
    existing_recent_files,
    remember_file,
)
from latent_explorer.qt.widgets.decoder_view import QtDecoderView
from latent_explorer.qt.widgets.latent_sliders import QtLatentSliders
from latent_explorer.qt.widgets.map_view import QtMapView
from latent_explorer.qt.widgets.projection_panel import METHOD_NAMES, QtProjectionPanel
from latent_explorer.qt.window_menus import build_menus, build_toolbar

DATASET_FILTER = ("Datasets (*.gz *-ubyte *.idx *.npz *.npy);;All files (*)")
MODEL_FILTER = ("Models (*.json *.safetensors *.pt *.pth *.ckpt *.ts *.py);;All files (*)")
DROPPED_FILES = (".lxs", ".json", ".safetensors", ".pt", ".pth", ".ckpt", ".ts", ".py")
"""Files dropped on the window that open: a session, or a model (through Open Model)."""


class MainWindow(QMainWindow):
    """The explorer window.

    The window owns the evented state (:class:`ExplorerState`, :class:`ProjectionState`), the
    decode worker and the job runner, and wires them to thin widgets. Everything slow (loading,
    encoding, projecting, decoding) runs off the GUI thread.
    """

    workspace_changed = Signal(object)
    """A new :class:`Workspace` is shown. Emitted on the GUI thread."""
    map_changed = Signal()
    """The map's points were redrawn (new data or projection). Emitted on the GUI thread."""

    # Made by window_menus.build_menus / build_toolbar.
    open_session_action: QAction
    save_session_action: QAction
    open_dataset_action: QAction
    open_model_action: QAction
    recent_menu: QMenu
    compare_action: QAction
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
    bookmarks: BookmarkController
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
        self._probe_latent: tuple[np.ndarray, np.ndarray] | None = None
        self.model_trust: TrustGrant | None = None
        """The grant the shown model was opened under (``None``: it runs no code)."""
        self.dataset_labels: str | None = None
        self.session_name = ""
        self.model_dialog: Any = None
        self.last_error = ""
        self.setWindowTitle("Latent Explorer")
        self.resize(1400, 900)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks
                            | QMainWindow.DockOption.AllowTabbedDocks)

        self.decoder = DecoderBridge(None, self)
        self.jobs = JobRunner(self)
        self.map_view = QtMapView(self.explorer)
        self.map_view.thumbnail = self._thumbnail
        self.map_stack = QStackedWidget()
        self.map_stack.addWidget(self.map_view)
        self.setCentralWidget(self.map_stack)
        self.decoder_view = QtDecoderView(self.explorer)
        self.sliders = QtLatentSliders(self.explorer)
        self.projection_panel = QtProjectionPanel(self.projection)
        self.decoder_dock = self._add_dock("Decoder", self.decoder_view,
                                           Qt.DockWidgetArea.RightDockWidgetArea)
        self.sliders_dock = self._add_dock("Latent sliders", self.sliders,
                                           Qt.DockWidgetArea.RightDockWidgetArea)
        self.projection_dock = self._add_dock("Projection", self.projection_panel,
                                              Qt.DockWidgetArea.LeftDockWidgetArea)
        from latent_explorer.qt.path_controller import PathController

        self.paths = PathController(self)
        from latent_explorer.qt.model_controller import ModelController

        self.models = ModelController(self)
        from latent_explorer.qt.analysis_controller import AnalysisController

        self.analysis = AnalysisController(self)
        self.setAcceptDrops(True)
        from latent_explorer.qt.view3d_controller import View3DController

        self.view3d = View3DController(self, self.map_stack)
        self.path_dock = self._add_dock("Path", self.paths.panel,
                                        Qt.DockWidgetArea.LeftDockWidgetArea)
        self.filmstrip_dock = self._add_dock("Filmstrip", self.paths.filmstrip,
                                             Qt.DockWidgetArea.BottomDockWidgetArea)
        self.analysis_docks = [self._add_dock(*spec) for spec in self.analysis.dock_specs()]
        self.analysis.arrange_docks(self.analysis_docks)
        self.readable_dock_tabs()
        self.resizeDocks([self.projection_dock, self.path_dock], [230, 520],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.filmstrip_dock], [140], Qt.Orientation.Vertical)
        self.resizeDocks([self.decoder_dock, self.sliders_dock], [420, 420],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.projection_dock], [230], Qt.Orientation.Horizontal)
        self.resizeDocks([self.decoder_dock, self.sliders_dock], [380, 480],
                         Qt.Orientation.Vertical)
        from latent_explorer.qt.session_controller import SessionController

        self.sessions = SessionController(self, recovery)
        self.info_label = QLabel("Nothing loaded")
        self.statusBar().addPermanentWidget(self.info_label)
        build_menus(self)
        build_toolbar(self)
        self._connect()
        self._restore_layout()

    # --- construction ---------------------------------------------------------------------
    def _add_dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(title.lower().replace(" ", "_") + "_dock")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _connect(self) -> None:
        ev = self.explorer.events
        ev.current_latent.connect(self._on_current_latent_changed)
        ev.probe_position.connect(self._on_probe_position_changed)
        ev.selected_index.connect(self._on_selected_index_changed)
        ev.condition_label.connect(lambda _: self._on_current_latent_changed(
            self.explorer.current_latent))
        self.decoder.decoded.connect(self._on_decoded)
        # Never silent about level of detail: "density view", "fitted on a sample", "indexing".
        self.map_view.status_changed.connect(
            lambda note: self.statusBar().showMessage(note, 10000) if note else None)
        self.sliders.reset_requested.connect(self._on_reset_requested)
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
    def open(self, dataset: str | None = None, model: str | GenerativeModel | None = None,
             trust_code: bool | TrustGrant | None = None, labels: str | None = None,
             on_ready: Callable[[Workspace], None] | None = None) -> None:
        """Open a dataset and/or a model (``None`` keeps the current one) in the background.

        ``trust_code`` is the user's yes for running the code of the model file named here
        (``True``, or a grant for it); it covers that one file as it is now, nothing opened
        later. A model file that runs code opened without it makes the window ask.
        ``labels`` is a separate labels file for the dataset; ``on_ready(workspace)`` runs on
        the GUI thread once the new workspace is shown.
        """
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
        ds = dataset if dataset is not None else (self.workspace.dataset if self.workspace else
                                                  "digits")
        md = model if model is not None else (self.workspace.model if self.workspace else "demo")
        params = self.projection.to_params()
        pca = type(params)("pca", params.n_components, params.seed)
        trust = grant if grant is not None else False

        labels_file = self.dataset_labels

        def job(ctx: Any) -> Workspace:
            return open_workspace(ds, md, pca, self.cache, ctx, trust_code=trust,
                                  labels=labels_file)

        def done(ws: Workspace) -> None:
            self.model_trust = grant
            self._install_workspace(ws, dataset, model)
            if on_ready is not None:
                on_ready(ws)

        what = dataset if dataset is not None else model
        label = Path(what).name if isinstance(what, str) else getattr(what, "name", "data")
        self.jobs.start(f"Opening {label}", job, done)

    def open_dataset_dialog(self) -> None:
        """Ask for a dataset file or folder and open it."""
        path, _ = QFileDialog.getOpenFileName(self, "Open dataset", "", DATASET_FILTER)
        if path:
            self.open(dataset=path)

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

        dialog = QtOpenModelDialog(path, self)
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
        self.recent_menu.clear()
        dropped: list[str] = []
        for kind, title in (("datasets", "Dataset"), ("models", "Model")):
            present, missing = existing_recent_files(self.settings, kind)
            dropped += missing
            for spec in present:
                action = self.recent_menu.addAction(f"{title}: {spec}")
                if kind == "datasets":
                    action.triggered.connect(lambda _=False, s=spec: self.open(dataset=s))
                else:
                    action.triggered.connect(lambda _=False, s=spec: self.open(model=s))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(nothing yet)").setEnabled(False)
        if dropped:
            names = ", ".join(Path(spec).name for spec in dropped)
            self.statusBar().showMessage(
                f"Removed from Open Recent (no longer there): {names}", 10000)

    def _install_workspace(self, ws: Workspace, dataset: str | None,
                           model: str | GenerativeModel | None) -> None:
        self.workspace = ws
        if isinstance(dataset, str):
            remember_file(self.settings, "datasets", dataset)
        if isinstance(model, str):
            remember_file(self.settings, "models", model)
        self.decoder.set_model(ws.model)
        self.explorer.selected_index = None
        self.explorer.hidden_labels = frozenset()
        self.explorer.probe_position = None
        self.sliders.set_stats(ws.stats)
        self.decoder_view.set_classes(ws.model.num_classes)
        prior = ws.dataset.source.startswith("prior:")
        self.projection_panel.prior_row.setVisible(prior)
        if prior:
            self.projection_panel.prior_spin.setValue(len(ws.dataset))
        self.decoder_view.set_signal_mode(len(ws.model.image_shape) == 1)
        self.decoder_view.set_prior_samples(prior)
        self.decoder_view.show_original(None)
        self._show_map(ws)
        self.explorer.current_latent = ws.stats.mean.copy()
        settle_long_lived_objects()
        self._update_info()
        self.workspace_changed.emit(ws)
        self.paths.recompute()
        self.projection_panel.show_idle(f"{ws.projector.params.method.upper()} map ready")
        self.statusBar().showMessage(
            f"Opened {ws.dataset.name} with {ws.model.name}"
            + ("; " + "; ".join(ws.dataset.notes) if ws.dataset.notes else ""), 8000)
        if self.projection.method != "pca":
            self.compute_projection()

    def _show_map(self, ws: Workspace, reset_view: bool = True) -> None:
        self.map_view.set_points(ws.projector.coords, ws.dataset.labels,
                                 ws.dataset.label_name, reset_view=reset_view,
                                 sampled=getattr(ws.projector, "sampled", None))
        self._on_current_latent_changed(self.explorer.current_latent)
        self.map_changed.emit()

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

    # --- state -> decoding ----------------------------------------------------------------
    def _on_probe_position_changed(self, position: tuple[float, ...] | None) -> None:
        if position is None or self.workspace is None:
            return
        point = np.asarray(position, dtype=np.float32)
        if len(point) == 3:  # the 3-D view's probe
            latent = self.view3d.inverse(point)
            if latent is None:
                return
        else:
            latent = self.workspace.projector.inverse(point[None, :2])[0]
        latent = latent.astype(np.float32)
        # While the probe drives the latent, the star sits on the probe: for UMAP and t-SNE
        # the way back to a latent and forward again to the map do not round-trip exactly.
        self._probe_latent = (latent, point[:2]) if len(point) == 2 else None
        self.explorer.current_latent = latent

    def _on_selected_index_changed(self, index: int | None) -> None:
        ws = self.workspace
        if ws is None or index is None:
            self.decoder_view.show_original(None)
            return
        self.explorer.current_latent = ws.latents[index].copy()
        self.decoder_view.show_original(ws.dataset.images[index], self._sample_caption(index))

    def _on_reset_requested(self) -> None:
        ws = self.workspace
        if ws is None:
            return
        index = self.explorer.selected_index
        self.explorer.current_latent = (ws.latents[index].copy() if index is not None
                                        else ws.stats.mean.copy())

    def _on_current_latent_changed(self, latent: np.ndarray | None) -> None:
        ws = self.workspace
        if latent is None or ws is None:
            self.map_view.set_here(None)
            return
        self.decoder.submit(latent, self.explorer.condition_label, tag="current")
        probe = self._probe_latent
        if probe is not None and np.array_equal(probe[0], latent):
            self.map_view.set_here(probe[1])
        else:  # sliders, paths, samples moved it: the star goes where the latent projects
            self._probe_latent = None
            self.map_view.set_here(ws.projector.transform(latent[None, :])[0])
        self.view3d.update_here(latent)
        self.decoder_view.show_latent(latent)

    def _on_decoded(self, result: DecodeResult) -> None:
        if result.error is not None or result.image is None:
            message = result.error or "nothing decoded"
            self.decoder_view.show_error(message)
            if result.details and message != self.last_error:  # the whole trace, once
                from latent_explorer.core.session.crash_log import log_details

                log_details(message, result.details)
            self.report_error(message)
            return
        self.decoder_view.show_decoded(result.image, "Decoded")

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

    # --- helpers --------------------------------------------------------------------------
    def _sample_caption(self, index: int) -> str:
        ws = self.workspace
        assert ws is not None
        if ws.dataset.source.startswith("prior:"):
            return f"Sample #{index} from the prior, decoded"
        if ws.dataset.labels is None:
            return f"#{index}"
        return f"#{index}  label {ws.dataset.label_name(int(ws.dataset.labels[index]))}"

    def _thumbnail(self, index: int) -> tuple[np.ndarray, str]:
        ws = self.workspace
        assert ws is not None
        return ws.dataset.images[index], self._sample_caption(index)

    def _update_info(self) -> None:
        ws = self.workspace
        if ws is None:
            self.info_label.setText("Nothing loaded")
            return
        h, w, _ = ws.dataset.image_shape
        method = ws.projector.params.method.upper().replace("TSNE", "t-SNE")
        what = ("samples from the prior" if ws.dataset.source.startswith("prior:")
                else "images")
        self.info_label.setText(
            f"{ws.dataset.name}: {len(ws.dataset):,} {what} {h}x{w}  |  {ws.model.name}: "
            f"latent {ws.model.latent_dim}  |  {method}, {len(ws.projector.coords):,} points")
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
        import platform

        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import qVersion

        try:
            import torch

            torch_version: str = torch.__version__
        except ImportError:  # pragma: no cover - torch is a dependency
            torch_version = "not installed"
        return (f"<b>Latent Explorer {__version__}</b><br>A live map of a dataset in a "
                f"generative model's latent space, decoded wherever you point.<br><br>"
                f"PyTorch {torch_version}<br>Qt {qVersion()} (PySide6 {pyside_version})<br>"
                f"Python {platform.python_version()}")

    def _show_about(self) -> None:
        QMessageBox.about(self, "About Latent Explorer", self.about_text())

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
        self.readable_dock_tabs()
        return restored

    def readable_dock_tabs(self) -> None:
        """Tabbed docks show their whole titles ("Selection", not "Sel..."), scrolling when
        there are more tabs than fit."""
        for bar in self.findChildren(QTabBar):
            if bar.parent() is self:  # the main window's dock tabs, not those inside panels
                bar.setElideMode(Qt.TextElideMode.ElideNone)
                bar.setUsesScrollButtons(True)

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
        self.paths.shutdown()
        self.models.shutdown()
        self.view3d.jobs.shutdown()
        self.analysis.shutdown()
        self.decoder.close()
        self.map_view.hover_card.hide_card()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self._dropped_image(event) is not None or self._dropped_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = self._dropped_image(event)
        if path is not None:
            event.acceptProposedAction()
            self.models.place_image(path)
            return
        dropped = self._dropped_file(event)
        if dropped is None:
            return
        event.acceptProposedAction()
        if dropped.lower().endswith(".lxs"):
            self.sessions.open_session(dropped)
        else:  # a model file: through the Open Model dialog, which asks about code
            self.open_model_file(dropped)

    @staticmethod
    def _dropped_file(event: QDragEnterEvent | QDropEvent) -> str | None:
        for url in event.mimeData().urls():
            if url.isLocalFile() and url.toLocalFile().lower().endswith(DROPPED_FILES):
                return str(url.toLocalFile())
        return None

    @staticmethod
    def _dropped_image(event: QDragEnterEvent | QDropEvent) -> str | None:
        from latent_explorer.qt.model_controller import IMAGE_SUFFIXES

        for url in event.mimeData().urls():
            if url.isLocalFile() and url.toLocalFile().lower().endswith(IMAGE_SUFFIXES):
                return str(url.toLocalFile())
        return None

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


def describe_error(exc: BaseException) -> str:
    """A one-line message for an exception (user errors as they are)."""
    if isinstance(exc, LatentExplorerError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


_settled = False


def settle_long_lived_objects() -> None:
    """Exempt what start-up created (torch, Qt, modules: ~200,000 objects) from garbage collection.

    Python's full collections walk every tracked object while holding the GIL; with torch and
    Qt loaded that is a 130 ms freeze of the window whenever one triggers (typically while a
    background job allocates). :func:`gc.freeze` moves the objects alive now to a permanent
    generation that collections skip. Done once, after the first dataset and model are shown.
    """
    global _settled
    if not _settled:
        _settled = True
        gc.freeze()
