"""The filmstrip: thumbnails along the active path, a timeline to scrub it, Play/Pause."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from latent_explorer.qt.images import array_to_qimage


class ThumbnailStrip(QWidget):
    """Evenly spaced decoded frames of the path, with the playhead's position marked."""

    frame_clicked = Signal(int)
    """The frame under a click (index into the path's frames). Emitted on the GUI thread."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: list[np.ndarray] = []
        self._qimages: list[QImage] = []
        self.frame_indices: list[int] = []
        self.frame_count = 0
        self.playhead = 0
        self.setMinimumHeight(72)

    def set_thumbnails(self, frame_indices: list[int], images: list[np.ndarray],
                       frame_count: int) -> None:
        """Show ``images`` (decoded at ``frame_indices`` of ``frame_count`` frames)."""
        self._qimages = [array_to_qimage(i) for i in images]
        self.images = images
        self.frame_indices = frame_indices
        self.frame_count = frame_count
        self.update()

    def set_playhead(self, frame: int) -> None:
        """Mark ``frame`` as the one shown."""
        self.playhead = frame
        self.update()

    def _cells(self) -> list[QRect]:
        n = len(self.images)
        if not n:
            return []
        side = min(self.height() - 8, max(16, (self.width() - 4 * (n + 1)) // n))
        total = n * side + (n - 1) * 4
        x0 = (self.width() - total) // 2
        return [QRect(x0 + i * (side + 4), 4, side, side) for i in range(n)]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().color(QPalette.ColorRole.Base))
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        cells = self._cells()
        if not cells:
            painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "Ctrl-click two or more points on the map (or Add keyframe) "
                             "to make a path")
        nearest = int(np.argmin([abs(f - self.playhead) for f in self.frame_indices])) \
            if cells else -1
        for i, (cell, image) in enumerate(zip(cells, self._qimages, strict=True)):
            painter.drawImage(cell, image)
            if i == nearest:
                painter.setPen(QColor("#ffd166"))
                painter.drawRect(cell.adjusted(-2, -2, 1, 1))
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        for cell, frame in zip(self._cells(), self.frame_indices, strict=True):
            if cell.contains(event.position().toPoint()):
                self.frame_clicked.emit(frame)
                return


class QtFilmstrip(QWidget):
    """Thumbnails, a timeline slider and Play/Pause for the active path."""

    frame_changed = Signal(int)
    """The user scrubbed or playback advanced to a frame. Emitted on the GUI thread."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strip = ThumbnailStrip()
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Play the path at its frame rate (Space)")
        self.timeline = QSlider(Qt.Orientation.Horizontal)
        self.timeline.setRange(0, 0)
        self.timeline.setToolTip("Scrub through the path's frames")
        self.frame_label = QLabel("no path")
        self.frame_label.setMinimumWidth(110)
        controls = QHBoxLayout()
        controls.addWidget(self.play_button)
        controls.addWidget(self.timeline, 1)
        controls.addWidget(self.frame_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.strip, 1)
        layout.addLayout(controls)
        self.loop = False
        self.fps = 30.0
        self.timer = QTimer(self)
        self.timer.timeout.connect(self._advance)
        self.play_button.toggled.connect(self._on_play_toggled)
        self.timeline.valueChanged.connect(self._on_timeline_changed)
        self.strip.frame_clicked.connect(self.timeline.setValue)

    def set_frame_count(self, count: int, fps: float, loop: bool) -> None:
        """Adapt the timeline to a path of ``count`` frames."""
        self.fps, self.loop = fps, loop
        self.timeline.blockSignals(True)
        self.timeline.setRange(0, max(0, count - 1))
        self.timeline.blockSignals(False)
        self.timer.setInterval(max(1, round(1000.0 / max(fps, 1.0))))
        self.play_button.setEnabled(count > 1)
        if count <= 1:
            self.play_button.setChecked(False)
        self._update_label()

    def _on_play_toggled(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        if playing:
            if self.timeline.value() >= self.timeline.maximum():
                self.timeline.setValue(0)
            self.timer.start()
        else:
            self.timer.stop()

    def _advance(self) -> None:
        value = self.timeline.value() + 1
        if value > self.timeline.maximum():
            if not self.loop:
                self.play_button.setChecked(False)
                return
            value = 0
        self.timeline.setValue(value)

    def _on_timeline_changed(self, value: int) -> None:
        self.strip.set_playhead(value)
        self._update_label()
        self.frame_changed.emit(value)

    def _update_label(self) -> None:
        count = self.timeline.maximum() + 1
        if self.timeline.maximum() == 0 and not self.strip.images:
            self.frame_label.setText("no path")
        else:
            self.frame_label.setText(f"frame {self.timeline.value() + 1} / {count}")
