"""File > Open Dataset for folders and zip archives of images: the size to load them at."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QWidget,
)

DATASET_FILTER = "Datasets (*.gz *-ubyte *.idx *.npz *.npy *.zip);;All files (*)"


def takes_image_size(path: str) -> bool:
    """Whether a dataset path is loaded at a chosen size (folders and zip archives of images)."""
    candidate = Path(path).expanduser()
    return candidate.is_dir() or candidate.suffix.lower() == ".zip"


class QtImageSizeDialog(QDialog):
    """Ask the size to load a folder (or zip) of images at, before it is opened.

    Parameters
    ----------
    path
        The folder or archive (shown by name).
    image_size
        The size offered at first (``None``: the images' own size).
    """

    def __init__(self, path: str, image_size: int | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Open images")
        self.size_spin = QSpinBox()
        self.size_spin.setRange(0, 4096)
        self.size_spin.setSingleStep(32)
        self.size_spin.setSuffix(" px")
        self.size_spin.setSpecialValueText("their own size")
        self.size_spin.setValue(image_size or 0)
        self.size_spin.setToolTip(
            "Each image is cropped around its centre and resized to this square size (left at "
            "'their own size': the most common size among them). The resized images are kept "
            "in the cache folder, so the next opening is fast.")
        about = QLabel(
            f"<b>{Path(path).name}</b><br>Photos are decoded one at a time in the background "
            "and only the resized copy is kept. Pick the size your model takes (e.g. 64, 256).")
        about.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Open
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(about)
        form.addRow("Load images at", self.size_spin)
        form.addRow(self.buttons)
        self.resize(440, self.sizeHint().height())

    def image_size(self) -> int | None:
        """The chosen size, or ``None`` for the images' own size."""
        return self.size_spin.value() or None
