"""The notices above the decoder's panes: whole where there is room, scrolling where not.

A map with no decoder shows, where the decoded image would be, why there is none, training one
and the model files that open with no code: a dozen wrapped lines. Qt sizes a dock without
asking a wrapped label how tall it is at its width, so on a laptop screen those lines were cut
off mid-sentence (and with them the files they name). :class:`QtNoticeArea` holds them in a
scroll area that asks for their whole height at its width, so they show whole when the dock
has the room, scroll when it has not, and never make the window taller than the screen. When
a notice appears in a dock too low for it, the dock grows as far as the docks around it can
give (they scroll). The area hides itself while no notice is shown.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QMainWindow,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

MIN_HEIGHT = 90
"""The least height of the notices when the dock is low (the rest is a scroll away)."""
_SHOWN = (QEvent.Type.ShowToParent, QEvent.Type.HideToParent)


class QtNoticeArea(QScrollArea):
    """A column of notices, each shown or hidden by whoever owns it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.notices: list[QWidget] = []
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        inner = QWidget()
        self._inner = inner
        self._column = QVBoxLayout(inner)
        self._column.setContentsMargins(0, 0, 0, 0)
        self._column.setSpacing(0)
        self.setWidget(inner)
        self.setVisible(False)
        self._asked = 0
        """The height the notices last asked their dock for (it is asked again when they
        grow: training adds its progress and loss plot)."""

    def add(self, widget: QWidget, after: QWidget | None = None) -> None:
        """Put ``widget`` first, or just below the notice ``after``."""
        index = 0 if after is None else self._column.indexOf(after) + 1
        self._column.insertWidget(index, widget)
        self.notices.insert(index, widget)
        widget.installEventFilter(self)
        self._update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched in self.notices and (event.type() in _SHOWN
                                        or event.type() == QEvent.Type.LayoutRequest):
            self._update()
        return super().eventFilter(watched, event)

    def sizeHint(self) -> QSize:
        """As wide as the notices want, as tall as their whole text at the present width."""
        inner = self._inner
        width = self.viewport().width() if self.isVisible() else inner.sizeHint().width()
        height = inner.heightForWidth(width) if inner.hasHeightForWidth() else -1
        return QSize(inner.sizeHint().width(),
                     height if height > 0 else inner.sizeHint().height())

    def minimumSizeHint(self) -> QSize:
        hint = self.sizeHint()
        return QSize(self._inner.minimumSizeHint().width(), min(hint.height(), MIN_HEIGHT))

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.updateGeometry()  # a new width asks a new height of the wrapped lines

    def _update(self) -> None:
        shown = any(not notice.isHidden() for notice in self.notices)
        if shown and self.isHidden():
            self._asked = 0
        self.setVisible(shown)
        self.updateGeometry()
        if shown:
            QTimer.singleShot(0, self._grown)

    def _grown(self) -> None:
        wanted = self.sizeHint().height()
        if wanted > self._asked:
            self._asked = wanted
            self.make_room()

    def make_room(self) -> None:
        """Grow the dock this area is in by what the notices lack, as far as the docks above
        and below it can give."""
        if not self.isVisible():
            return
        lacking = self.sizeHint().height() - self.height()
        dock = self.parentWidget()
        while dock is not None and not isinstance(dock, QDockWidget):
            dock = dock.parentWidget()
        if lacking <= 0 or dock is None or dock.isFloating():
            return
        window = dock.parentWidget()
        if isinstance(window, QMainWindow):
            # The docks sharing the column give what they can spare above their smallest size.
            area = window.dockWidgetArea(dock)
            others = [d for d in window.findChildren(QDockWidget)
                      if d is not dock and d.isVisible() and not d.isFloating()
                      and window.dockWidgetArea(d) == area and d.x() == dock.x()
                      and not d.visibleRegion().isEmpty()]
            spare = sum(max(0, d.height() - d.minimumSizeHint().height()) for d in others)
            grow = min(lacking, spare)
            if grow <= 0:
                return
            sizes, left = [], grow
            for other in others:
                give = min(left, max(0, other.height() - other.minimumSizeHint().height()))
                sizes.append(other.height() - give)
                left -= give
            window.resizeDocks([dock, *others], [dock.height() + grow, *sizes],
                               Qt.Orientation.Vertical)
