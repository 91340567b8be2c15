"""A status bar whose messages end on a whole word ("…") when they do not fit."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPaintEvent
from PySide6.QtWidgets import QStatusBar, QStyle, QStyleOption, QStyleOptionFrame, QWidget

ELLIPSIS = "\u2026"


class QtStatusBar(QStatusBar):
    """Like :class:`QStatusBar`, but a message too long for the room left by the permanent
    widgets is cut after its last whole word that fits, with an ellipsis, and the whole
    message is the bar's tooltip. :meth:`currentMessage` keeps the whole text.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._permanent: list[QWidget] = []
        self.messageChanged.connect(self._on_message_changed)

    def addPermanentWidget(self, widget: QWidget, stretch: int | None = 0) -> None:
        """Add ``widget`` at the right end (it stays visible while a message shows)."""
        self._permanent.append(widget)
        super().addPermanentWidget(widget, stretch or 0)

    def message_rect(self) -> QRect:
        """Where the message is drawn: from the left edge to the first permanent widget."""
        right = self.width() - 4
        for widget in self._permanent:
            if widget.isVisible():
                right = min(right, widget.geometry().left() - 8)
        return QRect(6, 0, max(0, right - 6), self.height())

    def shown_message(self) -> str:
        """The message as drawn (cut on a word boundary when it does not fit)."""
        return elide_words(self.currentMessage(), self.fontMetrics(), self.message_rect().width())

    def _on_message_changed(self, message: str) -> None:
        self.setToolTip(message if message and self.shown_message() != message else "")

    def paintEvent(self, event: QPaintEvent) -> None:
        message = self.currentMessage()
        if not message:
            super().paintEvent(event)
            return
        painter = QPainter(self)
        option = QStyleOption()
        option.initFrom(self)
        self.style().drawPrimitive(QStyle.PrimitiveElement.PE_PanelStatusBar, option, painter,
                                   self)
        for widget in self._permanent:
            if widget.isVisible():
                frame = QStyleOptionFrame()
                frame.rect = widget.geometry().adjusted(-2, -1, 2, 1)
                frame.lineWidth = self.style().pixelMetric(
                    QStyle.PixelMetric.PM_DefaultFrameWidth, None, self)
                frame.state |= QStyle.StateFlag.State_Sunken | QStyle.StateFlag.State_Raised
                self.style().drawPrimitive(QStyle.PrimitiveElement.PE_FrameStatusBarItem, frame,
                                           painter, widget)
        painter.setPen(self.palette().windowText().color())
        painter.drawText(self.message_rect(), Qt.AlignmentFlag.AlignLeading
                         | Qt.AlignmentFlag.AlignVCenter | Qt.TextFlag.TextSingleLine,
                         self.shown_message())
        painter.end()


def elide_words(text: str, metrics: QFontMetrics, width: int) -> str:
    """``text`` if it fits in ``width`` pixels, else its longest run of whole words that fits
    followed by an ellipsis."""
    if metrics.horizontalAdvance(text) <= width:
        return text
    words = text.split(" ")
    for count in range(len(words) - 1, 0, -1):
        candidate = " ".join(words[:count]).rstrip(" ,;:") + ELLIPSIS
        if metrics.horizontalAdvance(candidate) <= width:
            return candidate
    return metrics.elidedText(text, Qt.TextElideMode.ElideRight, width)
