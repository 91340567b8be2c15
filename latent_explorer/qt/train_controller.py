"""Training a model on the images of a map that has none, from the window.

The controller gets the parts it drives (the window's services, the decoder view it puts its
panel into, how to open a model, the settings for recent models) and never the window.
Training runs on its own :class:`JobRunner`, so computing a map meanwhile does not cancel it.
When it finishes, the model (``model.json`` + weights) is in a new folder under the user's data
folder, listed in **Open Recent**, named in the status bar, and opened: the map switches to the
model's latents.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtGui import QAction

from latent_explorer.core.models.train_plan import (
    TrainingPlan,
    default_model_folder,
    plan_training,
    train_planned,
)
from latent_explorer.qt.bridges import JobRunner
from latent_explorer.qt.settings import remember_file
from latent_explorer.qt.widgets.decoder_view import QtDecoderView
from latent_explorer.qt.widgets.train_panel import QtTrainPanel
from latent_explorer.qt.window_services import WindowServices

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace


class TrainController(QObject):
    """**Train a model on these images**: the panel, the menu action and the training job."""

    step = Signal(float, float)
    """(fraction of the training done, running loss). Emitted on the training thread; slots
    run on the GUI thread (queued)."""
    trained = Signal(str)
    """The ``model.json`` of a finished training. Emitted on the GUI thread."""

    def __init__(self, services: WindowServices, decoder_view: QtDecoderView,
                 open_model: Callable[[str, Callable[[Workspace], None]], None],
                 settings: QSettings) -> None:
        """``open_model(spec, on_ready)`` opens a model file for the data shown and calls
        ``on_ready(workspace)`` once its map is shown."""
        super().__init__(services.parent)
        parent = services.parent
        self.workspace = services.workspace
        self.open_model = open_model
        self.show_status = services.show_status
        self.settings = settings
        self.panel = QtTrainPanel()
        self.panel.setVisible(False)
        decoder_view.add_notice(self.panel)
        self.action = QAction("&Train a Model on These Images...", parent)
        self.action.setStatusTip("Train the app's VAE on the images of this map (only when "
                                 "the map has no decoder yet)")
        self.action.triggered.connect(self.start)
        self.jobs = JobRunner(self)
        self.models_root: Path | None = None
        """Where new models go (``None``: the user's data folder; tests set a temporary one)."""
        self.epochs: int | None = None
        """Overrides the number of epochs the plan chooses (tests train for one)."""
        self.plan: TrainingPlan | None = None
        self._started = 0.0
        self.panel.train_requested.connect(self.start)
        self.panel.cancel_requested.connect(self.jobs.cancel)
        self.step.connect(self._on_step)
        self.jobs.failed.connect(lambda t, message, d: self._stopped(
            f"Training failed: {message}"))
        self.jobs.cancelled.connect(lambda t: self._stopped(
            "Training cancelled; nothing was saved."))
        self.training = False
        """Whether a training job is running (from its start to its end on the GUI thread)."""
        self.show_workspace(None)
        services.workspace_changed.connect(self.show_workspace)

    def show_workspace(self, ws: Workspace | None) -> None:
        """Show the panel (and enable the action) for a map with no decoder."""
        no_decoder = ws is not None and not ws.has_decoder
        self.panel.setVisible(no_decoder)
        can_train = no_decoder and _trainable(ws)
        self.action.setEnabled(can_train and not self.training)
        if ws is None or not no_decoder:
            self.plan = None
            return
        reason = str(getattr(ws.model, "reason", "this map has no decoder"))
        from latent_explorer.core.compute.vectors_workspace import is_vectors_spec

        if is_vectors_spec(ws.model.source):  # nothing that needs a decoder is shown
            head = (f"No decoder: {reason}. The map, neighbours, clusters, outliers and "
                    "filters work on the vectors.")
        else:
            head = f"No decoder: {reason}. Decoding, latent sliders and paths need a model."
        self.plan = (plan_training(ws.dataset.image_shape, len(ws.dataset), self.epochs)
                     if can_train else None)
        self.panel.set_reason(head, None if self.plan is None else self.plan.describe())
        self.panel.show_idle()

    def start(self) -> None:
        """Train a VAE on the images shown, in the background."""
        ws = self.workspace()
        if ws is None or ws.has_decoder or not _trainable(ws) or self.training:
            return
        dataset = ws.dataset
        plan = plan_training(dataset.image_shape, len(dataset), self.epochs)
        self.plan = plan
        out = default_model_folder(dataset.name, self.models_root)
        step = self.step

        def job(ctx: Any) -> Path:
            return train_planned(dataset, plan, out, ctx, on_step=step.emit)

        self._started = time.perf_counter()
        self.training = True
        self.panel.show_running()
        self.action.setEnabled(False)
        self.jobs.start(f"Training a model on {dataset.name}", job, self._on_trained)

    def _stopped(self, note: str) -> None:
        self.training = False
        self.panel.show_idle(note)
        ws = self.workspace()
        self.action.setEnabled(ws is not None and not ws.has_decoder and _trainable(ws))

    def _on_step(self, fraction: float, loss: float) -> None:
        if self.plan is None or not self.training:
            return
        elapsed = time.perf_counter() - self._started
        left = elapsed * (1 - fraction) / fraction if fraction > 0 else None
        eta = "estimating time left" if left is None else f"about {_duration(left)} left"
        self.panel.show_step(fraction * self.plan.epochs, loss, eta, fraction)

    def _on_trained(self, model_json: Path) -> None:
        self.training = False
        folder = model_json.parent
        remember_file(self.settings, "models", str(model_json))
        took = _duration(time.perf_counter() - self._started)
        note = f"Trained in {took}; saved to {folder}"
        self.panel.show_idle(note)
        self.trained.emit(str(model_json))
        self.open_model(str(model_json), lambda ws: self.show_status(
            f"{note}; File > Open Recent reopens it", 30000))

    def shutdown(self) -> None:
        """Cancel training and wait for it to stop."""
        self.jobs.shutdown()


def _trainable(ws: Workspace | None) -> bool:
    """Whether a model can be trained on the map's images: there are some, on every sample
    (not a table whose picture cell is empty on some rows: blanks would teach nothing)."""
    return ws is not None and ws.has_images and getattr(ws.dataset, "pictured", None) is None


def _duration(seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes} min {rest:02d} s"
