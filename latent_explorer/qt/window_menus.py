"""The main window's menu bar and toolbar: every action, its shortcut and what it calls."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QMenu, QToolBar

from latent_explorer.qt.bookmarks import BookmarkController
from latent_explorer.qt.settings import LAYOUT_VERSION

if TYPE_CHECKING:
    from latent_explorer.qt.main_window import MainWindow


def build_menus(window: MainWindow) -> None:
    """The menu bar: File, View, Bookmarks, Path and Help, with their shortcuts."""
    file_menu = window.menuBar().addMenu("&File")
    window.open_session_action = file_menu.addAction("&Open Session...")
    window.open_session_action.setShortcut(QKeySequence.StandardKey.Open)
    window.open_session_action.triggered.connect(lambda: window.sessions.open_dialog())
    window.save_session_action = file_menu.addAction("&Save Session")
    window.save_session_action.setShortcut(QKeySequence.StandardKey.Save)
    window.save_session_action.triggered.connect(lambda: window.sessions.save_dialog())
    save_as = file_menu.addAction("Save Session &As...")
    save_as.setShortcut(QKeySequence("Ctrl+Shift+S"))
    save_as.triggered.connect(lambda: window.sessions.save_dialog(force_ask=True))
    file_menu.addSeparator()
    window.open_dataset_action = file_menu.addAction("Open &Dataset...")
    window.open_dataset_action.setShortcut(QKeySequence("Ctrl+D"))
    window.open_dataset_action.triggered.connect(window.open_dataset_dialog)
    window.open_model_action = file_menu.addAction("Open &Model...")
    window.open_model_action.setShortcut(QKeySequence("Ctrl+M"))
    window.open_model_action.triggered.connect(window.open_model_dialog)
    window.recent_menu = QMenu("Open &Recent", window)
    window.recent_menu.aboutToShow.connect(window._fill_recent_menu)
    file_menu.addMenu(window.recent_menu)
    window.compare_action = file_menu.addAction("Open &Comparison Model (A/B)...")
    window.compare_action.triggered.connect(lambda: window.models.open_compare_dialog())
    close_compare = file_menu.addAction("Close Comparison Model")
    close_compare.triggered.connect(lambda: window.models.set_compare(None))
    from latent_explorer.qt.device_menu import QtDeviceMenu

    window.device_menu = QtDeviceMenu(window.settings, window)
    file_menu.addMenu(window.device_menu)
    window.place_image_action = file_menu.addAction("&Place Image on Map...")
    window.place_image_action.setToolTip("Encode an image (or, without an encoder, search "
                                       "the latent space for it) and mark it on the map")
    window.place_image_action.triggered.connect(lambda: window.models.place_image_dialog())
    file_menu.addSeparator()
    demo = file_menu.addAction("Open the &Built-in Demo")
    demo.triggered.connect(lambda: window.open("digits", "demo"))
    file_menu.addSeparator()
    window.export_path_action = file_menu.addAction("&Export Path...")
    window.export_path_action.setShortcut(QKeySequence("Ctrl+E"))
    window.export_path_action.triggered.connect(lambda: window.paths.export_dialog())
    window.save_path_action = file_menu.addAction("Save Path &File...")
    window.save_path_action.triggered.connect(lambda: window.paths.save_path_file())
    file_menu.addAction(window.analysis.export_selection_action)
    file_menu.addAction(window.analysis.export_png_action)
    file_menu.addAction(window.analysis.export_svg_action)
    window.screenshot_action = file_menu.addAction("Save &Screenshot...")
    window.screenshot_action.triggered.connect(window._save_screenshot_dialog)
    file_menu.addSeparator()
    quit_action = file_menu.addAction("&Quit")
    quit_action.setShortcut(QKeySequence.StandardKey.Quit)
    quit_action.triggered.connect(window.close)

    view_menu = window.menuBar().addMenu("&View")
    window.reset_view_action = view_menu.addAction("&Reset Map View")
    window.reset_view_action.setShortcut(QKeySequence("Home"))
    window.reset_view_action.triggered.connect(window.map_view.reset_view)
    window.box_zoom_action = view_menu.addAction("&Box Zoom")
    window.box_zoom_action.setCheckable(True)
    window.box_zoom_action.setShortcut(QKeySequence("Z"))
    window.box_zoom_action.setToolTip("Left-drag draws a rectangle to zoom into (Z)")
    window.box_zoom_action.toggled.connect(window.map_view.set_box_zoom)
    window.bookmarks = BookmarkController(window)
    window.menuBar().addMenu(window.bookmarks.menu)
    path_menu = window.menuBar().addMenu("&Path")
    window.add_keyframe_action = path_menu.addAction("&Add Keyframe")
    window.add_keyframe_action.setShortcut(QKeySequence("K"))
    window.add_keyframe_action.triggered.connect(lambda: window.paths.add_keyframe())
    window.play_action = path_menu.addAction("&Play / Pause")
    window.play_action.setShortcut(QKeySequence("Space"))
    window.play_action.triggered.connect(lambda: window.paths.filmstrip.play_button.toggle())
    path_menu.addAction(window.export_path_action)
    view_menu.addSeparator()
    for dock in (window.decoder_dock, window.sliders_dock, window.projection_dock, window.path_dock,
                 window.filmstrip_dock, *window.analysis_docks):
        view_menu.addAction(dock.toggleViewAction())
    view_menu.addSeparator()
    for action in window.analysis.tool_actions.values():
        view_menu.addAction(action)
    restore = view_menu.addAction("Restore Default &Layout")
    restore.triggered.connect(window._restore_default_layout)

    window.next_sample_action = view_menu.addAction("&Next Sample")
    window.next_sample_action.setShortcut(QKeySequence("N"))
    window.next_sample_action.triggered.connect(lambda: window.step_sample(1))
    window.previous_sample_action = view_menu.addAction("&Previous Sample")
    window.previous_sample_action.setShortcut(QKeySequence("P"))
    window.previous_sample_action.triggered.connect(lambda: window.step_sample(-1))

    help_menu = window.menuBar().addMenu("&Help")
    shortcuts = help_menu.addAction("&Keyboard Shortcuts")
    shortcuts.setShortcut(QKeySequence("F1"))
    shortcuts.triggered.connect(window._show_shortcuts)
    about = help_menu.addAction("&About Latent Explorer")
    about.triggered.connect(window._show_about)

def build_toolbar(window: MainWindow) -> None:
    """The map toolbar and the analysis toolbar; then the default dock layout is taken."""
    bar = QToolBar("Map", window)
    bar.setObjectName("map_toolbar")
    bar.setMovable(False)
    bar.addAction(window.reset_view_action)
    bar.addAction(window.box_zoom_action)
    bar.addSeparator()
    bar.addAction(window.view3d.action)
    window.addToolBar(bar)
    window.addToolBar(window.analysis.toolbar)
    window._default_state = window.saveState(LAYOUT_VERSION)
