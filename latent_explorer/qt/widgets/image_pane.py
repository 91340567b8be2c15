"""A pane that shows one small image large and crisp, with a caption (or, for a sample with
no picture, its fields)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from latent_explorer.qt.images import array_to_qimage


class QtImagePane(QWidget):
    """Draws a uint8 image scaled to fit by whole pixels (nearest neighbour), centred.

    Small decoded images (8x8, 28x28) stay sharp: each image pixel becomes a square block.
    Shows ``placeholder`` when empty and an error text (in red) when :meth:`show_error` is used.
    """

    painted = Signal()
    """Emitted on the GUI thread after each repaint (used to time what reaches the screen)."""

    def __init__(self, caption: str = "", placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.caption = caption
        self.placeholder = placeholder
        self.array: np.ndarray | None = None
        self.error: str | None = None
        self._qimage: QImage | None = None
        self.fields: list[tuple[str, str]] = []
        """``(column, value)`` lines shown instead of a picture the sample does not have."""
        self.paint_count = 0
        self.setMinimumSize(96, 96)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(260, 280)

    def set_image(self, image: np.ndarray | None, caption: str | None = None) -> None:
        """Show ``image`` (uint8 HxW[xC]) or nothing; optionally change the caption."""
        self.array = None if image is None else np.asarray(image)
        self._qimage = None if image is None else array_to_qimage(image)
        self.error = None
        if caption is not None:
            self.caption = caption
        self.update()

    def set_fields(self, fields: list[tuple[str, str]]) -> None:
        """The sample's fields, shown (as ``column  value`` lines) when it has no picture."""
        self.fields = list(fields)
        self.update()

    def show_error(self, message: str) -> None:
        """Replace the image with an error message."""
        self.array = None
        self._qimage = None
        self.error = message
        self.update()

    def image_rect(self) -> QRect:
        """Where the image is drawn inside the widget (whole-pixel scale, centred)."""
        if self._qimage is None:
            return QRect()
        area = self.rect().adjusted(6, 6, -6, -24)
        iw, ih = self._qimage.width(), self._qimage.height()
        scale = min(area.width() / iw, area.height() / ih)
        if scale >= 1:
            scale = int(scale)
        w, h = max(1, int(iw * scale)), max(1, int(ih * scale))
        x = area.x() + (area.width() - w) // 2
        y = area.y() + (area.height() - h) // 2
        return QRect(x, y, w, h)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        pal = self.palette()
        painter.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        text_rect = self.rect().adjusted(6, 6, -6, -24)
        if self._qimage is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            target = self.image_rect()
            painter.fillRect(target.adjusted(-1, -1, 1, 1), QColor(0, 0, 0))
            painter.drawImage(target, self._qimage)
        elif self.error:
            painter.setPen(QColor(220, 70, 60))
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.error)
        elif self.fields:
            self._draw_fields(painter, text_rect)
        elif self.placeholder:
            painter.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(text_rect, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.placeholder)
        if self.caption:
            painter.setPen(pal.color(QPalette.ColorRole.Text))
            room = self.rect().adjusted(4, 0, -4, -4)
            # A long file name is shortened in the middle, where it says least.
            text = self.fontMetrics().elidedText(self.caption, Qt.TextElideMode.ElideMiddle,
                                                 room.width())
            painter.drawText(room, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                             text)
        painter.end()
        self.paint_count += 1
        self.painted.emit()

    def _draw_fields(self, painter: QPainter, area: QRect) -> None:
        """The fields as two columns, names dimmed, centred in ``area``."""
        metrics = painter.fontMetrics()
        line = metrics.lineSpacing() + 2
        rows = self.fields[: max(1, area.height() // line)]
        names = min(max(metrics.horizontalAdvance(n) for n, _ in rows) + 12, area.width() // 2)
        top = area.y() + max(0, (area.height() - len(rows) * line) // 2)
        text = self.palette().color(QPalette.ColorRole.Text)
        dim = QColor(text)
        dim.setAlpha(150)
        for i, (name, value) in enumerate(rows):
            y = top + i * line
            painter.setPen(dim)
            painter.drawText(QRect(area.x(), y, names - 8, line),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(name, Qt.TextElideMode.ElideRight, names - 8))
            painter.setPen(text)
            room = area.width() - names
            painter.drawText(QRect(area.x() + names, y, room, line),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(value, Qt.TextElideMode.ElideRight, room))
