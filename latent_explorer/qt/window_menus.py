"""The main window's menu bar and toolbar: every action, its shortcut and what it calls."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu, QMenuBar, QToolBar

from latent_explorer.core.compute.cache import ResultCache
from latent_explorer.qt.analysis_controller import AnalysisController
from latent_explorer.qt.atlas_controller import AtlasController
from latent_explorer.qt.bookmarks import BookmarkController
from latent_explorer.qt.demo_start import open_demo
from latent_explorer.qt.device_menu import QtDeviceMenu
from latent_explorer.qt.image_cache_menu import ImageCacheMenu
from latent_explorer.qt.model_controller import ModelController
from latent_explorer.qt.path_controller import PathController
from latent_explorer.qt.session_controller import SessionController
from latent_explorer.qt.settings import LAYOUT_VERSION
from latent_explorer.qt.train_controller import TrainController
from latent_explorer.qt.view3d_controller import View3DController
from latent_explorer.qt.widgets.map_view import QtMapView
from latent_explorer.qt.workspace_controller import WorkspaceController


class MenuHost(Protocol):
    """The window the menus are built for: the parts its actions call, and where the actions
    are kept (the main window)."""

    sessions: SessionController
    models: ModelController
    settings: QSettings
    cache: ResultCache
    device_menu: QtDeviceMenu
    paths: PathController
    analysis: AnalysisController
    view3d: View3DController
    atlas: AtlasController
    bookmarks: BookmarkController
    training: TrainController
    workspaces: WorkspaceController
    map_view: QtMapView
    decoder_dock: QDockWidget
    sliders_dock: QDockWidget
    channels_dock: QDockWidget
    projection_dock: QDockWidget
    path_dock: QDockWidget
    filmstrip_dock: QDockWidget
    analysis_docks: list[QDockWidget]
    open_session_action: QAction
    save_session_action: QAction
    open_dataset_action: QAction
    open_folder_action: QAction
    open_model_action: QAction
    recent_menu: QMenu
    compare_action: QAction
    place_image_action: QAction
    export_path_action: QAction
    save_path_action: QAction
    screenshot_action: QAction
    reset_view_action: QAction
    box_zoom_action: QAction
    add_keyframe_action: QAction
    play_action: QAction
    next_sample_action: QAction
    previous_sample_action: QAction
    _default_state: QByteArray

    def menuBar(self) -> QMenuBar: ...
    def addToolBar(self, toolbar: QToolBar) -> None: ...
    def saveState(self, version: int = 0) -> QByteArray: ...
    def close(self) -> bool: ...
    def step_sample(self, step: int) -> None: ...
    def _fill_recent_menu(self) -> None: ...
    def _save_screenshot_dialog(self) -> None: ...
    def _restore_default_layout(self) -> None: ...
    def _show_shortcuts(self) -> None: ...
    def _show_about(self) -> None: ...


def build_menus(window: MenuHost) -> None:
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
    window.open_dataset_action.triggered.connect(window.workspaces.open_dataset_dialog)
    window.open_folder_action = file_menu.addAction("Open Image &Folder...")
    window.open_folder_action.triggered.connect(window.workspaces.open_image_folder_dialog)
    window.open_model_action = file_menu.addAction("Open &Model...")
    window.open_model_action.setShortcut(QKeySequence("Ctrl+M"))
    window.open_model_action.triggered.connect(window.workspaces.open_model_dialog)
    file_menu.addAction(window.training.action)
    window.recent_menu = QMenu("Open &Recent", file_menu)
    window.recent_menu.aboutToShow.connect(window._fill_recent_menu)
    file_menu.addMenu(window.recent_menu)
    window.compare_action = file_menu.addAction("Open &Comparison Model (A/B)...")
    window.compare_action.triggered.connect(lambda: window.models.open_compare_dialog())
    close_compare = file_menu.addAction("Close Comparison Model")
    close_compare.triggered.connect(lambda: window.models.set_compare(None))
    window.device_menu = QtDeviceMenu(window.settings, file_menu)
    file_menu.addMenu(window.device_menu)
    file_menu.addAction(ImageCacheMenu(window.settings, window.cache.root,
                                       window.menuBar().window()).action)
    window.place_image_action = file_menu.addAction("&Place Image on Map...")
    window.place_image_action.setToolTip("Encode an image (or, without an encoder, search "
                                       "the latent space for it) and mark it on the map")
    window.place_image_action.triggered.connect(lambda: window.models.place_image_dialog())
    file_menu.addSeparator()
    demo = file_menu.addAction("Open the &Built-in Demo")
    demo.setToolTip("The bundled coloured shapes and their model, with the decoded atlas")
    demo.triggered.connect(lambda: open_demo(window))
    file_menu.addSeparator()
    window.export_path_action = file_menu.addAction("&Export Path...")
    window.export_path_action.setShortcut(QKeySequence("Ctrl+E"))
    window.export_path_action.triggered.connect(lambda: window.paths.export_dialog())
    window.save_path_action = file_menu.addAction("Save Path &File...")
    window.save_path_action.triggered.connect(lambda: window.paths.save_path_file())
    file_menu.addAction(window.analysis.export_selection_action)
    file_menu.addAction(window.analysis.export_png_action)
    file_menu.addAction(window.analysis.export_svg_action)
    file_menu.addAction(window.atlas.export_action)
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
    view_menu.addAction(window.atlas.show_action)
    view_menu.addAction(window.atlas.instead_action)
    # A selection tool and box zoom both want the left drag: picking a tool ends box zoom.
    window.analysis.state.events.tool.connect(
        lambda tool: window.box_zoom_action.setChecked(False) if tool != "pan" else None)
    view_menu.addAction(window.workspaces.pictures_action)
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
    for dock in (window.decoder_dock, window.sliders_dock, window.channels_dock,
                 window.projection_dock, window.path_dock, window.filmstrip_dock,
                 *window.analysis_docks):
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

def build_toolbar(window: MenuHost) -> None:
    """The map toolbar and the analysis toolbar; then the default dock layout is taken."""
    bar = QToolBar("Map")  # the window adopts it
    bar.setObjectName("map_toolbar")
    bar.setMovable(False)
    bar.addAction(window.reset_view_action)
    bar.addAction(window.box_zoom_action)
    bar.addAction(window.atlas.show_action)
    bar.addSeparator()
    bar.addAction(window.view3d.action)
    window.addToolBar(bar)
    window.addToolBar(window.analysis.toolbar)
    window._default_state = window.saveState(LAYOUT_VERSION)
