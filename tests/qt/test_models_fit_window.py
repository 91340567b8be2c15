"""Checkpoints as they are, in the window: the Open Model dialog tries the encoder on one image
of the dataset shown, pre-fills the latent shape a checkpoint states, finds a pickle's class
file beside it; a prior map of a model with an encoder does not claim it has none."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PySide6.QtWidgets import QFileDialog

from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.models import TorchModel, load_model
from latent_explorer.core.models.detect import ModelKind
from latent_explorer.qt.dialogs.open_model_dialog import QtOpenModelDialog
from tests.core.test_models_fit import FlatMLP, grey_images, save_beside_checkpoint
from tests.qt.conftest import wait_decoded
from tests.qt.test_open_model_dialog import click_open, edit, open_dialog

__all__ = ["open_dialog"]  # the fixture, shared with the dialog's own tests

SCRIPT_IS_DEPRECATED = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)


def grey_dataset(count: int = 6) -> ArrayDataset:
    images = (grey_images(count) * 255).astype(np.uint8)
    return ArrayDataset("my digits", "test:grey", images)


def test_the_dialog_tries_the_encoder_on_one_image_of_the_dataset(
    open_dialog, qtbot, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    torch.save(FlatMLP(latent=3, encoder_in=100), tmp_path / "wrong.pt")
    torch.save(FlatMLP(latent=3), tmp_path / "right.pt")
    dialog = open_dialog(tmp_path / "wrong.pt", dataset=grey_dataset())
    assert dialog.latent_edit.text() == ""
    edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
    text = dialog.status_label.text()
    assert text.startswith("latents 3 -> 28x28 grey images; encoder: cannot encode my digits")
    assert "(1, 784) flat" in text and "takes 100 values per image" in text
    assert dialog.latent_edit.text() == "3"  # read off the decoder's first layer, shown
    assert "784 flat values per latent; shown as 28x28 grey images" in text
    dialog.set_path(str(tmp_path / "right.pt"))
    qtbot.waitUntil(lambda: dialog.detection is not None and dialog.trust_check.isVisible())
    edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
    assert "encoder: yes, it can encode my digits (tried on one image)" in (
        dialog.status_label.text())


def test_a_pickle_beside_its_class_file_opens_with_its_stated_latent_size(
    open_dialog, qtbot, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    name = f"beside_nets_{tmp_path.name}"
    path = save_beside_checkpoint(tmp_path / "ckpt", name)
    try:
        dialog = open_dialog(path)
        assert dialog.detection is not None and dialog.detection.kind is ModelKind.PICKLE
        assert dialog.latent_edit.text() == "5" and name not in sys.modules  # not unpickled
        edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
        assert dialog.error == "" and dialog.preview is not None
        assert dialog.preview.image_shape == (28, 28, 1)
        assert "encoder: yes (tried on one of its decoded images)" in dialog.status_label.text()
        click_open(qtbot, dialog)
        reopened = load_model(dialog.result_spec(), trust_code=True)
        assert reopened.latent_shape == (5,)
    finally:
        sys.modules.pop(name, None)


def test_a_state_dict_that_states_its_latent_size_pre_fills_the_dialog(
    open_dialog, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    torch.save({"state_dict": FlatMLP(latent=7).state_dict(), "epoch": 3}, tmp_path / "w.ckpt")
    dialog = open_dialog(tmp_path / "w.ckpt")
    assert dialog.detection is not None and dialog.detection.kind is ModelKind.STATE_DICT
    assert dialog.latent_edit.text() == "7"  # decoder.0.weight is (32, 7)
    assert "It states latents of 7 values" in dialog.kind_label.text()


def test_the_window_hands_its_dataset_to_the_dialog_and_prior_maps_keep_the_encoder(
    make_window, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    window = make_window(dataset="prior:50", model="demo")
    message = window.statusBar().currentMessage()
    assert "has no encoder" not in message
    assert "50 latents drawn from the standard normal prior" in message
    window2 = make_window(dataset="digits", model="demo")
    handed: list[object] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(tmp_path / "x.pt"), "")))  # fmt: skip

    def fake_exec(dialog: QtOpenModelDialog) -> int:
        handed.append(dialog._dataset)
        return 0

    monkeypatch.setattr(QtOpenModelDialog, "exec", fake_exec)
    window2.open_model_dialog()
    assert handed == [window2.workspace.dataset]
    window.open_model_dialog()
    assert handed[-1] is None  # prior samples of the old model say nothing about a new one


def test_a_flat_output_is_shown_as_images_and_the_window_says_so(
    make_window, qtbot  # type: ignore[no-untyped-def]
) -> None:
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 784), torch.nn.Sigmoid()).eval()
    model = TorchModel(net, name="flat gen", source="test:flat", latent_shape=(4,),
                       keep_alive=net)  # fmt: skip
    window = make_window(dataset="digits", model=None)
    with qtbot.waitSignal(window.workspace_changed, timeout=30_000):
        window.open(model=model)
    assert window.workspace.dataset.images.shape[1:] == (28, 28, 1)
    assert "784 flat values per latent; shown as 28x28 grey images" in (
        window.statusBar().currentMessage())
    wait_decoded(qtbot, window)
    assert window.decoder_view.decoded_pane.array.shape == (28, 28, 1)
