"""File > Image Cache...: the action that shows the image cache's dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from latent_explorer.qt.dialogs.cache_dialog import QtImageCacheDialog, apply_stored_limit


class ImageCacheMenu(QObject):
    """Owns the File > Image Cache action and its dialog; applies the remembered limit.

    Parameters
    ----------
    settings
        Where the limit is remembered.
    cache_root
        The app's cache folder (the window's result cache root).
    window
        The dialog's parent.
    """

    def __init__(self, settings: QSettings, cache_root: Path, window: QWidget) -> None:
        super().__init__(window)
        self.settings = settings
        self.cache_root = Path(cache_root)
        self.window = window
        apply_stored_limit(settings)
        self.action = QAction("Image &Cache...", self)
        self.action.setObjectName("image_cache_action")
        self.action.setToolTip("See how much room resized photo folders take on disk, set "
                               "the limit, clear them")
        self.action.triggered.connect(self.show_dialog)
        self.dialog: QtImageCacheDialog | None = None

    def show_dialog(self) -> QtImageCacheDialog:
        """Show the dialog (one per window), with what the cache holds now."""
        if self.dialog is None:
            self.dialog = QtImageCacheDialog(self.settings, self.cache_root, self.window)
        self.dialog.refresh()
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        return self.dialog
