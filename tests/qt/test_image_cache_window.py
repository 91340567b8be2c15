"""File > Image Cache in the window: the size shown, Clear Cache after a confirmation, the limit
remembered; the same core code as ``latent-explorer cache``."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from latent_explorer.cli import main
from latent_explorer.core.compute.cached_results import results_usage
from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.datasets.image_cache_folder import cache_usage, images_folder
from latent_explorer.core.datasets.image_cache_limit import (
    LIMIT_ENV,
    LIMIT_SETTING,
    format_size,
    image_cache_limit,
)
from latent_explorer.qt.dialogs.cache_dialog import QtImageCacheDialog
from latent_explorer.qt.image_cache_menu import ImageCacheMenu
from tests.qt.conftest import wait_decoded


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of this test's own (set before the window is made)."""
    monkeypatch.setenv("LATENT_EXPLORER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("LATENT_EXPLORER_CONFIG", str(tmp_path / "config"))
    return tmp_path / "cache"


def photo_folder(root: Path, name: str) -> Path:
    folder = root / name
    rng = np.random.default_rng(len(name))
    for kind in ("a", "b"):
        (folder / kind).mkdir(parents=True)
        for index in range(3):
            pixels = rng.integers(0, 256, (40 + index, 50, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(folder / kind / f"{index}.jpg")
    return folder


def cache_one_closed_folder(root: Path, cache: Path) -> None:
    dataset = load_dataset(str(photo_folder(root, "closed")), image_size=32, cache_dir=cache)
    del dataset
    gc.collect()


def open_cache_dialog(window) -> QtImageCacheDialog:  # type: ignore[no-untyped-def]
    action = window.findChild(QAction, "image_cache_action")
    assert action is not None and action.text() == "Image &Cache..."
    action.trigger()
    dialog = window.findChild(QtImageCacheDialog)
    assert dialog is not None and dialog.isVisible()
    return dialog


def answer(qtbot, dialog: QtImageCacheDialog, button: QMessageBox.StandardButton) -> None:  # type: ignore[no-untyped-def]
    """Press Clear Cache..., check the question, and answer it with ``button``."""
    qtbot.mouseClick(dialog.clear_button, Qt.MouseButton.LeftButton)
    box = dialog.confirm_box
    assert box is not None and box.isVisible()
    usage = cache_usage(dialog.folder)
    results = results_usage(dialog.cache_root)
    assert results.files >= 2  # the shown folder's latents and map
    assert box.text().startswith(
        "Remove 1 cached folder from the image cache "
        f"({format_size(usage.size - usage.in_use_size)}) and {results.files} computed "
        f"results ({format_size(results.size)})? ")
    assert box.text().endswith("The 1 open now is kept.")
    box.button(button).click()
    qtbot.waitUntil(lambda: dialog.confirm_box is None)


def test_the_window_shows_the_cache_and_clears_it_after_asking(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, cache: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    window = make_window(None)
    assert window.cache.root == cache
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(str(photo_folder(tmp_path, "shown")), "demo-shapes", image_size=32)
    wait_decoded(qtbot, window)
    cache_one_closed_folder(tmp_path, cache)
    folder = images_folder(cache)
    (folder / "keep-me.txt").write_text("not the cache's")
    both = cache_usage(folder)
    computed = results_usage(cache)
    dialog = open_cache_dialog(window)
    assert dialog.folder_label.text() == str(folder)
    assert dialog.usage_label.text() == (
        f"2 cached folders, {format_size(both.size)} (1 open now, kept)")
    assert dialog.limit_box.text() == "10.0 GiB"
    assert dialog.results_label.text().startswith(
        f"{computed.files} computed results, {format_size(computed.size)} (latents, maps")

    answer(qtbot, dialog, QMessageBox.StandardButton.No)
    assert cache_usage(folder) == both
    assert results_usage(cache) == computed

    answer(qtbot, dialog, QMessageBox.StandardButton.Yes)
    left = cache_usage(folder)
    assert (left.entries, left.in_use) == (1, 1)  # the folder shown in the window stays
    assert dialog.status_label.text() == (
        f"Removed 1 cached folder ({format_size(both.size - left.size)}) and "
        f"{computed.files} computed results ({format_size(computed.size)}). Kept 1 open now.")
    assert results_usage(cache).files == 0
    assert dialog.results_label.text().startswith("0 computed results, 0 bytes")
    assert dialog.usage_label.text() == (
        f"1 cached folder, {format_size(left.size)} (1 open now, kept)")
    assert not dialog.clear_button.isEnabled()
    assert (folder / "keep-me.txt").read_text() == "not the cache's"
    assert window.workspace.dataset.images[:].mean() > 0  # still readable

    capsys.readouterr()
    assert main(["cache"]) == 0  # the command line sees what the window did
    assert (f"  holds      1 cached folder, {format_size(left.size)} (1 open in a running window "
            "or command, kept)") in capsys.readouterr().out


def test_the_limit_set_in_the_window_is_remembered_and_applied(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    window = make_window(None)
    cache_one_closed_folder(tmp_path, cache)
    dialog = open_cache_dialog(window)
    assert "The default is 10 GiB." in dialog.limit_note.text()
    dialog.limit_box.setFocus()
    dialog.limit_box.selectAll()
    qtbot.keyClicks(dialog.limit_box, "0")
    qtbot.keyClick(dialog.limit_box, Qt.Key.Key_Return)
    assert int(window.settings.value(LIMIT_SETTING)) == 0
    assert image_cache_limit().size == 0
    assert cache_usage(images_folder(cache)).entries == 0  # trimmed to the new limit at once
    assert dialog.status_label.text().startswith("Limit set to 0 bytes. Removed 1 cached folder")
    assert dialog.limit_box.text() == "none: keep only folders open now"

    # A later window with these settings applies the remembered limit when it is built.
    settings = QSettings(str(tmp_path / "later.ini"), QSettings.Format.IniFormat)
    settings.setValue(LIMIT_SETTING, 3 << 30)
    ImageCacheMenu(settings, cache, window)
    assert image_cache_limit().size == 3 << 30

    monkeypatch.setenv(LIMIT_ENV, "nonsense")  # the window keeps running and says why
    dialog.refresh()
    assert not dialog.limit_box.isEnabled()
    assert dialog.limit_note.text().startswith(f"{LIMIT_ENV}: 'nonsense' is not a size")
