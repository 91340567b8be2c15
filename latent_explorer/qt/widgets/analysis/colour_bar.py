"""A horizontal colour bar: the continuous colour map with its column name and value range."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget


class QtColourBar(QWidget):
    """Shows which colour stands for which value of a numeric column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colours: list[QColor] = []
        self.title = ""
        self.low = 0.0
        self.high = 1.0
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(44)

    def set_range(self, title: str, colours: list[QColor], low: float, high: float) -> None:
        """Show ``colours`` (low to high) for values ``low .. high`` of column ``title``."""
        self.title, self.colours, self.low, self.high = title, list(colours), low, high
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(200, 44)

    def bar_rect(self) -> QRect:
        """Where the gradient is drawn (widget pixels)."""
        return QRect(8, 18, max(10, self.width() - 16), 12)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        text = self.palette().color(QPalette.ColorRole.Text)
        rect = self.bar_rect()
        if self.colours:
            gradient = QLinearGradient(rect.left(), 0, rect.right(), 0)
            last = max(1, len(self.colours) - 1)
            for i, colour in enumerate(self.colours):
                gradient.setColorAt(i / last, colour)
            painter.fillRect(rect, gradient)
        painter.setPen(text)
        painter.drawText(QRect(8, 0, self.width() - 16, 16),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, self.title)
        below = QRect(8, rect.bottom() + 2, self.width() - 16, 14)
        painter.drawText(below, Qt.AlignmentFlag.AlignLeft, f"≤ {self.low:.4g}")
        painter.drawText(below, Qt.AlignmentFlag.AlignRight, f"≥ {self.high:.4g}")
        painter.end()
