"""A grid of small images (optionally pairs: original beside its reconstruction) to click;
with fields, a compact card per item: its picture (if any) beside the row's fields."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from latent_explorer.qt.images import array_to_qimage

GAP = 6
CAPTION_H = 14
HIGHLIGHT = QColor("#ffd166")
CARD_TEXT_W = 150
"""Width of a card's fields beside its picture (pixels)."""
FIELD_LINES = 4
"""Fields a card shows at most."""


class QtThumbnailGrid(QWidget):
    """Thumbnails in rows that wrap to the width; a click emits the item's key.

    Each item shows one image, or two side by side (``set_items(..., second=...)``: the
    original and its reconstruction). The second images may arrive later
    (:meth:`set_second`), e.g. from a decode job.
    """

    item_clicked = Signal(int)
    """The key (usually a sample index) of the clicked item. Emitted on the GUI thread."""
    items_changed = Signal()
    """New items were set (:meth:`set_items`), so their fields may be added. Emitted on the
    GUI thread."""

    def __init__(self, side: int = 48, placeholder: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.side = side
        self.placeholder = placeholder
        self.keys: list[int] = []
        self.captions: list[str] = []
        self.first: list[QImage | None] = []
        self.second: list[QImage | None] | None = None
        self.highlight: int | None = None
        self.colours: list[QColor] | None = None
        self.fields: list[list[tuple[str, str]]] | None = None
        """Each item's ``(column, value)`` fields: with them, items are cards."""
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(side + CAPTION_H + 2 * GAP)

    # --- data -----------------------------------------------------------------------------
    def set_items(self, keys: list[int], images: list[np.ndarray | None],
                  captions: list[str] | None = None, paired: bool = False) -> None:
        """Show ``images`` for ``keys``; ``paired`` leaves room for a second image each."""
        self.keys = [int(k) for k in keys]
        self.first = [None if i is None or np.ndim(i) < 2 else array_to_qimage(i)
                      for i in images]
        self.captions = captions if captions is not None else [f"#{k}" for k in self.keys]
        self.second = [None] * len(self.keys) if paired else None
        self.colours = None
        self.fields = None
        self._relayout()
        self.items_changed.emit()

    def set_fields(self, fields: list[list[tuple[str, str]]] | None) -> None:
        """Show each item as a card with its fields, ``(column, value)`` pairs in the order
        of the keys (``None``: pictures only, as before)."""
        self.fields = None if fields is None else [list(f) for f in fields]
        self._relayout()

    def set_colours(self, colours: list[QColor] | None) -> None:
        """A colour swatch under each item (e.g. its cluster's colour on the map)."""
        self.colours = colours
        self.update()

    def set_second(self, images: list[np.ndarray | None]) -> None:
        """The second image of each item (reconstructions), in the order of the keys."""
        if self.second is None:
            return
        self.second = [None if i is None or np.ndim(i) < 2 else array_to_qimage(i)
                       for i in images[: len(self.keys)]]
        self.second += [None] * (len(self.keys) - len(self.second))
        self.update()

    def set_highlight(self, key: int | None) -> None:
        """Frame the item ``key`` (``None``: none)."""
        self.highlight = key
        self.update()

    # --- geometry -------------------------------------------------------------------------
    def _small_font(self) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(max(6.5, font.pointSizeF() * 0.78))
        return font

    def _pictures_shown(self) -> bool:
        """Whether cards leave room for pictures (some item has one, or a second)."""
        return self.fields is None or self.second is not None or any(
            image is not None for image in self.first)

    def _picture_width(self) -> int:
        if not self._pictures_shown():
            return 0
        return self.side * (2 if self.second is not None else 1) + (
            2 if self.second is not None else 0)

    def _cell_size(self) -> QSize:
        width = self._picture_width()
        if self.fields is None:
            return QSize(width, self.side + CAPTION_H)
        line = QFontMetrics(self._small_font()).lineSpacing()
        lines = max([len(f) for f in self.fields] + [1])
        text_h = (min(lines, FIELD_LINES) + 1) * line
        picture_h = self.side + CAPTION_H if width else 0
        return QSize(width + (4 if width else 0) + CARD_TEXT_W,
                     max(picture_h, text_h) + 2)

    def _columns(self) -> int:
        cell = self._cell_size()
        return max(1, (self.width() - GAP) // (cell.width() + GAP))

    def cell_rect(self, i: int) -> QRect:
        """Where item ``i`` is drawn (widget pixels, caption included)."""
        cell = self._cell_size()
        cols = self._columns()
        row, col = divmod(i, cols)
        width = cell.width()
        if self.fields is not None:  # cards share the row's width: longer fields read whole
            width = max(width, (self.width() - GAP) // cols - GAP)
        return QRect(GAP + col * (width + GAP), GAP + row * (cell.height() + GAP),
                     width, cell.height())

    def _relayout(self) -> None:
        rows = -(-len(self.keys) // self._columns()) if self.keys else 1
        self.setMinimumHeight(GAP + rows * (self._cell_size().height() + GAP))
        self.updateGeometry()
        self.update()

    def resizeEvent(self, event: object) -> None:
        self._relayout()

    def sizeHint(self) -> QSize:
        return QSize(4 * (self._cell_size().width() + GAP), self.minimumHeight())

    # --- drawing and input ----------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        if not self.keys:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect().adjusted(8, 4, -8, -4),
                             Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                             self.placeholder)
            painter.end()
            return
        painter.setFont(self._small_font())
        text_colour = self.palette().color(QPalette.ColorRole.Text)
        for i, key in enumerate(self.keys):
            rect = self.cell_rect(i)
            if not rect.intersects(event.rect()):
                continue
            if self.fields is not None:
                self._draw_card(painter, i, rect, text_colour)
                if key == self.highlight:
                    painter.setPen(HIGHLIGHT)
                    painter.drawRect(rect.adjusted(-2, -2, 1, 1))
                continue
            image_rect = QRect(rect.x(), rect.y(), self.side, self.side)
            self._draw_image(painter, image_rect, self.first[i])
            if self.second is not None:
                self._draw_image(painter, image_rect.translated(self.side + 2, 0), self.second[i])
            if self.colours is not None and i < len(self.colours):
                painter.fillRect(QRect(rect.x(), rect.y() + self.side, rect.width(), 3),
                                 self.colours[i])
            painter.setPen(text_colour)
            painter.drawText(QRect(rect.x(), rect.y() + self.side, rect.width(), CAPTION_H),
                             Qt.AlignmentFlag.AlignCenter, self.captions[i])
            if key == self.highlight:
                painter.setPen(HIGHLIGHT)
                painter.drawRect(rect.adjusted(-2, -2, 1, 1))
        painter.end()

    def _draw_card(self, painter: QPainter, i: int, rect: QRect, text: QColor) -> None:
        """Item ``i`` as a card: its picture(s) and caption on the left (when pictures are
        shown), its caption and fields as ``name value`` lines beside."""
        painter.fillRect(rect, self.palette().color(QPalette.ColorRole.AlternateBase))
        width = self._picture_width()
        if width:
            image_rect = QRect(rect.x(), rect.y(), self.side, self.side)
            self._draw_image(painter, image_rect, self.first[i])
            if self.second is not None:
                self._draw_image(painter, image_rect.translated(self.side + 2, 0),
                                 self.second[i])
        if self.colours is not None and i < len(self.colours):
            painter.fillRect(QRect(rect.x(), rect.bottom() - 2, rect.width(), 3),
                             self.colours[i])
        metrics = painter.fontMetrics()
        line = metrics.lineSpacing()
        left = rect.x() + width + (4 if width else 3)
        room = rect.right() - left - 2
        painter.setPen(text)
        bold = QFont(painter.font())
        bold.setBold(True)
        plain = painter.font()
        painter.setFont(bold)
        painter.drawText(QRect(left, rect.y(), room, line), Qt.AlignmentFlag.AlignLeft,
                         self.captions[i])
        painter.setFont(plain)
        dim = QColor(text)
        dim.setAlpha(150)
        fields = self.fields[i] if self.fields is not None and i < len(self.fields) else []
        for row, (name, value) in enumerate(fields[:FIELD_LINES]):
            y = rect.y() + (row + 1) * line
            painter.setPen(dim)
            label = metrics.elidedText(name, Qt.TextElideMode.ElideRight, room // 2)
            painter.drawText(QRect(left, y, room, line), Qt.AlignmentFlag.AlignLeft, label)
            shift = metrics.horizontalAdvance(label + " ")
            painter.setPen(text)
            painter.drawText(QRect(left + shift, y, room - shift, line),
                             Qt.AlignmentFlag.AlignLeft,
                             metrics.elidedText(value, Qt.TextElideMode.ElideRight,
                                                room - shift))

    def _draw_image(self, painter: QPainter, rect: QRect, image: QImage | None) -> None:
        if image is None:
            painter.fillRect(rect, QColor(60, 64, 72))
            return
        painter.drawImage(rect, image)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        for i, key in enumerate(self.keys):
            if self.cell_rect(i).contains(pos):
                self.item_clicked.emit(key)
                return
