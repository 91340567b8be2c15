"""On a narrow window the docks give way: the map keeps at least half of the window's width
(a 1366x768 laptop, a 1024x700 window, the 800 px window a notebook opened)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication

from latent_explorer.qt.main_window import MainWindow
from latent_explorer.qt.settings import LAYOUT_VERSION

SIZES = [(1024, 700), (1366, 768), (1280, 800), (800, 600), (1400, 900), (1920, 1080)]


def _fit(qtbot, window: MainWindow, width: int, height: int) -> int:  # type: ignore[no-untyped-def]
    window.resize(width, height)
    qtbot.waitUntil(lambda: window.width() == width, timeout=5_000)
    QApplication.processEvents()
    qtbot.waitUntil(lambda: window.map_stack.width() >= width / 2, timeout=5_000)
    return window.map_stack.width()


def _open_docks(window: MainWindow) -> list[str]:
    return sorted(d.windowTitle() for d in (window.decoder_dock, window.sliders_dock,
                                            window.projection_dock, window.path_dock,
                                            *window.analysis_docks) if not d.isHidden())


@pytest.mark.parametrize(("width", "height"), SIZES)
def test_the_map_keeps_half_the_width(make_window, qtbot, width: int,  # type: ignore[no-untyped-def]
                                      height: int) -> None:
    window = make_window()
    docks = _open_docks(window)
    assert _fit(qtbot, window, width, height) >= width / 2
    assert window.height() == height  # tall panels scroll: the window still fits the screen
    assert _open_docks(window) == docks  # none was closed: they are narrower, or tabs
    assert window.decoder_dock.visibleRegion().isEmpty() is False  # the decoder stays in view
    assert window.dockWidgetArea(window.decoder_dock) == Qt.DockWidgetArea.RightDockWidgetArea


def test_tabs_come_back_as_columns_and_the_wide_layout_is_remembered(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path) -> None:
    window = make_window()
    left = Qt.DockWidgetArea.LeftDockWidgetArea
    _fit(qtbot, window, 1024, 700)
    assert window.dock_fit.compact
    assert window.dockWidgetArea(window.path_dock) != left  # tabbed beside the sliders
    remembered = window.dock_fit.state_to_remember(window.saveState(LAYOUT_VERSION))

    _fit(qtbot, window, 1920, 1080)
    qtbot.waitUntil(lambda: window.dockWidgetArea(window.path_dock) == left, timeout=5_000)
    assert not window.dock_fit.compact
    assert window.dockWidgetArea(window.projection_dock) == left

    # What a narrow run remembers opens as two columns on a wide screen next time.
    settings = QSettings(str(tmp_path / "next.ini"), QSettings.Format.IniFormat)
    settings.setValue("window/state", remembered)
    again = MainWindow(settings=settings)
    qtbot.addWidget(again)
    try:
        assert again.dockWidgetArea(again.path_dock) == left
    finally:
        again.close()


def test_docks_closed_while_tabbed_stay_closed_when_columns_come_back(  # type: ignore[no-untyped-def]
        make_window, qtbot) -> None:
    # A map of vectors hides the docks that decode (sliders, path, filmstrip); widening the
    # window must not bring them back with the two columns.
    window = make_window()
    _fit(qtbot, window, 1024, 700)
    assert window.dock_fit.compact
    for dock in (window.sliders_dock, window.path_dock, window.filmstrip_dock):
        dock.hide()
    _fit(qtbot, window, 1920, 1080)
    qtbot.waitUntil(lambda: not window.dock_fit.compact, timeout=5_000)
    assert window.dockWidgetArea(window.projection_dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    for dock in (window.sliders_dock, window.path_dock, window.filmstrip_dock):
        assert dock.isHidden(), dock.objectName()
