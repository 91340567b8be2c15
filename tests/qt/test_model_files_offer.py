"""A map with no model names the model files that open with no code, and opens one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog

from latent_explorer.core.compute.pipeline import AUTO_MODEL_SPEC
from latent_explorer.core.models.families import SpatialModel
from tests.core.family_files import save_taesd
from tests.qt.conftest import noise_photos, wait_decoded


def test_the_no_model_panel_names_no_code_files_and_opens_one(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    save_taesd(tmp_path / "model", "taef2")
    photos = noise_photos(tmp_path / "photos", count=4, side=32)
    window = make_window(dataset=str(photos), model=AUTO_MODEL_SPEC)
    note = window.model_files.note
    assert not window.workspace.has_decoder
    assert note.isVisibleTo(window) and window.training.panel.isVisibleTo(window)
    text = note.label.text()
    for named in ("TAESD", "KL autoencoders", "network-snapshot-*.pkl", "safetensors"):
        assert named in text, named

    decoder = tmp_path / "model" / "taef2_decoder.pth"
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(decoder), "")))

    def answer_the_dialog() -> None:
        dialog = window.model_dialog
        if dialog is None:
            QTimer.singleShot(20, answer_the_dialog)
            return
        qtbot.waitUntil(lambda: not dialog.busy() and dialog.ok_button.isEnabled(),
                        timeout=30_000)
        dialog.ok_button.click()

    QTimer.singleShot(0, answer_the_dialog)
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        note.open_button.click()
    assert isinstance(window.workspace.model, SpatialModel)
    assert window.workspace.has_decoder
    wait_decoded(qtbot, window)
    assert not note.isVisibleTo(window)
