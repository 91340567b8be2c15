"""The Open Model dialog finds what the Python API finds (issue 24, "Models as they come"):
the latent shape by encoding one of the dataset's images, the ranges of the encoder's input
and of the output by the round trip, a preview of latents near the data; the card it writes
states them, belongs to its checkpoint, and never silently replaces another file's card."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.models import ModelOptions, OutputRange, load_model, write_model_card
from latent_explorer.core.models.base import to_uint8
from latent_explorer.core.models.detect import detect_model, save_card
from latent_explorer.qt.dialogs.open_model_dialog import QtOpenModelDialog
from tests.core.checkpoint_zoo import range_autoencoder, unique_name, zoo_module
from tests.qt.test_open_model_dialog import (
    SCRIPT_IS_DEPRECATED,
    ConvAutoencoder,
    TinyVAE,
    adapter_source,
    assert_thumbnails,
    click_open,
    edit,
    settle,
)


@pytest.fixture
def dialog_on(qtbot, tmp_path: Path) -> Iterator[Callable[..., QtOpenModelDialog]]:  # type: ignore[no-untyped-def]
    """Open the dialog on a path and wait for its preview; stops its worker afterwards."""
    dialogs: list[QtOpenModelDialog] = []

    def make(path: Path, **kwargs: Any) -> QtOpenModelDialog:
        dialog = QtOpenModelDialog(str(path), fallback_folder=tmp_path / "cards", **kwargs)
        qtbot.addWidget(dialog)
        dialog.show()
        dialogs.append(dialog)
        settle(qtbot, dialog)
        return dialog

    yield make
    for dialog in dialogs:
        dialog.shutdown()


def trusted(qtbot, dialog: QtOpenModelDialog) -> QtOpenModelDialog:  # type: ignore[no-untyped-def]
    """Tick "I trust this file" where the dialog asks (TorchScript may come to ask too)."""
    if dialog.trust_check.isVisible() and not dialog.trust_check.isChecked():
        edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
    return dialog


@SCRIPT_IS_DEPRECATED
def test_the_latent_shape_is_found_by_encoding_a_dataset_image(
        dialog_on, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from latent_explorer.core.models.preview import spread_images

    torch.manual_seed(2)
    net = ConvAutoencoder().eval()
    torch.jit.script(net).save(str(tmp_path / "ae.pt"))
    rng = np.random.default_rng(0)
    data = ArrayDataset("colours", "colours", rng.integers(0, 256, (20, 8, 8, 3), np.uint8))
    dialog = trusted(qtbot, dialog_on(tmp_path / "ae.pt", dataset=data))
    assert dialog.error == "", dialog.error  # without the dataset: "does not say the shape"
    assert dialog.latent_edit.text() == "8,2,2"  # mu of (16, 2, 2) = mu | logvar
    assert "latent shape (8, 2, 2) found by encoding one of your images" in \
        dialog.status_label.text()
    images = spread_images(data, 8)
    mu = net.encode(torch.from_numpy(images).permute(0, 3, 1, 2))[:, :8].detach()
    assert dialog.preview is not None
    np.testing.assert_allclose(dialog.preview.latents, mu.reshape(8, 32).numpy(), rtol=1e-5,
                               atol=1e-6)  # the preview decodes latents of the data
    assert dialog.preview_box.title() == "Preview (8 images of colours, encoded and decoded)"


@SCRIPT_IS_DEPRECATED
def test_the_encoder_range_found_on_the_data_is_previewed_and_written_to_the_card(
        dialog_on, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from latent_explorer.core.models.preview import spread_images

    with zoo_module(tmp_path / "src", unique_name(tmp_path)) as nets:
        net = range_autoencoder(nets)
        torch.jit.script(net).save(str(tmp_path / "ae.pt"))
    digits = load_dataset("digits")
    dialog = trusted(qtbot, dialog_on(tmp_path / "ae.pt", dataset=digits))
    assert dialog.encoder_range_combo.currentText() == "as found: [-1, 1] (tanh)"
    assert dialog.range_combo.currentText() == "as found: [-1, 1] (tanh)"
    assert "encoder input range [-1, 1] and output range [-1, 1] chosen" in \
        dialog.status_label.text()
    images = spread_images(digits, 8)
    x = torch.from_numpy(np.array(images[..., 0][:, None], copy=True)) * 2 - 1
    with torch.no_grad():
        recon = (net.decode(net.encode(x)) + 1) / 2  # the data's own round trip, not noise
    assert_thumbnails(dialog, to_uint8(recon.permute(0, 2, 3, 1).numpy()))
    click_open(qtbot, dialog)
    card = json.loads(Path(dialog.result_spec()).read_text())
    assert card["encoder_input_range"] == "-1,1" and card["output_range"] == "-1,1"
    assert card["latent_shape"] == [16]
    assert card["checkpoint"]["name"] == "ae.pt" and len(card["checkpoint"]["sha256"]) == 64
    reopened = load_model(dialog.result_spec(), trust_code=True)  # the card alone says it all
    assert reopened.encoder_input_range is OutputRange.SYMMETRIC  # type: ignore[attr-defined]

    chosen = trusted(qtbot, dialog_on(tmp_path / "ae.pt", dataset=digits))  # its card applies
    assert chosen.encoder_range_combo.currentData() == OutputRange.SYMMETRIC
    unit = chosen.encoder_range_combo.findData(OutputRange.UNIT)
    edit(qtbot, chosen, lambda: chosen.encoder_range_combo.setCurrentIndex(unit))
    click_open(qtbot, chosen)
    assert json.loads(Path(chosen.result_spec()).read_text())["encoder_input_range"] == "0,1"


VAE_ADAPTER = ("LATENT_SHAPE = ({latent},)\n"
               "def load(checkpoint_dir):\n"
               "    net = TinyVAE()\n"
               "    net.dec1 = torch.nn.Linear({latent}, 16)\n"
               "    net.enc = torch.nn.Linear(36, {latent} * 2)\n"
               "    net.load_state_dict(torch.load(checkpoint_dir / {file!r}, map_location='cpu',"
               " weights_only=True))\n"
               "    return net\n")


def tiny_vae(latent: int) -> torch.nn.Module:
    net = TinyVAE()
    net.dec1 = torch.nn.Linear(latent, 16)
    net.enc = torch.nn.Linear(36, latent * 2)
    return net.eval()


def test_a_card_is_never_applied_to_another_file_nor_replaced_without_a_question(
        dialog_on, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    from latent_explorer.core.models.detect import CardOwnedError

    torch.save(tiny_vae(10).state_dict(), tmp_path / "vae.pth")
    torch.save(tiny_vae(2).state_dict(), tmp_path / "vae.bak")  # another model, same stem
    adapter = tmp_path / "vae_adapter.py"
    adapter.write_text(adapter_source(tmp_path / "ran", VAE_ADAPTER.format(
        latent=10, file="vae.pth"), TinyVAE))
    card = save_card(detect_model(tmp_path / "vae.pth"), ModelOptions(latent_shape=(10,)),
                     adapter=adapter)
    assert card == tmp_path / "vae.card.json"
    assert json.loads(card.read_text())["checkpoint"]["name"] == "vae.pth"
    assert detect_model(tmp_path / "vae.pth").adapter == adapter  # its own card applies
    edited = detect_model(card)  # the card opened and changed: saved in place, still vae's
    assert save_card(edited, ModelOptions(latent_shape=(10,), name="vae 10")) == card
    assert json.loads(card.read_text())["checkpoint"]["name"] == "vae.pth"

    other = detect_model(tmp_path / "vae.bak")
    assert other.adapter is None and other.options.latent_shape != (10,)
    assert "vae.card.json beside it was written for vae.pth, so it is not applied" in \
        other.summary
    with pytest.raises(CardOwnedError, match=r"is the model card of vae\.pth"):
        save_card(other, ModelOptions(latent_shape=(2,)), card, adapter)
    with pytest.raises(CardOwnedError, match=r"replace_other=True"):  # scripts too
        write_model_card(card, "adapter", adapter, ModelOptions(), tmp_path / "vae.bak")

    dialog = dialog_on(tmp_path / "vae.bak")
    assert dialog.adapter_edit.text() == "" and dialog.latent_edit.text() != "10"
    assert dialog.card_path() == tmp_path / "vae.bak.card.json"  # beside, not over vae's
    bak_adapter = tmp_path / "bak_adapter.py"
    bak_adapter.write_text(adapter_source(tmp_path / "ran", VAE_ADAPTER.format(
        latent=2, file="vae.bak"), TinyVAE))
    edit(qtbot, dialog, lambda: dialog.adapter_edit.setText(str(bak_adapter)))
    edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
    assert dialog.preview is not None and dialog.preview.latent_shape == (2,)
    dialog._card_path = card  # the user chose vae.card.json with Change...
    asked: list[tuple[Path, str]] = []
    answers = iter([False, True])

    def confirm(path: Path, owner: str) -> bool:
        asked.append((path, owner))
        return next(answers)

    monkeypatch.setattr(dialog, "confirm_replace", confirm)
    dialog.accept()
    assert asked == [(card, "vae.pth")] and dialog.result() == 0  # "No": nothing replaced
    assert json.loads(card.read_text())["checkpoint"]["name"] == "vae.pth"
    assert "is the model card of vae.pth" in dialog.error
    dialog.accept()
    assert dialog.result_spec() == str(card)
    assert json.loads(card.read_text())["checkpoint"]["name"] == "vae.bak"


def test_a_sampling_vae_and_a_whole_autoencoder_say_what_was_found(
        dialog_on, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.core.checkpoint_zoo import pickle_beside

    name = unique_name(tmp_path)
    digits = load_dataset("digits")
    notes: dict[str, str] = {}
    for file, build in (("vae.pt", lambda nets: nets.SamplingVAE()),
                        ("whole.pt", lambda nets: nets.WholeAE())):
        path = pickle_beside(tmp_path, name, build, file)
        dialog = dialog_on(path, dataset=digits)
        edit(qtbot, dialog, lambda d=dialog: d.trust_check.setChecked(True))
        assert dialog.error == "", dialog.error
        notes[file] = dialog.status_label.text()
    assert "samples its latents" in notes["vae.pt"] and "16 draws" in notes["vae.pt"]
    assert "a whole autoencoder" in notes["whole.pt"]
    assert "encoder: yes, it can encode digits" in notes["whole.pt"]



def test_a_taesd_file_shows_its_description_under_the_path_with_no_band(
        dialog_on, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QPoint

    from tests.core.family_files import save_taesd

    save_taesd(tmp_path)
    dialog = dialog_on(tmp_path / "taesd_decoder.pth")
    label = dialog.kind_label
    assert "TAESD tiny autoencoder" in label.text()
    assert label.height() <= label.heightForWidth(label.width()) + 2  # no band in the label
    path_top = dialog.path_edit.mapTo(dialog, QPoint(0, 0)).y()
    assert path_top < 24  # none above the path either
    gap = label.mapTo(dialog, QPoint(0, 0)).y() - (path_top + dialog.path_edit.height())
    assert gap < 16
    assert dialog.range_combo.currentText() == "as the file says"  # a family states it


@SCRIPT_IS_DEPRECATED
def test_the_window_opens_model_files_as_the_api_does(make_window, qtbot,
                                                      tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with zoo_module(tmp_path / "src", unique_name(tmp_path)) as nets:
        torch.jit.script(range_autoencoder(nets)).save(str(tmp_path / "ae.pt"))
    window = make_window(dataset=None)
    with qtbot.waitSignal(window.workspace_changed, timeout=120_000):
        window.open("digits", str(tmp_path / "ae.pt"), trust_code=True)  # as gui --model
    model = window.workspace.model
    assert model.encoder_input_range is OutputRange.SYMMETRIC
    assert "encoder input range [-1, 1]" in window.statusBar().currentMessage()
    assert "encoder input range [-1, 1]" in window.workspaces.info_label.toolTip()  # stays

    torch.manual_seed(2)
    torch.jit.script(ConvAutoencoder().eval()).save(str(tmp_path / "spatial.pt"))
    colours = np.random.default_rng(0).integers(0, 256, (30, 8, 8, 3), np.uint8)
    np.savez(tmp_path / "colours.npz", images=colours)
    with qtbot.waitSignal(window.workspace_changed, timeout=120_000):
        window.open(str(tmp_path / "colours.npz"), str(tmp_path / "spatial.pt"),
                    trust_code=True)  # no card: its latent shape found by encoding an image
    assert window.workspace.model.latent_shape == (8, 2, 2)
    assert window.workspace.latents.shape == (30, 32)
