"""Image folders in the window: a broken file is skipped with a note, file names are shown."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt

from tests.qt.conftest import send_mouse, wait_decoded


def _digit_folder(root: Path) -> Path:
    rng = np.random.default_rng(0)
    for kind in ("odd", "even"):
        (root / "digits" / kind).mkdir(parents=True)
        for i in range(12):
            pixels = rng.integers(0, 256, (8, 8), dtype=np.uint8)
            Image.fromarray(pixels).save(root / "digits" / kind / f"{kind}-{i:02d}.png")
    whole = (root / "digits" / "odd" / "odd-00.png").read_bytes()
    (root / "digits" / "odd" / "truncated.png").write_bytes(whole[: len(whole) // 2])
    return root / "digits"


def test_a_folder_with_a_broken_image_opens_with_a_note_and_file_names(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path) -> None:
    folder = _digit_folder(tmp_path)
    window = make_window(str(folder), "demo")
    ws = window.workspace
    assert len(ws.dataset) == 24 and ws.model.name  # the model loaded too
    assert "skipped 1 unreadable file of 25: odd/truncated.png" in \
        window.statusBar().currentMessage()

    index = 5
    window.explorer.selected_index = index
    wait_decoded(qtbot, window)
    caption = window.decoder_view.original_pane.caption
    assert caption.startswith(f"#{index}  label ") and caption.endswith(
        str(ws.dataset.metadata["file"][index]))

    view = window.map_view
    x, y = (float(v) for v in ws.projector.coords[index])
    view.view_box.setRange(xRange=(x - 1e-3, x + 1e-3), yRange=(y - 1e-3, y + 1e-3), padding=0)
    qtbot.wait(20)
    send_mouse(view.viewport(), "move", view.view_to_widget(x, y),
               buttons=Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: view.hover_card.isVisible(), timeout=3000)
    hovered = view.hover_card.index
    assert hovered is not None
    assert str(ws.dataset.metadata["file"][hovered]) in view.hover_card.text_label.text()


def test_open_image_folder_asks_the_size_and_loads_at_it(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    from latent_explorer.qt.dialogs.open_dataset_dialog import QtImageSizeDialog

    rng = np.random.default_rng(1)
    for kind in ("warm", "cool"):
        (tmp_path / kind).mkdir()
        for i in range(6):
            pixels = rng.integers(0, 256, (45 + i, 60, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / kind / f"{i}.jpg")
    window = make_window("shapes", "demo-shapes")
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(tmp_path)))
    asked: list[int] = []

    def answer(dialog: QtImageSizeDialog) -> int:
        asked.append(dialog.size_spin.value())
        dialog.size_spin.setValue(32)  # what the model takes
        return 1

    monkeypatch.setattr(QtImageSizeDialog, "exec", answer)
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open_folder_action.trigger()
    wait_decoded(qtbot, window)
    ws = window.workspace
    assert asked == [32]  # the open model's size is offered first
    assert ws.dataset.images.shape == (12, 32, 32, 3)
    assert ws.dataset.label_names == ["cool", "warm"]
    assert window.dataset_image_size == 32
    assert "resized 12 of 12 images to 32x32" in window.statusBar().currentMessage()


def test_a_session_reopens_a_folder_at_the_size_it_was_loaded_at(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from latent_explorer.qt.main_window import MainWindow

    folder = tmp_path / "photos"
    rng = np.random.default_rng(2)
    for kind in ("a", "b"):
        (folder / kind).mkdir(parents=True)
        for i in range(4):
            Image.fromarray(rng.integers(0, 256, (50, 70, 3), dtype=np.uint8)).save(
                folder / kind / f"{i}.png")
    window = make_window(None)
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(str(folder), "demo-shapes", image_size=32)
    wait_decoded(qtbot, window)
    session = tmp_path / "photos.lxs"
    window.sessions.save(session)

    again = MainWindow(settings=QSettings(str(tmp_path / "again.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(again)
    again.show()
    try:
        with qtbot.waitSignal(again.sessions.restored, timeout=60_000):
            again.sessions.open_session(str(session))
        assert again.workspace.dataset.images.shape == (8, 32, 32, 3)
        assert again.dataset_image_size == (32, 32)
        assert "has changed" not in again.statusBar().currentMessage()
        wait_decoded(qtbot, again)
    finally:
        again.close()
