"""Opening data and models in the window, computing its map, and saying what it shows.

:class:`WorkspaceController` opens a dataset and a model (specs, or objects already in
memory), or vectors that have no decoder, as a background job. It then installs the new
:class:`~latent_explorer.core.compute.pipeline.Workspace` in the parts of the window that
show it. It also computes the map chosen in the projection panel, and keeps the status bar's
info line and the window title up to date. It gets the parts it drives, never the window.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel

from latent_explorer.core.compute.cache import ResultCache
from latent_explorer.core.compute.pipeline import Workspace, open_workspace, project_cached
from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.models.trust import TrustChanged, TrustGrant
from latent_explorer.core.session.state import ExplorerState, ProjectionState
from latent_explorer.qt.bridges import DecoderBridge, JobRunner
from latent_explorer.qt.dialogs.open_dataset_dialog import DATASET_FILTER, takes_image_size
from latent_explorer.qt.dialogs.open_model_dialog import MODEL_FILTER
from latent_explorer.qt.gc_settle import settle_long_lived_objects
from latent_explorer.qt.settings import remember_file
from latent_explorer.qt.trust import TrustGate
from latent_explorer.qt.widgets.channel_view import QtChannelView
from latent_explorer.qt.widgets.decoder_view import QtDecoderView
from latent_explorer.qt.widgets.latent_sliders import QtLatentSliders
from latent_explorer.qt.widgets.map_view import QtMapView
from latent_explorer.qt.widgets.projection_panel import METHOD_NAMES, QtProjectionPanel
from latent_explorer.qt.window_layout import show_channels
from latent_explorer.qt.window_services import WindowServices

if TYPE_CHECKING:
    from latent_explorer.qt.widgets.map_thumbnails import MapThumbnails


@dataclass(frozen=True)
class _Opening:
    """What :meth:`WorkspaceController.open` was asked to open (kept while the trust gate
    checks the model, and to ask again if its code changed before the load)."""

    dataset: str | Dataset | None
    model: str | GenerativeModel | None
    trust_code: bool | TrustGrant | None
    labels: str | None
    on_ready: Callable[[Workspace], None] | None
    image_size: int | tuple[int, int] | None
    on_refused: Callable[[str], None] | None


@dataclass(frozen=True)
class WorkspaceParts:
    """What opening and showing a workspace drives.

    Attributes
    ----------
    services
        The parent of the dialogs, the status bar, errors, and the signals that announce a
        new workspace and a redrawn map.
    explorer, projection
        The explorer state (reset for new data) and the map settings (the method to compute).
    cache
        Where latents and maps are kept between runs.
    jobs
        The window's job runner: opening and projecting show in its progress bar, with Cancel.
    decoder
        The newest-wins decoder bridge; it gets the new model.
    settings
        Where File > Open Recent remembers the specs opened.
    map_view, map_pictures
        The 2-D map, and the layer that draws the samples' pictures on it.
    decoder_view, sliders, channels, channels_dock, projection_panel
        The panels fitted to each new dataset and model.
    show_current
        ``show_current(latent)`` decodes the current latent and marks it on the maps.
    recompute_paths
        Recomputes the paths (their frames) for the new model.
    allow_outlier_error
        ``allow_outlier_error(decodes)`` offers the reconstruction error as an outlier score
        (only a model that decodes has one).
    set_title
        Sets the window title.
    """

    services: WindowServices
    explorer: ExplorerState
    projection: ProjectionState
    cache: ResultCache
    jobs: JobRunner
    decoder: DecoderBridge
    settings: QSettings
    map_view: QtMapView
    map_pictures: MapThumbnails
    decoder_view: QtDecoderView
    sliders: QtLatentSliders
    channels: QtChannelView
    channels_dock: QDockWidget
    projection_panel: QtProjectionPanel
    show_current: Callable[[np.ndarray | None], None]
    recompute_paths: Callable[[], None]
    allow_outlier_error: Callable[[bool], None]
    set_title: Callable[[str], None]


class WorkspaceController(QObject):
    """Opens datasets and models, computes the map, and describes what is shown.

    It holds the :class:`Workspace` shown and how it was opened (the trust grant of the model,
    the labels file and image size of the dataset), the info line for the status bar
    (:attr:`info_label`) and the View > Pictures on the Map action (:attr:`pictures_action`).
    """

    decoding_available = Signal(bool, str)
    """Whether the workspace being installed decodes, and if not, why. The parts that need a
    decoder follow it. Emitted on the GUI thread."""

    def __init__(self, parts: WorkspaceParts) -> None:
        super().__init__(parts.services.parent)
        self.parts = parts
        self.services = parts.services
        self.workspace: Workspace | None = None
        self.model_trust: TrustGrant | None = None
        """The grant the shown model was opened under (``None``: it runs no code)."""
        self.gate = TrustGate(parts.services.parent, parts.jobs)
        """Asks before a model file's code runs (checking the file on a worker)."""
        self.dataset_labels: str | None = None
        self.dataset_image_size: int | tuple[int, int] | None = None
        self.session_name = ""
        self.model_dialog: Any = None
        """The Open Model dialog while it is open."""
        self.size_dialog: Any = None
        """The image size dialog while it is open."""
        self.info_label = QLabel("Nothing loaded")
        """The status bar's summary of the data, the model and the map."""
        self.pictures_action = QAction("&Pictures on the Map", parts.services.parent)
        self.pictures_action.setCheckable(True)
        self.pictures_action.setToolTip("Draw each sample's image on the map where there is "
                                        "room (on by default for maps with no decoder)")
        self.pictures_action.toggled.connect(self.show_map_pictures)
        panel, jobs = parts.projection_panel, parts.jobs
        panel.apply_requested.connect(self.compute_projection)
        panel.cancel_requested.connect(jobs.cancel)
        panel.prior_samples_requested.connect(lambda n: self.open(dataset=f"prior:{n}"))
        jobs.started.connect(panel.show_running)
        jobs.progress.connect(panel.show_progress)
        jobs.failed.connect(self._on_job_failed)
        jobs.cancelled.connect(self._on_job_cancelled)

    # --- opening things -------------------------------------------------------------------
    def open(self, dataset: str | Dataset | None = None,
             model: str | GenerativeModel | None = None,
             trust_code: bool | TrustGrant | None = None,
             labels: str | None = None,
             on_ready: Callable[[Workspace], None] | None = None,
             image_size: int | tuple[int, int] | None = None,
             on_refused: Callable[[str], None] | None = None) -> None:
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
            model file that runs code opened without it makes the window ask, naming the
            file that will run.
        labels
            A separate labels file for a dataset given as a spec.
        image_size
            The size to load a folder or zip of images at (cropped and resized).
        on_ready
            ``on_ready(workspace)`` runs on the GUI thread once the new workspace is shown.
        on_refused
            ``on_refused(message)`` runs on the GUI thread if the user says no to running
            the model's code (nothing is opened then; the message is also shown).

        Whether the model runs code is found out on a worker, so the window keeps answering
        while a large file is looked at. Only specs are remembered in File > Open Recent.
        Failures are reported in the status bar; the window keeps what it showed.
        """
        if labels is not None and dataset is not None and not isinstance(dataset, str):
            raise ValueError("labels= names a labels file for a dataset file; a Dataset "
                             "object carries its own labels")
        self._open_checked(_Opening(dataset, model, trust_code, labels, on_ready, image_size,
                                    on_refused))

    def _open_checked(self, opening: _Opening, changed: TrustChanged | None = None) -> None:
        """Ask the trust gate about the model spec (on a worker), then open."""
        model = opening.model
        if not isinstance(model, str):
            self._open_now(opening, self.model_trust if model is None else None)
            return

        def refused(message: str) -> None:
            self.parts.projection_panel.show_idle(f"Not opened: {Path(model).name}")
            self.services.report_error(message)
            if opening.on_refused is not None:
                opening.on_refused(message)

        self.gate.request(model, None if changed else opening.trust_code,
                          lambda grant: self._open_now(opening, grant), refused,
                          changed=changed)

    def _open_now(self, opening: _Opening, grant: TrustGrant | None) -> None:
        dataset, model = opening.dataset, opening.model
        if dataset is not None:
            self.dataset_labels = opening.labels
            self.dataset_image_size = opening.image_size
        ds = dataset if dataset is not None else (self.workspace.dataset if self.workspace else
                                                  "digits")
        md = model if model is not None else (self.workspace.model if self.workspace else "demo")
        params = self.parts.projection.to_params()
        pca = type(params)("pca", params.n_components, params.seed)
        trust = grant if grant is not None else False

        labels_file, size = self.dataset_labels, self.dataset_image_size

        # A dataset opened for the model shown: if that model cannot encode it, its pixels.
        unfit_ok = dataset is not None and model is None

        def job(ctx: Any) -> Workspace | TrustChanged:
            try:
                return open_workspace(ds, md, pca, self.parts.cache, ctx, trust_code=trust,
                                      labels=labels_file, pixels_if_unfit=unfit_ok,
                                      image_size=size)
            except TrustChanged as exc:  # changed since the yes: ask again, naming it
                return exc

        def done(ws: Workspace | TrustChanged) -> None:
            if isinstance(ws, TrustChanged):
                self._open_checked(opening, changed=ws)
                return
            self.model_trust = grant
            self.install(ws, dataset, model)
            if opening.on_ready is not None:
                opening.on_ready(ws)

        what = dataset if dataset is not None else model
        label = Path(what).name if isinstance(what, str) else getattr(what, "name", "data")
        self.parts.jobs.start(f"Opening {label}", job, done)

    def open_latents(self, latents: Any, dataset: Any = None, labels: Any = None,
                     metadata: Any = None, name: str | None = None,
                     on_ready: Callable[[Workspace], None] | None = None,
                     image_size: int | tuple[int, int] | None = None) -> None:
        """Open vectors that have no decoder (embeddings) in the background.

        The arguments are those of
        :func:`~latent_explorer.core.compute.vectors_workspace.open_latents_workspace`
        (arrays, tensors, DataFrames or files); ``on_ready(workspace)`` runs on the GUI thread
        once the map is shown.
        """
        from latent_explorer.core.compute.vectors_workspace import open_latents_workspace

        params = self.parts.projection.to_params()
        pca = type(params)("pca", params.n_components, params.seed)
        size = image_size if isinstance(dataset, str | Path) else None

        def job(ctx: Any) -> Workspace:
            return open_latents_workspace(latents, dataset, labels, metadata, params=pca,
                                          cache=self.parts.cache, ctx=ctx, name=name,
                                          image_size=size)

        def done(ws: Workspace) -> None:
            self.dataset_image_size = size  # what a session of these vectors records
            self.install(ws, None, None)
            if on_ready is not None:
                on_ready(ws)

        self.parts.jobs.start(f"Opening {name or 'vectors'}", job, done)

    def open_dataset_dialog(self) -> None:
        """Ask for a dataset file or folder and open it."""
        path, _ = QFileDialog.getOpenFileName(self.services.parent, "Open dataset", "",
                                              DATASET_FILTER)
        if path and takes_image_size(path):
            self.open_images_at_size(path)
        elif path:
            self.open(dataset=path)

    def open_image_folder_dialog(self) -> None:
        """Ask for a folder of images, then for the size to load them at, and open it."""
        path = QFileDialog.getExistingDirectory(self.services.parent, "Open a folder of images")
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
        dialog = QtImageSizeDialog(path, size if isinstance(size, int) else None,
                                   self.services.parent)
        self.size_dialog = dialog
        try:
            if dialog.exec():
                self.open(dataset=path, image_size=dialog.image_size())
        finally:
            self.size_dialog = None

    def open_model_dialog(self) -> None:
        """Ask for a model file, then for how to call it (with a live preview), and open it.

        Files that run code (adapter files, pickled modules, TorchScript archives) need the
        dialog's explicit "I trust this file" before anything of theirs is executed; the
        file opens under the trust given at that tick, for its content at that moment.
        """
        path, _ = QFileDialog.getOpenFileName(self.services.parent, "Open model", "",
                                              MODEL_FILTER)
        if path:
            self.open_model_file(path)

    def open_model_file(self, path: str) -> None:
        """Ask how to call the model file ``path`` (and, if it runs code, whether it is
        trusted: the box starts unticked, whatever was trusted before), then open it."""
        from latent_explorer.qt.dialogs.open_model_dialog import QtOpenModelDialog

        shown = self.workspace.dataset if self.workspace is not None else None
        if shown is not None and shown.source.startswith("prior:"):
            shown = None  # the old model's prior samples say nothing about the new model
        dialog = QtOpenModelDialog(path, self.services.parent, dataset=shown)
        self.model_dialog = dialog
        try:
            if dialog.exec():
                self.open(model=dialog.result_spec(), trust_code=dialog.trust_code())
                if dialog.notice:
                    self.services.show_status(dialog.notice, 8000)
        finally:
            dialog.shutdown()
            self.model_dialog = None

    # --- showing a workspace --------------------------------------------------------------
    def install(self, ws: Workspace, dataset: str | Dataset | None,
                model: str | GenerativeModel | None) -> None:
        """Show ``ws`` (opened from ``dataset`` and ``model``) in every part of the window."""
        p = self.parts
        self.workspace = ws
        if isinstance(dataset, str):
            remember_file(p.settings, "datasets", dataset)
        if isinstance(model, str) and ws.has_decoder:
            remember_file(p.settings, "models", model)
        p.decoder.set_model(ws.model if ws.has_decoder else None)
        p.explorer.selected_index = None
        p.explorer.hidden_labels = frozenset()
        p.explorer.probe_position = None
        # (no sliders for vectors nothing decodes: 512 of them would only cost time)
        p.sliders.set_stats(ws.stats if ws.has_decoder else None)
        show_channels(p.channels_dock, p.channels, ws.model.latent_shape,
                      ws.stats if ws.has_decoder else None)
        p.decoder_view.set_classes(ws.model.num_classes)
        prior = ws.dataset.source.startswith("prior:")
        p.projection_panel.prior_row.setVisible(prior)
        if prior:
            p.projection_panel.prior_spin.setValue(len(ws.dataset))
        p.decoder_view.set_signal_mode(len(ws.model.image_shape) == 1)
        p.decoder_view.set_decoding(ws.has_decoder)
        self.pictures_action.setEnabled(ws.has_images)
        with_pictures = ws.has_images and not ws.has_decoder
        if self.pictures_action.isChecked() != with_pictures:
            self.pictures_action.setChecked(with_pictures)  # redrawn by show_map below
        self.decoding_available.emit(ws.has_decoder, str(getattr(ws.model, "reason", "")))
        p.allow_outlier_error(ws.has_decoder)
        p.decoder_view.set_prior_samples(prior)
        p.decoder_view.show_original(None)
        self.show_map(ws)
        # With no decoder there is nothing at the mean to show: the star marks the sample picked.
        p.explorer.current_latent = ws.stats.mean.copy() if ws.has_decoder else None
        settle_long_lived_objects()
        self.update_info()
        self.services.workspace_changed.emit(ws)
        p.recompute_paths()
        p.projection_panel.show_idle(f"{ws.projector.params.method.upper()} map ready")
        notes = [*ws.dataset.notes, *getattr(ws.model, "notes", ())]  # what was guessed
        self.services.show_status(
            f"Opened {ws.dataset.name} with {ws.model.name}"
            + ("; " + "; ".join(notes) if notes else ""), 8000)
        if p.projection.method != "pca":
            self.compute_projection()

    def show_map(self, ws: Workspace, reset_view: bool = True) -> None:
        """Draw the map of ``ws`` (its points, pictures and the current latent's marker)."""
        self.parts.map_view.set_points(ws.projector.coords, ws.dataset.labels,
                                       ws.dataset.label_name, reset_view=reset_view,
                                       sampled=getattr(ws.projector, "sampled", None))
        self.show_map_pictures(self.pictures_action.isChecked())
        self.parts.show_current(self.parts.explorer.current_latent)
        self.services.map_changed.emit()

    def show_map_pictures(self, shown: bool) -> None:
        """Draw the samples' images on the map (where there is room), or only points."""
        ws = self.workspace
        on = shown and ws is not None and ws.has_images
        self.parts.map_pictures.set_images(ws.dataset.images if on and ws is not None
                                           else None,
                                           getattr(ws.dataset, "pictured", None) if on
                                           and ws is not None else None)

    # --- projection -----------------------------------------------------------------------
    def compute_projection(self) -> None:
        """Compute the map chosen in the projection panel in the background."""
        ws = self.workspace
        if ws is None:
            return
        params = self.parts.projection.to_params()
        panel = self.parts.projection_panel
        if params == ws.projector.params:
            panel.show_idle(f"{params.method.upper()} map is shown")
            return
        name = METHOD_NAMES.get(params.method, params.method)

        def job(ctx: Any) -> Any:
            return project_cached(ws.latents, params, self.parts.cache, ctx, ws.latents_id)

        def done(projector: Any) -> None:
            if self.workspace is not ws:
                return
            ws.projector = projector
            self.show_map(ws)
            note = ""
            if getattr(projector, "sampled", None):
                note = (f" (fitted on {projector.sampled:,} of {len(ws.latents):,} points; "
                        "the rest placed by their neighbours)")
            panel.show_idle(f"{params.method.upper()} map ready{note}")
            self.update_info()

        self.parts.jobs.start(f"Computing {name} of {len(ws.latents):,} points", job, done)

    def _on_job_failed(self, title: str, message: str, details: str) -> None:
        self.parts.projection_panel.show_idle(f"Failed: {message}")
        self.services.report_error(message)

    def _on_job_cancelled(self, title: str) -> None:
        self.parts.projection_panel.show_idle(f"Cancelled: {title}. The previous map stays.")
        self.services.show_status(f"Cancelled: {title}", 5000)

    # --- what is shown --------------------------------------------------------------------
    def update_info(self) -> None:
        """Say in the info line what is shown: the data, the model and the map."""
        ws = self.workspace
        if ws is None:
            self.info_label.setText("Nothing loaded")
            return
        h, w, _ = ws.dataset.image_shape
        method = ws.projector.params.method.upper().replace("TSNE", "t-SNE")
        kind = ("samples from the prior" if ws.dataset.source.startswith("prior:")
                else "images")
        what = f"{len(ws.dataset):,} {kind} {h}x{w}" if ws.has_images else \
            f"{len(ws.dataset):,} {kind if ws.has_decoder else 'vectors'}"
        size = "latent" if ws.has_decoder else "vectors of"
        self.info_label.setText(
            f"{ws.dataset.name}: {what}  |  {ws.model.name}: "
            f"{size} {ws.model.latent_dim}  |  {method}, {len(ws.projector.coords):,} points")
        notes = [*ws.dataset.notes, *getattr(ws.model, "notes", ())]  # what was found out
        self.info_label.setToolTip("\n".join(notes))
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
        self.parts.set_title(" — ".join([*parts, "Latent Explorer"]))
