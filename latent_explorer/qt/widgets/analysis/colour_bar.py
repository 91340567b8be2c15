"""A horizontal colour bar: the continuous colour map with its column name and an axis.

The axis is numeric, or time for a date column (ticks on round years, months, days or hours);
a score's bar also says what its low and high ends mean (``isolated: far from its
neighbours``).
"""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QSizePolicy, QWidget

from latent_explorer.core.analysis.axis_ticks import Tick

_BAR_TOP = 18
_BAR_HEIGHT = 12


class QtColourBar(QWidget):
    """Shows which colour stands for which value of a numeric or date column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colours: list[QColor] = []
        self.title = ""
        self.low = 0.0
        self.high = 1.0
        self.ticks: list[Tick] = []
        """Positions and labels of the axis under the bar."""
        self.time_axis = False
        """The axis shows times (the column holds dates)."""
        self.ends: tuple[str, str] | None = None
        """What the low and high ends mean, written under the axis."""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMinimumHeight(self._height())

    def set_range(self, title: str, colours: list[QColor], low: float, high: float,
                  ticks: list[Tick] | None = None, time_axis: bool = False,
                  ends: tuple[str, str] | None = None) -> None:
        """Show ``colours`` (low to high) for values ``low .. high`` of column ``title``,
        with ``ticks`` on its axis (a time axis with ``time_axis``) and the meaning of its
        two ends (``ends``)."""
        self.title, self.colours, self.low, self.high = title, list(colours), low, high
        self.ticks = list(ticks or [])
        self.time_axis = time_axis
        self.ends = ends
        self.setMinimumHeight(self._height())
        self.updateGeometry()
        self.update()

    def _height(self) -> int:
        return 50 + (32 if getattr(self, "ends", None) else 0)

    def sizeHint(self) -> QSize:
        return QSize(200, self._height())

    def bar_rect(self) -> QRect:
        """Where the gradient is drawn (widget pixels)."""
        return QRect(8, _BAR_TOP, max(10, self.width() - 16), _BAR_HEIGHT)

    def tick_x(self, value: float) -> int:
        """The x pixel of ``value`` on the axis."""
        rect = self.bar_rect()
        span = self.high - self.low or 1.0
        return rect.left() + round((value - self.low) / span * rect.width())

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
        kind = "  (time)" if self.time_axis else ""
        painter.drawText(QRect(8, 0, self.width() - 16, 16),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         self.title + kind)
        below = rect.bottom() + 2
        metrics = painter.fontMetrics()
        shown_right = -10**6
        for value, label in self.ticks:
            x = self.tick_x(value)
            painter.drawLine(x, rect.bottom() - 2, x, below + 2)
            width = metrics.horizontalAdvance(label)
            left = min(max(x - width // 2, 2), self.width() - width - 2)
            if left > shown_right + 6:  # never overlap two labels
                painter.drawText(QRect(left, below + 3, width + 2, 14),
                                 Qt.AlignmentFlag.AlignLeft, label)
                shown_right = left + width
        if self.ends:  # one line each, so both fit a narrow dock
            low = QRect(8, below + 19, self.width() - 16, 14)
            painter.drawText(low, Qt.AlignmentFlag.AlignLeft, f"◀ {self.ends[0]}")
            painter.drawText(low.translated(0, 16), Qt.AlignmentFlag.AlignRight,
                             f"{self.ends[1]} ▶")
        painter.end()
