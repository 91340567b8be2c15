"""Known families in the window: the Open Model dialog recognises them with no questions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QFileDialog

from latent_explorer.core.models.base import sample_prior
from latent_explorer.core.models.detect import ModelKind
from latent_explorer.core.models.families import SpatialModel
from tests.core.family_files import save_kl_folder, save_taesd, small_kl
from tests.qt.conftest import accept_model_dialog_when_ready, noise_photos, wait_decoded
from tests.qt.test_open_model_dialog import (
    assert_thumbnails,
    click_open,
    expected_pixels,
)
from tests.qt.test_open_model_dialog import open_dialog as open_dialog  # the fixture


def _network_pixels(network, latents: np.ndarray, shape: tuple[int, ...],  # type: ignore[no-untyped-def]
                    symmetric: bool = False) -> np.ndarray:
    import torch

    from latent_explorer.core.models import OutputRange

    with torch.no_grad():
        out = network(torch.from_numpy(latents).reshape(len(latents), *shape))
    raw = getattr(out, "sample", out).numpy()
    return expected_pixels(raw, OutputRange.SYMMETRIC if symmetric else OutputRange.UNIT)


def test_dialog_recognises_a_taesd_decoder_and_opens_it_without_a_card(  # type: ignore[no-untyped-def]
        open_dialog, qtbot, tmp_path: Path) -> None:
    dec, _ = save_taesd(tmp_path, "taesd")
    path = tmp_path / "taesd_decoder.pth"
    dialog = open_dialog(path)
    assert dialog.detection is not None and dialog.detection.kind is ModelKind.FAMILY
    assert "TAESD" in dialog.kind_label.text() and "taesd_encoder.pth" in dialog.kind_label.text()
    assert not dialog.trust_check.isVisible() and not dialog.warning_label.isVisible()
    assert not dialog.options_box.isEnabled()  # nothing to ask
    assert dialog.card_path() is None
    latents = sample_prior(8, 4 * 8 * 8, seed=0)
    assert_thumbnails(dialog, _network_pixels(dec, latents, (4, 8, 8)))
    assert "latents 4x8x8 -> 64x64 RGB images" in dialog.status_label.text()
    click_open(qtbot, dialog)
    assert dialog.result_spec() == str(path)
    assert not list(tmp_path.glob("*.card.json"))


def test_dialog_recognises_a_kl_autoencoder_folder_file(open_dialog, qtbot,  # type: ignore[no-untyped-def]
                                                       tmp_path: Path) -> None:
    pytest.importorskip("diffusers")
    vae = small_kl()
    folder = save_kl_folder(vae, tmp_path / "vae")
    dialog = open_dialog(folder / "diffusion_pytorch_model.safetensors")
    assert dialog.detection is not None and dialog.detection.kind is ModelKind.FAMILY
    assert "KL autoencoder" in dialog.kind_label.text()
    assert not dialog.trust_check.isVisible()
    latents = sample_prior(8, 4 * 32 * 32, seed=0)
    assert_thumbnails(dialog, _network_pixels(lambda z: vae.decode(z / 0.18215), latents,
                                              (4, 32, 32), symmetric=True))
    click_open(qtbot, dialog)


def test_window_opens_taesd_through_the_dialog_at_the_photos_size(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    save_taesd(tmp_path / "model", "taesd")
    photos = noise_photos(tmp_path / "photos")
    window = make_window(dataset=str(photos), model="demo-shapes")
    decoder = tmp_path / "model" / "taesd_decoder.pth"
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(decoder), "")))

    accept_model_dialog_when_ready(qtbot, window, timeout=20_000)
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open_model_action.trigger()
    model = window.workspace.model
    assert isinstance(model, SpatialModel) and model.name == "taesd"
    assert model.latent_shape == (4, 4, 4)  # the photos are 32x32
    wait_decoded(qtbot, window)
    shown = window.decoder_view.decoded_pane.array
    assert shown is not None and shown.shape == (32, 32, 3)


def test_device_menu_remembers_the_choice_and_greys_out_missing_devices(  # type: ignore[no-untyped-def]
        make_window, monkeypatch) -> None:
    from latent_explorer.core.models.families import devices

    monkeypatch.setattr(devices, "_preference", "auto")  # restored after the test
    window = make_window(dataset=None)
    menu = window.device_menu
    assert menu.actions_by_device["auto"].isChecked()
    menu.refresh()
    have = devices.available_devices()
    for name, action in menu.actions_by_device.items():
        assert action.isEnabled() == (name == "auto" or name in have)
    menu.actions_by_device["cpu"].trigger()
    assert devices.device_preference() == "cpu"
    assert window.settings.value("models/device") == "cpu"
    assert menu.actions_by_device["cpu"].isChecked()


def test_dialog_names_the_diffusers_extra_when_it_is_missing(open_dialog, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                             monkeypatch) -> None:
    pytest.importorskip("diffusers")
    from latent_explorer.core.models.families import kl
    from tests.core.family_files import save_kl_file

    single = save_kl_file(small_kl(), tmp_path / "vae.safetensors")
    monkeypatch.setattr(kl, "diffusers_available", lambda: False)
    dialog = open_dialog(single)
    assert dialog.detection is not None and dialog.detection.kind is ModelKind.FAMILY
    assert "pip install 'latent-explorer[diffusers]'" in dialog.error
    assert "vae.safetensors" in dialog.error
    assert not dialog.ok_button.isEnabled()
