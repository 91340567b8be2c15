"""The no-model panel's other way forward: the model files that open with no code.

Beside **Train a model on these images**, a user who already has a model is told which files
open with no code and no questions (TAESD-family and KL autoencoders, StyleGAN snapshots) and
given a button that opens one.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

NO_CODE_FILES = (
    "Have a model already? These open with no code and no questions: "
    "<b>TAESD-family</b> autoencoders (<code>taesd_decoder.pth</code>, "
    "<code>taef2_decoder.pth</code> ... with the encoder beside), <b>KL autoencoders</b> "
    "(a diffusers VAE folder or <code>.safetensors</code> file), <b>StyleGAN snapshots</b> "
    "(<code>network-snapshot-*.pkl</code>). Other checkpoints take a few answers."
)
"""What the note says, in rich text."""


class QtModelFilesNote(QWidget):
    """Names the model files that open with no code, with **Open a Model File...**."""

    open_requested = Signal()
    """The user clicked **Open a Model File...**. Emitted on the GUI thread."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(NO_CODE_FILES)
        self.label.setWordWrap(True)
        self.open_button = QPushButton("Open a Model File...")
        self.open_button.setToolTip("Choose a model file and open it on these images (File > "
                                    "Open Model)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 8)
        layout.addWidget(self.label)
        layout.addWidget(self.open_button)
        self.open_button.clicked.connect(self.open_requested)
