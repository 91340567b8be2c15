"""The main window's docks: how each is made, their first sizes, and tabs that show whole
titles."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QTabBar, QWidget

from latent_explorer.core.analysis.latent_stats import LatentStats
from latent_explorer.qt.widgets.channel_view import QtChannelView

SCROLL_MIN_HEIGHT = 120
"""The least height of a panel that scrolls (the rest of it is a scroll away)."""


class QtDockScroll(QScrollArea):
    """A panel that scrolls up and down when its dock is lower than the panel wants.

    Tall panels (the path, the colours, the selection) would otherwise set the window's
    minimum height: on a laptop screen, with docks tabbed into one column, the window would
    no longer fit. The panel keeps its own minimum width (it never scrolls sideways).
    """

    def __init__(self, widget: QWidget) -> None:
        super().__init__()
        self.setWidget(widget)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def minimumSizeHint(self) -> QSize:
        # As narrow as the panel (when it scrolls, its bar takes a little of that width).
        widget = self.widget()
        if widget is None:
            return super().minimumSizeHint()
        inner = widget.minimumSizeHint()
        return QSize(inner.width(), min(inner.height(), SCROLL_MIN_HEIGHT))


def add_dock(window: QMainWindow, title: str, widget: QWidget,
             area: Qt.DockWidgetArea, scroll: bool = True) -> QDockWidget:
    """Put ``widget`` in a movable, floatable, closable dock named after ``title``; with
    ``scroll``, in a :class:`QtDockScroll`, so a low dock scrolls instead of growing the
    window."""
    dock = QDockWidget(title, window)
    dock.setObjectName(title.lower().replace(" ", "_") + "_dock")
    dock.setWidget(QtDockScroll(widget) if scroll else widget)
    dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                     | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                     | QDockWidget.DockWidgetFeature.DockWidgetClosable)
    window.addDockWidget(area, dock)
    return dock


def size_default_docks(window: QMainWindow, projection: QDockWidget, path: QDockWidget,
                       filmstrip: QDockWidget, decoder: QDockWidget,
                       sliders: QDockWidget) -> None:
    """The first layout's sizes: a short projection panel over a tall path panel, a low
    filmstrip, and the decoder beside the sliders."""
    window.resizeDocks([projection, path], [230, 520], Qt.Orientation.Vertical)
    window.resizeDocks([filmstrip], [140], Qt.Orientation.Vertical)
    window.resizeDocks([decoder, sliders], [420, 420], Qt.Orientation.Horizontal)
    window.resizeDocks([projection], [230], Qt.Orientation.Horizontal)
    window.resizeDocks([decoder, sliders], [380, 480], Qt.Orientation.Vertical)


def readable_dock_tabs(window: QMainWindow) -> None:
    """Tabbed docks show their whole titles ("Selection", not "Sel..."), scrolling when there
    are more tabs than fit."""
    for bar in window.findChildren(QTabBar):
        if bar.parent() is window:  # the main window's dock tabs, not those inside panels
            bar.setElideMode(Qt.TextElideMode.ElideNone)
            bar.setUsesScrollButtons(True)


def add_channels_dock(window: QMainWindow, view: QtChannelView,
                      beside: QDockWidget) -> QDockWidget:
    """The Channels dock, tabbed with ``beside``; hidden until a model has spatial latents."""
    dock = add_dock(window, "Channels", view, Qt.DockWidgetArea.RightDockWidgetArea)
    window.tabifyDockWidget(beside, dock)
    dock.hide()
    return dock


def show_channels(dock: QDockWidget, view: QtChannelView, latent_shape: tuple[int, ...],
                  stats: LatentStats | None) -> None:
    """Set the channel view up for latents of ``latent_shape``; its dock shows (in front) for
    spatial latents only, where channel maps mean something."""
    view.set_latent_shape(latent_shape, stats)
    dock.setVisible(view.spatial)
    if view.spatial:
        dock.raise_()
