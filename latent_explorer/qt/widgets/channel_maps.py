"""Painted heat maps of a spatial latent's channels: a grid of all, and one large to brush on."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from latent_explorer.core.analysis.spatial_edits import heat_colors
from latent_explorer.qt.images import array_to_qimage


class QtChannelGrid(QWidget):
    """One small heat map per channel, in a grid; a click picks a channel."""

    channel_clicked = Signal(int)
    """The channel the user clicked. Emitted on the GUI thread."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._images: list[QImage] = []
        self.picked = 0
        self.setMinimumHeight(60)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

    def sizeHint(self) -> QSize:
        return QSize(300, 140)

    def set_maps(self, maps: np.ndarray, limits: np.ndarray) -> None:
        """Show channel maps ``(C, h, w)`` coloured over per-channel ``limits`` ``(C, 2)``."""
        self._images = [array_to_qimage(heat_colors(m, float(lo), float(hi)))
                        for m, (lo, hi) in zip(maps, limits, strict=True)]
        self.update()

    def columns(self) -> int:
        """Number of columns of the grid: the one that makes the maps largest."""
        count = max(1, len(self._images))

        def side(cols: int) -> float:
            return min(self.width() / cols, self.height() / math.ceil(count / cols))

        return max(range(1, count + 1), key=side)

    def cell_rect(self, channel: int) -> QRect:
        """Where ``channel``'s map is drawn."""
        cols = self.columns()
        rows = math.ceil(max(1, len(self._images)) / cols)
        side = max(8, min((self.width() - 4) // cols, (self.height() - 4) // rows))
        row, col = divmod(channel, cols)
        return QRect(2 + col * side + 2, 2 + row * side + 2, side - 4, side - 4)

    def channel_at(self, pos: QPointF) -> int | None:
        """The channel whose map is under ``pos``, or ``None``."""
        for channel in range(len(self._images)):
            if self.cell_rect(channel).adjusted(-2, -2, 2, 2).contains(pos.toPoint()):
                return channel
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        channel = self.channel_at(event.position())
        if channel is not None:
            self.channel_clicked.emit(channel)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        for channel, image in enumerate(self._images):
            rect = self.cell_rect(channel)
            painter.drawImage(rect, image)
            if channel == self.picked:
                painter.setPen(QPen(QColor("#ffd166"), 2))
                painter.drawRect(rect.adjusted(-1, -1, 1, 1))
            painter.setPen(QColor("#ffffff"))
            painter.drawText(rect.adjusted(3, 1, 0, 0),
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, str(channel))
        painter.end()


class QtChannelCanvas(QWidget):
    """One channel's heat map, large; dragging paints on it with a brush.

    The left button raises the values under the brush, the right button (or Shift) lowers
    them. Positions are reported in latent cells (row, column; fractional).
    """

    dabbed = Signal(float, float, bool)
    """(row, column, lower) of one brush dab. Emitted on the GUI thread."""
    stroke_finished = Signal()
    """The mouse button was released after a stroke. Emitted on the GUI thread."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._size = (0, 0)
        self.radius = 2.0
        self._hover: QPointF | None = None
        self._lower = False
        self._painting = False
        self.setMouseTracking(True)
        self.setMinimumSize(120, 120)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(240, 240)

    def set_map(self, values: np.ndarray, low: float, high: float) -> None:
        """Show one channel's map ``(h, w)`` coloured from ``low`` to ``high``."""
        self._size = (int(values.shape[0]), int(values.shape[1]))
        self._image = array_to_qimage(heat_colors(values, low, high))
        self.update()

    def map_rect(self) -> QRectF:
        """Where the map is drawn (square cells, centred)."""
        h, w = self._size
        if not h or not w:
            return QRectF()
        cell = min((self.width() - 8) / w, (self.height() - 8) / h)
        return QRectF((self.width() - cell * w) / 2, (self.height() - cell * h) / 2,
                      cell * w, cell * h)

    def cell_at(self, pos: QPointF) -> tuple[float, float] | None:
        """The (row, column) under widget position ``pos`` (cell centres are whole numbers)."""
        rect = self.map_rect()
        if rect.isEmpty() or not rect.adjusted(-4, -4, 4, 4).contains(pos):
            return None
        h, w = self._size
        col = (pos.x() - rect.left()) / rect.width() * w - 0.5
        row = (pos.y() - rect.top()) / rect.height() * h - 0.5
        return float(row), float(col)

    def widget_pos(self, row: float, col: float) -> QPointF:
        """The widget position of cell ``(row, col)``'s centre (for tests and the cursor)."""
        rect = self.map_rect()
        h, w = self._size
        return QPointF(rect.left() + (col + 0.5) / w * rect.width(),
                       rect.top() + (row + 0.5) / h * rect.height())

    def _dab(self, event: QMouseEvent) -> None:
        cell = self.cell_at(event.position())
        if cell is not None:
            self.dabbed.emit(cell[0], cell[1], self._lower)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() not in (Qt.MouseButton.LeftButton, Qt.MouseButton.RightButton):
            return
        self._painting = True
        self._lower = (event.button() == Qt.MouseButton.RightButton
                       or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        self._dab(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self._hover = event.position()
        if self._painting:
            self._dab(event)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._painting:
            self._painting = False
            self.stroke_finished.emit()

    def leaveEvent(self, event: object) -> None:
        self._hover = None
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        if self._image is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(self.map_rect(), self._image)
            if self._hover is not None and self._size[1]:
                cell = self.map_rect().width() / self._size[1]
                painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
                painter.setPen(QPen(QColor(255, 255, 255, 200), 1.5))
                painter.drawEllipse(self._hover, self.radius * cell, self.radius * cell)
        painter.end()
