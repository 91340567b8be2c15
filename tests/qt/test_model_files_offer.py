"""A map with no model names the model files that open with no code, and opens one."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QFileDialog

from latent_explorer.core.compute.pipeline import AUTO_MODEL_SPEC
from latent_explorer.core.models.families import SpatialModel
from tests.core.family_files import save_taesd
from tests.qt.conftest import accept_model_dialog_when_ready, noise_photos, wait_decoded


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

    accept_model_dialog_when_ready(qtbot, window, timeout=30_000)
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        note.open_button.click()
    assert isinstance(window.workspace.model, SpatialModel)
    assert window.workspace.has_decoder
    wait_decoded(qtbot, window)
    assert not note.isVisibleTo(window)


def test_a_stylegan_snapshot_opens_from_the_no_model_panel_with_no_question(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    # The panel names StyleGAN snapshots; one chosen there opens with no code, no trust box:
    # a generator has no encoder, so the map becomes its seeds (each decoded).
    from latent_explorer.core.compute import prior_map
    from latent_explorer.core.models.families.stylegan.model import StyleGANModel
    from tests.core.stylegan_files import sg2_tree, write_snapshot

    monkeypatch.setattr(prior_map, "DEFAULT_PRIOR_SAMPLES", 24)
    snapshot = write_snapshot(tmp_path / "network-snapshot-000400.pkl", sg2_tree(
        z_dim=16, w_dim=16, resolution=16, channel_base=128, channel_max=16, mapping_layers=2))
    photos = noise_photos(tmp_path / "photos", count=4, side=32)
    window = make_window(dataset=str(photos), model=AUTO_MODEL_SPEC)
    assert window.model_files.note.isVisibleTo(window)
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(snapshot), "")))
    seen = []

    def answer_the_dialog() -> None:
        dialog = window.model_dialog
        if dialog is None:
            QTimer.singleShot(20, answer_the_dialog)
            return
        qtbot.waitUntil(lambda: not dialog.busy() and dialog.ok_button.isEnabled(),
                        timeout=30_000)
        seen.append((dialog.trust_check.isVisible(), dialog.kind_label.text()))
        dialog.ok_button.click()

    QTimer.singleShot(0, answer_the_dialog)
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.model_files.note.open_button.click()
    trust_asked, kind = seen[0]
    assert not trust_asked and "StyleGAN snapshot" in kind and "opens with no code" in kind
    ws = window.workspace
    assert isinstance(ws.model, StyleGANModel) and ws.has_decoder
    assert len(ws.latents) == 24  # the generator's seeds, mapped
    wait_decoded(qtbot, window)
    shown = window.decoder_view.decoded_pane.array
    assert shown is not None and shown.shape == (16, 16, 3)
    assert not window.model_files.note.isVisibleTo(window)
