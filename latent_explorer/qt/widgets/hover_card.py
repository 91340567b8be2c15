"""A small floating card that shows a sample's image, index and label under the cursor."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from latent_explorer.qt.images import array_to_qimage


class QtHoverCard(QFrame):
    """A frameless tool-tip window with a thumbnail (small ones upscaled crisply) and a caption."""

    THUMB = 84

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.ToolTip)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAttribute(Qt.WidgetAttribute.WA_ShowWithoutActivating)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 4)
        layout.setSpacing(3)
        self.image_label = QLabel(self)
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text_label = QLabel(self)
        self.text_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.image_label)
        layout.addWidget(self.text_label)
        self.index: int | None = None

    def show_sample(self, index: int, image: np.ndarray | None, text: str,
                    global_pos: QPoint) -> None:
        """Show sample ``index`` near ``global_pos`` (screen coordinates); ``image`` ``None``:
        the caption alone (vectors without pictures)."""
        from PySide6.QtGui import QPixmap

        self.index = index
        self.image_label.setVisible(image is not None)
        if image is None:
            self.text_label.setText(text)
            self.adjustSize()
            self.move(global_pos + QPoint(14, 14))
            self.show()
            return
        qimage = array_to_qimage(image)
        side = max(qimage.width(), qimage.height())
        if side > self.THUMB:  # photos: shrink smoothly to the card's size
            pixmap = QPixmap.fromImage(qimage).scaled(
                self.THUMB, self.THUMB, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation)
        else:
            scale = max(1, self.THUMB // side)
            pixmap = QPixmap.fromImage(qimage).scaled(
                qimage.width() * scale, qimage.height() * scale,
                Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)
        self.image_label.setPixmap(pixmap)
        self.text_label.setText(text)
        self.adjustSize()
        self.move(global_pos + QPoint(14, 14))
        self.show()

    def hide_card(self) -> None:
        """Hide the card."""
        self.index = None
        self.hide()
