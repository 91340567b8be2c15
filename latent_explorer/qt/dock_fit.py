"""Docks that give way: the map keeps at least half of the window's width.

The window's docks sit in two columns beside the map (projection, path and the research
panels on the left; decoder and sliders on the right). On a laptop screen (1366x768) or a
window a notebook opened at 800 px, the columns' smallest widths left the map a sliver. So
after every resize, when the map has less than half the width:

1. both columns narrow, in proportion, down to the smallest width their panels take;
2. where that is not enough, the left column's docks move into the right one, as tabs beside
   the latent sliders (the decoder stays on top), and that single column narrows.

When the window grows wide enough again, the two columns come back as they were, unless the
user has moved docks meanwhile (then their arrangement stays). The layout remembered for the
next start is the two-column one, so a large screen never inherits a laptop's tabs.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QWidget

MAP_SHARE = 0.5
"""The part of the window's width the map keeps, at least."""
SEPARATORS_PX = 16
"""Room taken by the splitters and frames between the map and the columns."""
COLUMN_PX = 420
"""The width a single column of docks takes when there is room (the default layout's)."""
RETURN_MARGIN_PX = 60
"""How much room beyond the need the two columns wait for before they come back (so a window
resized back and forth near the limit does not flip between layouts)."""

_LEFT = Qt.DockWidgetArea.LeftDockWidgetArea
_RIGHT = Qt.DockWidgetArea.RightDockWidgetArea
_HORIZONTAL = Qt.Orientation.Horizontal


class DockFitter(QObject):
    """Keeps ``central`` (the map) at least :data:`MAP_SHARE` of ``window``'s width.

    Parameters
    ----------
    window
        The main window whose docks give way.
    central
        The map's widget (the window's central widget).
    docks
        Every dock of the window, left and right (others are left alone).
    beside
        The right-column dock the left docks join as tabs on a narrow window (the sliders).
    layout_version
        The version the window saves and restores its dock layout under.
    """

    def __init__(self, window: QMainWindow, central: QWidget, docks: Sequence[QDockWidget],
                 beside: QDockWidget, layout_version: int = 0) -> None:
        super().__init__(window)
        self.layout_version = layout_version
        self.window = window
        self.central = central
        self.docks = list(docks)
        self.beside = beside
        self.compact = False
        """Whether the left docks have joined the right column (a narrow window)."""
        self._wide_state: QByteArray | None = None
        self._came_from_left: list[QDockWidget] = []
        self._moving = False
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self.fit)
        window.installEventFilter(self)
        for dock in self.docks:
            dock.dockLocationChanged.connect(self._on_user_moved)
            dock.topLevelChanged.connect(self._on_user_moved)
            dock.visibilityChanged.connect(lambda _: self._timer.start())

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() in (QEvent.Type.Resize, QEvent.Type.Show):
            self._timer.start()
        return False

    def state_to_remember(self, current: QByteArray) -> QByteArray:
        """The dock layout to keep for the next start: the two columns as they were before a
        narrow window tabbed them (unless the user rearranged the docks since)."""
        return self._wide_state if self.compact and self._wide_state is not None else current

    def fit(self) -> None:
        """Make room for the map now (called after every resize)."""
        window = self.window
        width = window.width()
        if not window.isVisible() or width <= 0:
            return
        budget = int(width * (1 - MAP_SHARE)) - SEPARATORS_PX
        left, right = self._column(_LEFT), self._column(_RIGHT)
        if self.compact and not any(d in right for d in self._came_from_left):
            self.compact = False  # the layout was reset or rearranged meanwhile
        if self.compact:
            if self._wide_state is not None and self._two_columns_fit(budget):
                self._expand()
                left, right = self._column(_LEFT), self._column(_RIGHT)
            else:
                self._size_column(right, budget)
                return
        if self.central.width() >= width * MAP_SHARE - 1:
            return
        need = _min_width(left) + _min_width(right)
        if need <= budget or not left or not right:
            self._narrow(left, right, budget)
            return
        self._collapse(left)
        self._size_column(self._column(_RIGHT), budget)

    # --- the two layouts ------------------------------------------------------------------
    def _narrow(self, left: list[QDockWidget], right: list[QDockWidget], budget: int) -> None:
        """Both columns narrower, in proportion, not below what their panels need."""
        widths = [max((d.width() for d in column), default=0) for column in (left, right)]
        total = sum(widths)
        if total <= budget or total == 0:
            return
        left_w = max(_min_width(left), int(widths[0] * budget / total)) if left else 0
        right_w = max(_min_width(right), budget - left_w) if right else 0
        left_w = max(_min_width(left), budget - right_w) if left else 0
        with self._by_us():
            if left:
                self.window.resizeDocks([left[0]], [left_w], _HORIZONTAL)
            if right:
                self.window.resizeDocks([right[0]], [right_w], _HORIZONTAL)

    def _collapse(self, left: list[QDockWidget]) -> None:
        """The left docks join the right column as tabs beside :attr:`beside`."""
        self._wide_state = self.window.saveState(self.layout_version)
        self._came_from_left = list(left)
        with self._by_us():
            in_front = [d for d in self._column(_RIGHT) if not d.visibleRegion().isEmpty()]
            for dock in left:
                self.window.addDockWidget(_RIGHT, dock)
                self.window.tabifyDockWidget(self.beside, dock)
            for dock in in_front:
                dock.raise_()
        self.compact = True

    def _expand(self) -> None:
        """The two columns as they were before :meth:`_collapse`; docks closed meanwhile (by
        the user, or hidden for a map that cannot use them) stay closed, and docks opened
        meanwhile (the Charts once the data has a column to chart) stay open."""
        assert self._wide_state is not None
        docks = self.window.findChildren(QDockWidget)
        closed = [d for d in docks if d.isHidden()]
        opened = [d for d in docks if not d.isHidden()]
        with self._by_us():
            self.window.restoreState(self._wide_state, self.layout_version)
            for dock in closed:
                dock.hide()
            for dock in opened:
                if dock.isHidden():
                    dock.show()
        self._wide_state = None
        self.compact = False

    def _size_column(self, column: list[QDockWidget], budget: int) -> None:
        """The single column: its usual width where that leaves the map its share, else
        narrower, down to what its panels need."""
        if not column:
            return
        width = max(_min_width(column), min(budget, COLUMN_PX))
        if abs(max(d.width() for d in column) - width) <= 1:
            return
        with self._by_us():
            self.window.resizeDocks([column[0]], [width], _HORIZONTAL)

    def _two_columns_fit(self, budget: int) -> bool:
        """Whether the docks that came from the left and those of the right fit side by side."""
        right = self._column(_RIGHT)
        came = [d for d in right if d in self._came_from_left]
        stayed = [d for d in right if d not in self._came_from_left]
        return _min_width(came) + _min_width(stayed) + RETURN_MARGIN_PX <= budget

    # --- helpers --------------------------------------------------------------------------
    def _column(self, area: Qt.DockWidgetArea) -> list[QDockWidget]:
        """The docks shown in ``area``, docked (not floating, not closed)."""
        return [d for d in self.docks if self.window.dockWidgetArea(d) == area
                and not d.isFloating() and not d.isHidden()]

    def _by_us(self) -> _Moving:
        return _Moving(self)

    def _on_user_moved(self, *_: object) -> None:
        if not self._moving:
            self._wide_state = None  # the user's own arrangement from now on
        self._timer.start()


class _Moving:
    """While the fitter moves docks, their signals are not the user's doing."""

    def __init__(self, fitter: DockFitter) -> None:
        self.fitter = fitter

    def __enter__(self) -> None:
        self.fitter._moving = True

    def __exit__(self, *exc: object) -> None:
        self.fitter._moving = False


def _min_width(column: Sequence[QDockWidget]) -> int:
    """The narrowest a column of docks can be: its widest panel's smallest width."""
    return max((max(d.minimumSizeHint().width(), d.minimumWidth()) for d in column), default=0)
