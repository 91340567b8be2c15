"""The decoder area of a map with no decoder: why there is none, and training one.

One line says why nothing is decoded; when the samples have images, **Train a model on these
images** starts training the app's VAE on them, and while it runs the panel shows progress,
the time left, the loss as it falls (a small plot and its last value) and **Cancel**.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class QtTrainPanel(QWidget):
    """Notice and training controls shown in the decoder area while the map has no decoder."""

    train_requested = Signal()
    """The user clicked **Train a model on these images**. Emitted on the GUI thread."""
    cancel_requested = Signal()
    """The user clicked **Cancel** during training. Emitted on the GUI thread."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.reason_label = QLabel("")
        self.reason_label.setWordWrap(True)
        self.reason_label.setStyleSheet("font-weight: 600;")
        self.plan_label = QLabel("")
        self.plan_label.setWordWrap(True)
        self.train_button = QPushButton("Train a model on these images")
        self.train_button.setToolTip("Train the app's VAE on these images in the background; "
                                     "the map then shows its latents and decoding works")
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.eta_label = QLabel("")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop training; nothing is saved")
        self.loss_plot = pg.PlotWidget(background="#16181d")
        self.loss_plot.setMinimumHeight(90)
        self.loss_plot.setMaximumHeight(130)
        self.loss_plot.setLabel("left", "loss")
        self.loss_plot.setLabel("bottom", "epochs")
        self.loss_plot.setMouseEnabled(False, False)
        self.loss_curve = self.loss_plot.plot([], [], pen=pg.mkPen("#f4a261", width=2))
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        running = QHBoxLayout()
        running.setContentsMargins(0, 0, 0, 0)
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)
        self.running_row = QWidget()
        self.running_row.setLayout(running)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 8)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.plan_label)
        layout.addWidget(self.train_button)
        layout.addWidget(self.running_row)
        layout.addWidget(self.eta_label)
        layout.addWidget(self.loss_plot)
        layout.addWidget(self.status_label)
        self.train_button.clicked.connect(self.train_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        self._losses: tuple[list[float], list[float]] = ([], [])
        self.show_idle()

    def set_reason(self, reason: str, plan: str | None) -> None:
        """Say why nothing is decoded; ``plan`` describes the model training would make
        (``None``: nothing to train on, so no button)."""
        self.reason_label.setText(reason)
        self.plan_label.setText(f"Training makes a {plan}." if plan else "")
        self.plan_label.setVisible(bool(plan))
        self.train_button.setVisible(plan is not None)

    def show_idle(self, status: str = "") -> None:
        """Not training: the button (if there is something to train on) and a last note."""
        self.train_button.setEnabled(True)
        self.running_row.setVisible(False)
        self.eta_label.setVisible(False)
        self.loss_plot.setVisible(bool(self._losses[0]))
        self.status_label.setText(status)
        self.status_label.setVisible(bool(status))

    def show_running(self) -> None:
        """Training started: progress, time left, live loss and Cancel."""
        self._losses = ([], [])
        self.loss_curve.setData([], [])
        self.train_button.setEnabled(False)
        self.running_row.setVisible(True)
        self.progress.setValue(0)
        self.eta_label.setText("Starting ...")
        self.eta_label.setVisible(True)
        self.loss_plot.setVisible(True)
        self.status_label.setVisible(False)

    def show_step(self, epochs_done: float, loss: float, eta_text: str, fraction: float) -> None:
        """A new running loss at ``epochs_done`` epochs; ``eta_text`` says how long is left."""
        xs, ys = self._losses
        xs.append(epochs_done)
        ys.append(loss)
        self.loss_curve.setData(xs, ys)
        self.progress.setValue(round(fraction * 1000))
        self.eta_label.setText(f"loss {loss:.2f}  ·  {eta_text}")

    @property
    def losses(self) -> list[float]:
        """The losses drawn so far (for tests and the status line)."""
        return list(self._losses[1])
