"""A row of small previews: decoded images drawn crisp, 1-D signals drawn as line plots."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRect, QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPalette, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QWidget

from latent_explorer.qt.images import array_to_qimage


class QtThumbnail(QWidget):
    """One preview: a uint8 image ``(H, W, C)`` scaled by whole pixels, or a uint8 signal
    ``(L,)`` drawn as a line (0 at the bottom, 255 at the top)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.array: np.ndarray | None = None
        self.qimage: QImage | None = None
        self.setFixedSize(72, 72)

    def sizeHint(self) -> QSize:
        return QSize(72, 72)

    def set_array(self, array: np.ndarray | None) -> None:
        """Show ``array`` (see the class docstring), or nothing."""
        self.array = None if array is None else np.asarray(array, dtype=np.uint8)
        is_image = self.array is not None and self.array.ndim == 3
        self.qimage = array_to_qimage(self.array) if self.array is not None and is_image else None
        self.update()

    def image_rect(self) -> QRect:
        """Where the image is drawn (whole-pixel scale when it fits, centred)."""
        area = self.rect().adjusted(2, 2, -2, -2)
        if self.qimage is None:
            return area
        iw, ih = self.qimage.width(), self.qimage.height()
        scale = min(area.width() / iw, area.height() / ih)
        if scale >= 1:
            scale = int(scale)
        w, h = max(1, int(iw * scale)), max(1, int(ih * scale))
        return QRect(area.x() + (area.width() - w) // 2, area.y() + (area.height() - h) // 2,
                     w, h)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        if self.qimage is not None:
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(self.image_rect(), self.qimage)
        elif self.array is not None and self.array.ndim == 1 and self.array.size:
            area = self.image_rect()
            values = self.array.astype(np.float64) / 255.0
            xs = np.linspace(area.left(), area.right(), num=values.size)
            ys = area.bottom() - values * (area.height() - 1)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            painter.setPen(QColor(70, 140, 220))
            painter.drawPolyline(QPolygonF([QPointF(x, y) for x, y in zip(xs, ys, strict=True)]))
        painter.end()


class QtPreviewStrip(QWidget):
    """A row of :class:`QtThumbnail` for a batch of decoded uint8 images or signals."""

    def __init__(self, count: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.thumbnails = [QtThumbnail() for _ in range(count)]
        for thumb in self.thumbnails:
            layout.addWidget(thumb)
        layout.addStretch(1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_images(self, images: np.ndarray | None) -> None:
        """Show ``(N, H, W, C)`` uint8 images or ``(N, L)`` uint8 signals; ``None`` clears."""
        for i, thumb in enumerate(self.thumbnails):
            thumb.set_array(None if images is None or i >= len(images) else images[i])
        self.setToolTip("" if images is None else "Random latents from the prior, seed 0")

    def clear(self) -> None:
        """Show nothing."""
        self.set_images(None)

    def is_empty(self) -> bool:
        """Whether nothing is shown."""
        return all(t.array is None for t in self.thumbnails)
