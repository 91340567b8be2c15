"""Model files other than the project's VAE: TorchScript, adapter files, pickles, model cards."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from latent_explorer.core.errors import ModelError, SpecError
from latent_explorer.core.models import ModelOptions, OutputRange, load_model, write_model_card

# torch 2.13 deprecates torch.jit.script; these tests script modules to build fixtures.
SCRIPT_IS_DEPRECATED = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)


class ScriptedAutoencoder(torch.nn.Module):
    """An 8x8 RGB autoencoder with exported decode/encode and a latent_shape attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.latent_shape = [4]
        self.output_range = "-1,1"
        self.dec = torch.nn.Linear(4, 3 * 8 * 8)
        self.enc = torch.nn.Linear(3 * 8 * 8, 8)

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dec(z)).reshape(-1, 3, 8, 8)

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        moments = self.enc(x.reshape(x.shape[0], -1))
        return moments[:, :4], moments[:, 4:]

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.decode(z)


class ForwardOnlyGenerator(torch.nn.Module):
    """A GAN generator: forward only, 0..255 output, no attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = torch.nn.Linear(2, 6 * 6)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.lin(z)).reshape(-1, 1, 6, 6) * 255.0


class LayerlessGenerator(torch.nn.Module):
    """A generator with no layer and no attribute that says its latent size."""

    def __init__(self) -> None:
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(36))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(z.sum(1, keepdim=True) * self.w).reshape(-1, 1, 6, 6)


@SCRIPT_IS_DEPRECATED
def test_torchscript_autoencoder_reads_its_attributes(tmp_path: Path) -> None:
    net = ScriptedAutoencoder().eval()
    torch.jit.script(net).save(str(tmp_path / "ae.pt"))
    model = load_model(str(tmp_path / "ae.pt"), trust_code=True)
    assert model.latent_shape == (4,) and model.image_shape == (8, 8, 3)
    assert model.has_encoder
    z = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    expected = (net.decode(torch.from_numpy(z)).detach().permute(0, 2, 3, 1).numpy() + 1) / 2
    np.testing.assert_allclose(model.decode(z), expected, rtol=1e-5, atol=1e-6)
    assert model.encode(model.decode(z)).shape == (3, 4)


@SCRIPT_IS_DEPRECATED
def test_torchscript_generator_needs_a_latent_shape(tmp_path: Path) -> None:
    net = ForwardOnlyGenerator().eval()
    torch.jit.script(net).save(str(tmp_path / "gen.pt"))
    # The latent shape is read off its first layer.
    assert load_model(str(tmp_path / "gen.pt"), trust_code=True).latent_shape == (2,)
    torch.jit.script(LayerlessGenerator()).save(str(tmp_path / "bare.pt"))
    with pytest.raises(ModelError, match=r"does not say the shape of its latents.*--latent-shape"):
        load_model(str(tmp_path / "bare.pt"), trust_code=True)
    model = load_model(str(tmp_path / "gen.pt"), trust_code=True, latent_shape="2")
    assert not model.has_encoder and model.image_shape == (6, 6, 1)
    images = model.decode(np.zeros((2, 2), np.float32))
    raw = net(torch.zeros(2, 2)).detach().permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(images, raw / 255.0, rtol=1e-5)  # 0..255 guessed, and said
    assert any("output range 0..255 guessed from decoded values" in n for n in model.notes)
    card = write_model_card(
        tmp_path / "gen.json",
        "torchscript",
        tmp_path / "gen.pt",
        ModelOptions(latent_shape=(2,), output_range=OutputRange.BYTE, name="Tiny GAN"),
    )
    assert json.loads(card.read_text())["path"] == "gen.pt"
    by_card = load_model(str(card), trust_code=True)
    assert by_card.name == "Tiny GAN" and by_card.source == str(card.resolve())
    z = np.zeros((2, 2), np.float32)
    expected = net(torch.from_numpy(z)).detach().permute(0, 2, 3, 1).numpy() / 255.0
    np.testing.assert_allclose(by_card.decode(z), expected, rtol=1e-5)


def test_corrupt_torchscript_archive_is_a_model_error(tmp_path: Path) -> None:
    (tmp_path / "bad.pt").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ModelError, match=r"bad\.pt"):
        load_model(str(tmp_path / "bad.pt"))


ADAPTER = """
import torch
from pathlib import Path

LATENT_SHAPE = (3,)
OUTPUT_RANGE = "logits"
NUM_CLASSES = 2

class Decoder(torch.nn.Module):
    def __init__(self, scale):
        super().__init__()
        self.scale = scale

    def decode(self, z, labels):
        return (z.sum(dim=1, keepdim=True) * 0 + labels[:, None].float() * self.scale).expand(-1, 5)

def load(checkpoint_dir: Path):
    scale = float((checkpoint_dir / "scale.txt").read_text())
    return Decoder(scale)
"""


def test_adapter_file_is_refused_without_trust_and_runs_with_it(tmp_path: Path) -> None:
    marker = tmp_path / "ran.txt"
    adapter = tmp_path / "my_adapter.py"
    adapter.write_text(f"open({str(marker)!r}, 'w').close()\n" + ADAPTER)
    (tmp_path / "scale.txt").write_text("40")
    with pytest.raises(ModelError, match="is a Python adapter file: opening it runs its code"):
        load_model(str(adapter))
    assert not marker.exists()
    model = load_model(str(adapter), trust_code=True)
    assert marker.exists()
    assert model.num_classes == 2 and model.image_shape == (5,) and not model.has_encoder
    out = model.decode(np.zeros((2, 3), np.float32), np.array([0, 1], np.int64))
    np.testing.assert_allclose(out[:, 0], [0.5, 1.0], atol=1e-6)


def test_adapter_file_errors_name_the_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("import does_not_exist_anywhere\n")
    with pytest.raises(ModelError, match=r"broken\.py: running the adapter file failed.*does_not"):
        load_model(str(broken), trust_code=True)
    failing = tmp_path / "failing.py"
    failing.write_text("LATENT_SHAPE = (2,)\ndef build_model():\n    raise OSError('no G.pt')\n")
    with pytest.raises(ModelError, match=r"failing.py: its build_model\(\) failed: OSError"):
        load_model(str(failing), trust_code=True)
    empty = tmp_path / "empty.py"
    empty.write_text("X = 1\n")
    with pytest.raises(ModelError, match="defines neither load"):
        load_model(str(empty), trust_code=True)


class PickledDecoder(torch.nn.Module):
    """A decoder saved whole with torch.save (importable by its qualified name)."""

    def __init__(self) -> None:
        super().__init__()
        self.z_dim = 3
        self.lin = torch.nn.Linear(3, 4)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.lin(z))


def test_pickled_module_is_refused_without_trust_and_opens_with_it(tmp_path: Path) -> None:
    net = PickledDecoder().eval()
    torch.save({"generator": net, "epoch": 7}, tmp_path / "whole.ckpt")
    with pytest.raises(ModelError, match="is a pickled PyTorch module: opening it runs its code"):
        load_model(str(tmp_path / "whole.ckpt"))
    model = load_model(str(tmp_path / "whole.ckpt"), trust_code=True)
    assert model.latent_shape == (3,) and model.image_shape == (4,)
    z = np.ones((1, 3), np.float32)
    expected = net(torch.from_numpy(z)).detach().numpy()
    np.testing.assert_allclose(model.decode(z), expected, rtol=1e-6)
    card = write_model_card(
        tmp_path / "card.json", "pickle", tmp_path / "whole.ckpt", ModelOptions()
    )
    with pytest.raises(ModelError, match="pickled PyTorch module"):
        load_model(str(card))
    assert load_model(str(card), trust_code=True).latent_dim == 3


@SCRIPT_IS_DEPRECATED
def test_a_ts_file_opens_as_torchscript(tmp_path: Path) -> None:
    torch.jit.script(ScriptedAutoencoder().eval()).save(str(tmp_path / "ae.ts"))
    model = load_model(str(tmp_path / "ae.ts"), trust_code=True)
    assert model.latent_shape == (4,) and model.has_encoder


def test_a_text_file_named_like_a_checkpoint_is_not_called_a_pickle(tmp_path: Path) -> None:
    # The unpickler reads anything starting with "c" as a pickle; the message must not say
    # "pickled module, needs trust" for a file that is plainly not a checkpoint.
    for text in (b"cats and dogs\n", b"checkpoint: see README\n", b"\x00\x01garbage"):
        (tmp_path / "notes.pt").write_bytes(text)
        with pytest.raises(ModelError, match="is not a PyTorch checkpoint") as caught:
            load_model(str(tmp_path / "notes.pt"), trust_code=True)
        assert "notes.pt" in str(caught.value) and "pickled" not in str(caught.value)


def test_unknown_specs_and_bad_cards(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="neither 'demo' nor an existing"):
        load_model(str(tmp_path / "nothing.pt"))
    (tmp_path / "model.onnx").write_bytes(b"onnx")
    with pytest.raises(SpecError, match="unknown kind of model file"):
        load_model(str(tmp_path / "model.onnx"))
    with pytest.raises(SpecError, match=r"folder without a model\.json"):
        load_model(str(tmp_path))
    card = tmp_path / "card.json"
    card.write_text(
        json.dumps({"format": "latent-explorer-model-card", "kind": "onnx", "path": "x"})
    )
    with pytest.raises(ModelError, match="kind 'onnx' is not one of"):
        load_model(str(card))
    card.write_text(
        json.dumps({"kind": "torchscript", "path": "model.onnx", "output_range": "0,2"})
    )
    with pytest.raises(ModelError, match="invalid model card: output range '0,2'"):
        load_model(str(card))
    with pytest.raises(SpecError, match="latent-shape"):
        load_model("demo", latent_shape="a,b")
