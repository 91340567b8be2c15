"""Settings that do not surprise: a command-line map applies to its run; recent files hold."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSettings

from latent_explorer.qt.main_window import MainWindow
from latent_explorer.qt.settings import recent_files, remember_file


def _window(qtbot, path: Path) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(settings=QSettings(str(path), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    return window


def test_a_command_line_projection_is_not_remembered(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    ini = tmp_path / "settings.ini"
    window = _window(qtbot, ini)
    window.projection.method = "umap"  # what `gui --projection umap` does
    window.close()
    assert QSettings(str(ini), QSettings.Format.IniFormat).value("projection/method") == "pca"
    again = _window(qtbot, ini)
    assert again.projection.method == "pca"
    # A choice made in the window is remembered.
    combo = again.projection_panel.method_combo
    index = combo.findData("tsne")
    combo.setCurrentIndex(index)
    combo.activated.emit(index)
    again.close()
    assert _window(qtbot, ini).projection.method == "tsne"


def test_recent_files_are_absolute_and_missing_ones_are_dropped_with_a_note(  # type: ignore[no-untyped-def]
        qtbot, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    np.savez(tmp_path / "mine.npz", images=np.zeros((2, 4, 4), np.uint8))
    window = _window(qtbot, tmp_path / "settings.ini")
    remember_file(window.settings, "datasets", "mine.npz")
    remember_file(window.settings, "datasets", "digits")
    assert recent_files(window.settings, "datasets") == ["digits",
                                                         str(tmp_path / "mine.npz")]
    (tmp_path / "mine.npz").unlink()
    window._fill_recent_menu()
    texts = [a.text() for a in window.recent_menu.actions()]
    assert texts == ["Dataset: digits"]
    assert "mine.npz" in window.statusBar().currentMessage()
    assert recent_files(window.settings, "datasets") == ["digits"]
    window.close()
