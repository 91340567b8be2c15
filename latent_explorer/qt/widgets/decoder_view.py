"""The decoded image, large, beside the selected sample's original, with its latent code."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from latent_explorer.qt.widgets.image_pane import QtImagePane


class QtDecoderView(QWidget):
    """Shows what the model decodes for the current latent and, if a sample is selected, the
    sample's original image and latent code next to it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.decoded_pane = QtImagePane("Decoded", "Drag the probe or a slider to decode")
        self.original_pane = QtImagePane("Original", "Click a point to compare with its original")
        self.decoded_pane.setToolTip("What the model decodes at the current latent")
        self.original_pane.setToolTip("The selected sample as it is in the dataset")
        self.latent_label = QLabel("")
        self.latent_label.setWordWrap(True)
        self.latent_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(max(7.0, mono.pointSizeF() * 0.9))
        self.latent_label.setFont(mono)
        self.latent_label.setToolTip("The current latent code (select to copy)")
        panes = QHBoxLayout()
        panes.setSpacing(6)
        panes.addWidget(self.decoded_pane, 1)
        panes.addWidget(self.original_pane, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(panes, 1)
        layout.addWidget(self.latent_label)

    def show_decoded(self, image: np.ndarray, caption: str) -> None:
        """Show a freshly decoded image."""
        if image.ndim == 1:
            # A 1-D signal: draw it as a simple sparkline image so something meaningful shows.
            image = _signal_image(image)
        self.decoded_pane.set_image(image, caption)

    def show_error(self, message: str) -> None:
        """Show why nothing could be decoded."""
        self.decoded_pane.show_error(message)

    def show_original(self, image: np.ndarray | None, caption: str = "Original") -> None:
        """Show the selected sample's original image (``None`` clears it)."""
        self.original_pane.set_image(image, caption)

    def show_latent(self, latent: np.ndarray | None) -> None:
        """Show the current latent code as text."""
        if latent is None:
            self.latent_label.setText("")
            return
        values = ", ".join(f"{v:+.2f}" for v in np.asarray(latent).reshape(-1)[:64])
        more = "" if np.asarray(latent).size <= 64 else f", ... ({np.asarray(latent).size} values)"
        self.latent_label.setText(f"z = [{values}{more}]")


def _signal_image(signal: np.ndarray, height: int = 64) -> np.ndarray:
    """A grey plot of a uint8 1-D signal, ``(height, len, 1)``."""
    values = np.asarray(signal, dtype=np.float32) / 255.0
    rows = np.clip(((1.0 - values) * (height - 1)).astype(int), 0, height - 1)
    image = np.zeros((height, len(values), 1), dtype=np.uint8)
    image[rows, np.arange(len(values)), 0] = 255
    return image
