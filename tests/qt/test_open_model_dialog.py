"""The Open Model dialog, driven with real small models of every kind.

Each test builds its model here (a few hundred weights), opens the dialog on it, edits the
options like a user, and checks the thumbnails' pixels against the network's own output for
the same prior latents, that code runs only after "I trust this file", and that the model card
written reopens with ``load_model`` to the same output.
"""

from __future__ import annotations

import inspect
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from latent_explorer.core.models import OutputRange, load_model
from latent_explorer.core.models.base import sample_prior, to_uint8
from latent_explorer.core.models.detect import ModelKind
from latent_explorer.core.models.training import save_vae
from latent_explorer.core.models.vae import VAEConfig, build_vae
from latent_explorer.qt.dialogs import open_model_dialog
from latent_explorer.qt.dialogs.open_model_dialog import QtOpenModelDialog
from latent_explorer.qt.images import qimage_to_array

# torch 2.13 deprecates torch.jit.script; these tests script modules to build fixtures.
SCRIPT_IS_DEPRECATED = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)
UNPICKLED: list[str] = []


# --- the networks -------------------------------------------------------------------------
class TinyVAE(torch.nn.Module):
    """A 6x6 grey VAE; its source is copied into adapter files."""

    def __init__(self, hidden: int = 16) -> None:
        super().__init__()
        self.enc = torch.nn.Linear(36, 8)
        self.dec1 = torch.nn.Linear(4, hidden)
        self.dec2 = torch.nn.Linear(hidden, 36)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.enc(x.reshape(x.shape[0], -1)).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.dec2(torch.relu(self.dec1(z)))).reshape(-1, 1, 6, 6)


class TupleDecoder(torch.nn.Module):
    """Returns ``(z * 2, image)``: the image is item 1."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.lin = torch.nn.Linear(3, 25)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return z * 2.0, torch.sigmoid(self.lin(z)).reshape(-1, 5, 5)


class CondDecoder(torch.nn.Module):
    """A class-conditional decoder with 3 classes, 4x4 grey logits."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(1)
        self.emb = torch.nn.Embedding(3, 2)
        self.lin = torch.nn.Linear(2, 16)

    def decode(self, z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return self.lin(z + 3.0 * self.emb(labels)).reshape(-1, 4, 4)


class TanhGenerator(torch.nn.Module):
    """A GAN-like generator: forward only, RGB 4x4 in [-1, 1], says only its latent shape."""

    def __init__(self) -> None:
        super().__init__()
        self.latent_shape = [6]
        self.lin = torch.nn.Linear(6, 3 * 4 * 4)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.lin(z)).reshape(-1, 3, 4, 4)


class ConvAutoencoder(torch.nn.Module):
    """Latents (8, 2, 2), 8x8 RGB, an encoder returning mu|logvar along the channels."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = torch.nn.Conv2d(3, 16, 4, stride=4)
        self.dec = torch.nn.ConvTranspose2d(8, 3, 4, stride=4)

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x)

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.dec(z))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode(z)


class SignalDecoder(torch.nn.Module):
    """A whole pickled module with 1-D outputs of 16 values; notes when it is unpickled."""

    def __init__(self) -> None:
        super().__init__()
        self.z_dim = 3
        self.lin = torch.nn.Linear(3, 16)

    def __setstate__(self, state: dict[str, Any]) -> None:
        UNPICKLED.append(type(self).__name__)
        super().__setstate__(state)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.lin(z))


def adapter_source(marker: Path, body: str, *classes: type) -> str:
    """An adapter file that writes ``marker`` when it runs, defines ``classes``, then ``body``."""
    sources = "\n\n".join(inspect.getsource(c) for c in classes)
    return (f"from pathlib import Path\nimport torch\nPath({str(marker)!r}).touch()\n\n"
            f"{sources}\n\n{body}\n")


def expected_pixels(raw: np.ndarray, output_range: OutputRange = OutputRange.UNIT,
                    channels_first: bool = True) -> np.ndarray:
    """What the thumbnails must show for raw network output."""
    raw = np.asarray(raw, dtype=np.float32)
    if raw.ndim == 4 and channels_first:
        raw = raw.transpose(0, 2, 3, 1)
    elif raw.ndim == 3:
        raw = raw[..., np.newaxis]
    return to_uint8(output_range.to_unit(raw))


# --- fixtures and helpers -----------------------------------------------------------------
@pytest.fixture
def open_dialog(qtbot, tmp_path: Path) -> Iterator[Callable[..., QtOpenModelDialog]]:  # type: ignore[no-untyped-def]
    """Open the dialog on a path; shuts its worker down and checks no thread is left."""
    dialogs: list[QtOpenModelDialog] = []

    def make(path: Path | str, **kwargs: Any) -> QtOpenModelDialog:
        kwargs.setdefault("fallback_folder", tmp_path / "config-cards")
        dialog = QtOpenModelDialog(str(path), **kwargs)
        qtbot.addWidget(dialog)
        dialog.show()
        dialogs.append(dialog)
        settle(qtbot, dialog)
        return dialog

    yield make
    for dialog in dialogs:
        dialog.shutdown()
    left = [t for t in threading.enumerate() if t.name == "latent-model-preview" and t.is_alive()]
    assert not left, f"preview threads left running: {left}"


def settle(qtbot, dialog: QtOpenModelDialog) -> None:  # type: ignore[no-untyped-def]
    """Wait until the detection and the preview for the current settings are shown."""
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=20_000)


def edit(qtbot, dialog: QtOpenModelDialog, apply: Callable[[], object]) -> None:  # type: ignore[no-untyped-def]
    """Change a widget like a user and wait for the debounced preview."""
    apply()
    assert dialog.busy()  # debounced, not decoded in the slot
    settle(qtbot, dialog)


def assert_thumbnails(dialog: QtOpenModelDialog, expected: np.ndarray) -> None:
    assert dialog.error == "", dialog.error
    assert dialog.preview is not None
    assert len(dialog.strip.thumbnails) == len(expected) == 8
    for thumb, want in zip(dialog.strip.thumbnails, expected, strict=True):
        np.testing.assert_array_equal(thumb.array, want)
        if want.ndim == 3:
            assert thumb.qimage is not None
            rgb = np.repeat(want, 3, axis=2) if want.shape[2] == 1 else want
            np.testing.assert_array_equal(qimage_to_array(thumb.qimage), rgb)
        else:
            assert thumb.qimage is None  # a 1-D signal is drawn as a line plot


def click_open(qtbot, dialog: QtOpenModelDialog) -> None:  # type: ignore[no-untyped-def]
    assert dialog.ok_button.isEnabled()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    assert dialog.result() == QDialog.DialogCode.Accepted, dialog.error


# --- the kinds ----------------------------------------------------------------------------
def test_state_dict_with_adapter_needs_trust_then_previews_and_writes_a_card(
        open_dialog, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    net = TinyVAE().eval()
    torch.save(net.state_dict(), tmp_path / "vae.pt")
    marker = tmp_path / "adapter-ran"
    adapter = tmp_path / "vae_adapter.py"
    adapter.write_text(adapter_source(marker, (
        "LATENT_SHAPE = (4,)\n"
        "def load(checkpoint_dir):\n"
        "    net = TinyVAE()\n"
        "    state = torch.load(checkpoint_dir / 'vae.pt', map_location='cpu', weights_only=True)\n"
        "    net.load_state_dict(state)\n"
        "    return net\n"), TinyVAE))
    dialog = open_dialog(tmp_path / "vae.pt")
    assert dialog.detection is not None and dialog.detection.kind is ModelKind.STATE_DICT
    assert "weights only" in dialog.kind_label.text()
    assert dialog.warning_label.isVisible()
    assert "runs its Python code" in dialog.warning_label.text()
    assert dialog.adapter_row.isVisible() and not dialog.ok_button.isEnabled()
    assert dialog.latent_edit.text() == ""
    edit(qtbot, dialog, lambda: dialog.adapter_edit.setText(str(adapter)))
    assert dialog.latent_edit.text() == "4"  # the adapter's constant, read without running it
    assert not marker.exists() and not dialog.ok_button.isEnabled()
    assert dialog.strip.is_empty() and "I trust this file" in dialog.status_label.text()
    edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
    assert marker.exists()
    z = sample_prior(8, 4, seed=0)
    np.testing.assert_array_equal(dialog.preview.latents, z)  # type: ignore[union-attr]
    expected = expected_pixels(net.decode(torch.from_numpy(z)).detach().numpy())
    assert_thumbnails(dialog, expected)
    assert "encoder: yes (tried on one of its decoded images)" in dialog.status_label.text()
    assert dialog.card_path() == tmp_path / "vae.card.json"
    click_open(qtbot, dialog)
    card = tmp_path / "vae.card.json"
    assert dialog.result_spec() == str(card) and dialog.trust_code()
    data = json.loads(card.read_text())
    assert data["kind"] == "adapter" and data["path"] == "vae_adapter.py"
    reopened = load_model(card, trust_code=True)
    assert reopened.has_encoder
    np.testing.assert_array_equal(to_uint8(reopened.decode(z)), expected[..., :])
    again = open_dialog(tmp_path / "vae.pt")  # the card beside it names the adapter
    assert again.adapter_edit.text() == str(adapter) and not again.trust_check.isChecked()


@SCRIPT_IS_DEPRECATED
def test_torchscript_tanh_generator_without_encoder(open_dialog, qtbot,
                                                    tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    net = TanhGenerator().eval()
    torch.jit.script(net).save(str(tmp_path / "G.ts"))
    dialog = open_dialog(tmp_path / "G.ts")
    assert "TorchScript archive (a decoder only" in dialog.kind_label.text()
    # A TorchScript archive is a program: nothing of it runs before the tick.
    assert dialog.warning_label.isVisible() and dialog.trust_check.isVisible()
    assert dialog.latent_edit.text() == "6"  # the module's own attribute, read as data
    assert dialog.strip.is_empty() and not dialog.ok_button.isEnabled()
    edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
    z = sample_prior(8, 6, seed=0)
    raw = net(torch.from_numpy(z)).detach().numpy()
    expected = expected_pixels(raw, OutputRange.SYMMETRIC)
    assert_thumbnails(dialog, expected)  # its tanh range guessed from the values, and said
    assert "output range [-1, 1] guessed from decoded values" in dialog.status_label.text()
    assert dialog.range_combo.currentText() == "as found: [-1, 1] (tanh)"
    unit = dialog.range_combo.findData(OutputRange.UNIT)
    edit(qtbot, dialog, lambda: dialog.range_combo.setCurrentIndex(unit))
    assert_thumbnails(dialog, expected_pixels(raw, OutputRange.UNIT))  # clipped: looks wrong
    symmetric = dialog.range_combo.findData(OutputRange.SYMMETRIC)
    edit(qtbot, dialog, lambda: dialog.range_combo.setCurrentIndex(symmetric))
    assert_thumbnails(dialog, expected)
    assert "decoder only (no encoder)" in dialog.status_label.text()
    thumb = dialog.strip.thumbnails[0]  # the pixels that reach the screen, block by block
    shown = qimage_to_array(thumb.grab().toImage())
    rect = thumb.image_rect()
    scale = rect.width() // 4
    assert scale >= 2
    for i in range(4):
        for j in range(4):
            y, x = rect.y() + i * scale + scale // 2, rect.x() + j * scale + scale // 2
            np.testing.assert_array_equal(shown[y, x], expected[0, i, j])
    click_open(qtbot, dialog)
    card = Path(dialog.result_spec())
    grant = dialog.trust_code()
    assert card == tmp_path / "G.card.json" and grant is not None
    assert grant.path == (tmp_path / "G.ts").resolve()
    assert json.loads(card.read_text())["output_range"] == "-1,1"
    reopened = load_model(str(card), trust_code=grant)  # one step, under the tick's trust
    np.testing.assert_array_equal(to_uint8(reopened.decode(z)), expected)
    before = card.read_text()
    unchanged = open_dialog(card)
    assert unchanged.detection.kind is ModelKind.CARD  # type: ignore[union-attr]
    assert unchanged.card_path() == card
    edit(qtbot, unchanged, lambda: unchanged.trust_check.setChecked(True))
    assert_thumbnails(unchanged, expected)
    click_open(qtbot, unchanged)
    assert unchanged.result_spec() == str(card) and card.read_text() == before


@SCRIPT_IS_DEPRECATED
def test_torchscript_autoencoder_with_non_flat_latents(open_dialog, qtbot,
                                                       tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(2)
    net = ConvAutoencoder().eval()
    torch.jit.script(net).save(str(tmp_path / "ae.pt"))
    dialog = open_dialog(tmp_path / "ae.pt")
    assert "decode and encode" in dialog.kind_label.text()
    edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
    assert "ae.pt" in dialog.error and "does not say the shape of its latents" in dialog.error
    assert "Latent shape" in dialog.status_label.text() and not dialog.ok_button.isEnabled()
    edit(qtbot, dialog, lambda: dialog.latent_edit.setText("8,2,2"))
    z = sample_prior(8, 32, seed=0)
    raw = net.decode(torch.from_numpy(z).reshape(8, 8, 2, 2)).detach().numpy()
    assert_thumbnails(dialog, expected_pixels(raw))
    assert "latents 8x2x2 -> 8x8 RGB images" in dialog.status_label.text()
    click_open(qtbot, dialog)
    reopened = load_model(dialog.result_spec(), trust_code=True)
    assert reopened.latent_shape == (8, 2, 2) and reopened.has_encoder
    np.testing.assert_array_equal(to_uint8(reopened.decode(z)), expected_pixels(raw))


def test_pickled_module_with_signals_is_not_unpickled_before_trust(
        open_dialog, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    net = SignalDecoder().eval()
    torch.save({"model": net, "epoch": 3}, tmp_path / "whole.ckpt")
    UNPICKLED.clear()
    dialog = open_dialog(tmp_path / "whole.ckpt")
    assert "pickled PyTorch module" in dialog.kind_label.text()
    assert "SignalDecoder" in dialog.kind_label.text()  # read as opcodes, not unpickled
    assert dialog.trust_check.isVisible() and not dialog.ok_button.isEnabled()
    edit(qtbot, dialog, lambda: dialog.name_edit.setText("Signals"))
    assert UNPICKLED == [] and not dialog.ok_button.isEnabled()
    edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
    assert UNPICKLED == ["SignalDecoder"]
    z = sample_prior(8, 3, seed=0)
    expected = to_uint8(net(torch.from_numpy(z)).detach().numpy())
    assert_thumbnails(dialog, expected)
    assert "1-D signals of 16 values" in dialog.status_label.text()
    click_open(qtbot, dialog)
    assert dialog.trust_code()
    reopened = load_model(dialog.result_spec(), trust_code=True)
    assert reopened.name == "Signals"
    np.testing.assert_array_equal(to_uint8(reopened.decode(z)), expected)


def test_tuple_output_picks_the_output_index(open_dialog, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    adapter = tmp_path / "tuple_adapter.py"
    adapter.write_text(adapter_source(tmp_path / "ran", (
        "LATENT_SHAPE = (3,)\n"
        "def build_model():\n"
        "    return TupleDecoder()\n"), TupleDecoder))
    dialog = open_dialog(adapter)
    assert dialog.latent_edit.text() == "3"  # read from the file without running it
    edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
    assert dialog.preview is not None and dialog.preview.image_shape == (3,)  # item 0: z * 2
    edit(qtbot, dialog, lambda: dialog.index_edit.setText("1"))
    z = sample_prior(8, 3, seed=0)
    expected = expected_pixels(TupleDecoder().eval()(torch.from_numpy(z))[1].detach().numpy())
    assert_thumbnails(dialog, expected)
    click_open(qtbot, dialog)
    card = tmp_path / "tuple_adapter.card.json"
    assert json.loads(card.read_text())["output_index"] == 1
    reopened = load_model(card, trust_code=True)
    np.testing.assert_array_equal(to_uint8(reopened.decode(z)), expected)


def test_conditional_decoder_previews_the_chosen_class(open_dialog, qtbot,
                                                       tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    adapter = tmp_path / "cond.py"
    adapter.write_text(adapter_source(tmp_path / "ran", (
        "LATENT_SHAPE = (2,)\nNUM_CLASSES = 3\nOUTPUT_RANGE = 'logits'\n"
        "def build_model():\n"
        "    return CondDecoder()\n"), CondDecoder))
    dialog = open_dialog(adapter)
    assert dialog.classes_spin.value() == 3 and dialog.class_spin.maximum() == 2
    assert dialog.range_combo.currentData() == OutputRange.LOGITS
    edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
    net = CondDecoder().eval()
    z = sample_prior(8, 2, seed=0)

    def raw(label: int) -> np.ndarray:
        labels = torch.full((8,), label, dtype=torch.int64)
        return net.decode(torch.from_numpy(z), labels).detach().numpy()

    assert_thumbnails(dialog, expected_pixels(raw(0), OutputRange.LOGITS))
    edit(qtbot, dialog, lambda: dialog.class_spin.setValue(2))
    assert_thumbnails(dialog, expected_pixels(raw(2), OutputRange.LOGITS))
    assert dialog.preview.labels.tolist() == [2] * 8  # type: ignore[union-attr]
    click_open(qtbot, dialog)
    reopened = load_model(dialog.result_spec(), trust_code=True)
    assert reopened.num_classes == 3
    got = reopened.decode(z, np.full(8, 2, dtype=np.int64))
    np.testing.assert_array_equal(to_uint8(got), expected_pixels(raw(2), OutputRange.LOGITS))


def test_project_vae_opens_as_it_is_without_a_card(open_dialog, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    config = VAEConfig(image_shape=(8, 8, 1), latent_dim=3, hidden=(16,))
    save_vae(build_vae(config), config, tmp_path / "vae")
    dialog = open_dialog(tmp_path / "vae")
    assert dialog.detection.kind is ModelKind.VAE  # type: ignore[union-attr]
    assert not dialog.options_box.isEnabled() and dialog.card_path() is None
    expected = to_uint8(load_model(tmp_path / "vae").decode(sample_prior(8, 3, seed=0)))
    assert_thumbnails(dialog, expected)
    click_open(qtbot, dialog)
    assert dialog.result_spec() == str(tmp_path / "vae")  # the spec as given
    assert not list(tmp_path.rglob("*.card.json"))


@SCRIPT_IS_DEPRECATED
def test_read_only_folder_saves_the_card_in_the_config_folder(
        open_dialog, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(open_model_dialog, "can_write_beside", lambda path: False)
    torch.jit.script(TanhGenerator().eval()).save(str(tmp_path / "G.pt"))
    dialog = open_dialog(tmp_path / "G.pt")
    card = dialog.card_path()
    assert card is not None and card.parent == tmp_path / "config-cards"
    assert "cannot be written to" in dialog.card_label.text()
    edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
    click_open(qtbot, dialog)
    assert dialog.result_spec() == str(card) and card.is_file()
    assert not (tmp_path / "G.card.json").exists()
    assert load_model(card, trust_code=True).latent_shape == (6,)


# --- broken inputs ------------------------------------------------------------------------
def assert_shows_error(dialog: QtOpenModelDialog, *parts: str) -> None:
    assert dialog.error, "no error shown"
    for part in parts:
        assert part in dialog.error, dialog.error
    assert "d0342c" in dialog.status_label.styleSheet()  # red
    assert dialog.status_label.isVisible() and dialog.strip.is_empty()
    assert not dialog.ok_button.isEnabled()


@pytest.mark.parametrize("case", ["wrong class", "missing keys", "raises", "nan"])
def test_broken_adapters_show_what_is_wrong(open_dialog, qtbot, tmp_path: Path,
                                            case: str) -> None:  # type: ignore[no-untyped-def]
    torch.save(TinyVAE().state_dict(), tmp_path / "vae.pt")
    builds = {
        "wrong class": "TinyVAE(hidden=8)",
        "missing keys": "Bigger()",
        "raises": "fail()",
        "nan": "Nan()",
    }
    body = (
        "LATENT_SHAPE = (4,)\n"
        "class Bigger(TinyVAE):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.extra = torch.nn.Linear(2, 2)\n"
        "class Nan(TinyVAE):\n"
        "    def decode(self, z):\n"
        "        return super().decode(z) * float('nan')\n"
        "def fail():\n"
        "    raise OSError('no G.pt here')\n"
        "def load(checkpoint_dir):\n"
        f"    net = {builds[case]}\n"
        "    net.load_state_dict(torch.load(checkpoint_dir / 'vae.pt', weights_only=True))\n"
        "    return net\n"
    )
    adapter = tmp_path / "broken_adapter.py"
    adapter.write_text(adapter_source(tmp_path / "ran", body, TinyVAE))
    dialog = open_dialog(adapter)
    edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
    expected = {"wrong class": "size mismatch", "missing keys": "Missing key(s)",
                "raises": "OSError: no G.pt here", "nan": "NaN"}[case]
    assert_shows_error(dialog, "broken_adapter.py", expected)


@SCRIPT_IS_DEPRECATED
def test_wrong_latent_shape_and_bad_text_are_reported(open_dialog, qtbot,
                                                      tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    torch.jit.script(TanhGenerator().eval()).save(str(tmp_path / "G.pt"))
    dialog = open_dialog(tmp_path / "G.pt")
    edit(qtbot, dialog, lambda: dialog.trust_check.setChecked(True))
    edit(qtbot, dialog, lambda: dialog.latent_edit.setText("5"))
    assert_shows_error(dialog, "G.pt", "latent shape (5,)", "mat1 and mat2")
    assert "Traceback" not in dialog.error  # the TorchScript traceback is cut to its cause
    edit(qtbot, dialog, lambda: dialog.latent_edit.setText("five"))
    assert_shows_error(dialog, "Latent shape")
    edit(qtbot, dialog, lambda: dialog.latent_edit.setText("6"))
    assert dialog.error == "" and dialog.ok_button.isEnabled()


def test_a_file_that_is_no_checkpoint(open_dialog, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "notes.pt").write_text("cat: these are my notes, not a model\n")
    dialog = open_dialog(tmp_path / "notes.pt")
    assert_shows_error(dialog, str(tmp_path / "notes.pt"), "is not a PyTorch checkpoint")
    assert not dialog.trust_check.isVisible()
    dialog.shutdown()
    dialog.set_path(tmp_path / "missing.pt")  # the worker starts again for a new file
    dialog.shutdown()
