"""Bookmarks: a latent and the map view it was seen in, kept by name and jumped back to."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QInputDialog, QMenu

from latent_explorer.core.session.data import Bookmark
from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.widgets.map_view import QtMapView
from latent_explorer.qt.window_services import WindowServices


class BookmarkController(QObject):
    """Owns the window's bookmarks and the Bookmarks menu."""

    changed = Signal()
    """Bookmarks were added, removed or replaced. Emitted on the GUI thread."""

    def __init__(self, services: WindowServices, explorer: ExplorerState,
                 map_view: QtMapView) -> None:
        """Bookmarks of ``explorer``'s current latent and ``map_view``'s view range."""
        super().__init__(services.parent)
        self.services = services
        self.explorer = explorer
        self.map_view = map_view
        self.bookmarks: list[Bookmark] = []
        self.menu = QMenu("&Bookmarks", services.parent)
        self.add_action = self.menu.addAction("&Add Bookmark...")
        self.add_action.setShortcut(QKeySequence("Ctrl+B"))
        self.add_action.setToolTip("Remember the current latent and map view by name")
        self.add_action.triggered.connect(self.add_dialog)
        self.menu.aboutToShow.connect(self._fill_menu)

    def add_dialog(self) -> None:
        """Ask for a name and bookmark the current latent and view."""
        name, ok = QInputDialog.getText(self.services.parent, "Add bookmark", "Name:",
                                        text=f"Bookmark {len(self.bookmarks) + 1}")
        if ok and name.strip():
            self.add(name.strip())

    def add(self, name: str) -> Bookmark | None:
        """Bookmark the current latent and the 2-D map's view range as ``name``."""
        latent = self.explorer.current_latent
        if latent is None:
            return None
        (x0, x1), (y0, y1) = self.map_view.view_box.viewRange()
        mark = Bookmark(name, np.array(latent, dtype=np.float32),
                        ((float(x0), float(x1)), (float(y0), float(y1))))
        self.bookmarks.append(mark)
        self.changed.emit()
        self.services.show_status(f"Bookmarked {name}", 5000)
        return mark

    def go(self, index: int) -> None:
        """Return to bookmark ``index``: its latent is decoded and its view restored."""
        mark = self.bookmarks[index]
        ws = self.services.workspace()
        if ws is None or len(mark.latent) != ws.model.latent_dim:
            self.services.report_error(f"Bookmark {mark.name} was made with another latent size")
            return
        if mark.view_range is not None and len(mark.view_range) >= 2:
            (x0, x1), (y0, y1) = mark.view_range[:2]
            self.map_view.view_box.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self.explorer.current_latent = mark.latent.copy()

    def remove(self, index: int) -> None:
        """Forget bookmark ``index``."""
        del self.bookmarks[index]
        self.changed.emit()

    def replace(self, bookmarks: list[Bookmark]) -> None:
        """Use ``bookmarks`` (from a restored session)."""
        self.bookmarks = list(bookmarks)
        self.changed.emit()

    def _fill_menu(self) -> None:
        for action in self.menu.actions()[1:]:
            self.menu.removeAction(action)
        if not self.bookmarks:
            self.menu.addAction("(no bookmarks yet)").setEnabled(False)
            return
        self.menu.addSeparator()
        for i, mark in enumerate(self.bookmarks):
            action = self.menu.addAction(mark.name)
            action.triggered.connect(lambda _=False, i=i: self.go(i))
        self.menu.addSeparator()
        remove = self.menu.addMenu("Remove")
        for i, mark in enumerate(self.bookmarks):
            action = remove.addAction(mark.name)
            action.triggered.connect(lambda _=False, i=i: self.remove(i))
