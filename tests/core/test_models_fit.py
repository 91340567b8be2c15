"""Checkpoints that open as they are: the shapes of problem met with real third-party models.

Each test builds a small network with the same shape of problem as a real checkpoint: a conv
encoder that flattens with ``x.view``, a flat MLP encoder, a decoder whose output is 784 flat
values, latent sizes stated only by a layer or an attribute.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from latent_explorer.core.errors import ModelError, ModelOutputError
from latent_explorer.core.models import ModelOptions, TorchModel, load_model
from latent_explorer.core.models.detect import ModelKind, detect_model
from latent_explorer.core.models.probing import (
    checkpoint_latent_shape,
    decoder_layer_shapes,
    guess_output_range,
    stated_latent_shape,
    suggest_image_shape,
)


def grey_images(count: int = 3, side: int = 28, seed: int = 0) -> np.ndarray[Any, Any]:
    return np.random.default_rng(seed).random((count, side, side, 1)).astype(np.float32)


class ViewConvAutoencoder(torch.nn.Module):
    """A conv encoder that flattens with ``x.view(B, -1)`` (fails on odd strides)."""

    def __init__(self, latent: int = 8) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 4, 3, stride=2, padding=1)
        self.fc = torch.nn.Linear(4 * 14 * 14, latent)
        self.out = torch.nn.Linear(latent, 784)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv(x))
        return self.fc(h.view(x.shape[0], -1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.out(z)).view(-1, 1, 28, 28)


class FlatMLP(torch.nn.Module):
    """An MLP VAE on flat 784-value images: ``Linear(784, ...)`` in, 784 flat values out."""

    def __init__(self, latent: int = 6, encoder_in: int = 784) -> None:
        super().__init__()
        nn = torch.nn
        self.encoder = nn.Sequential(nn.Linear(encoder_in, 32), nn.ReLU(),
                                     nn.Linear(32, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, 32), nn.ReLU(), nn.Linear(32, 784),
                                     nn.Sigmoid())

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)


def test_a_conv_encoder_flattening_with_view_encodes_grey_images() -> None:
    net = ViewConvAutoencoder().eval()
    model = TorchModel(net.decode, encode_fn=net.encode, name="view", source="x",
                       latent_shape=(8,), keep_alive=net)  # fmt: skip
    images = grey_images()
    latents = model.encode(images)
    expected = net.encode(torch.from_numpy(images[..., 0].copy()).unsqueeze(1))
    np.testing.assert_allclose(latents, expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    # A non-contiguous batch (a view of a larger array) is handed over with plain strides too.
    wide = np.random.default_rng(1).random((3, 28, 56, 1)).astype(np.float32)
    assert model.encode(wide[:, :, ::2]).shape == (3, 8)


def test_a_flat_mlp_encoder_is_handed_flat_images_and_flat_outputs_become_28x28() -> None:
    net = FlatMLP().eval()
    model = TorchModel(net.decode, encode_fn=net.encode, name="mlp", source="x",
                       latent_shape=(6,), keep_alive=net)  # fmt: skip
    assert model.image_shape == (28, 28, 1)
    assert any("784 flat values" in note and "28x28 grey" in note for note in model.notes)
    images = grey_images()
    latents = model.encode(images)
    assert model.encoder_layout == "flat"
    mu = net.encode(torch.from_numpy(images.reshape(3, 784)))[0].detach().numpy()
    np.testing.assert_allclose(latents, mu, rtol=1e-5, atol=1e-6)
    decoded = model.decode(latents)
    assert decoded.shape == (3, 28, 28, 1)
    flat = net.decode(torch.from_numpy(latents)).detach().numpy()
    np.testing.assert_allclose(decoded.reshape(3, 784), flat, rtol=1e-6)


def test_an_encoder_that_takes_no_layout_says_what_it_was_given_and_expects() -> None:
    net = FlatMLP(encoder_in=100).eval()
    model = TorchModel(net.decode, encode_fn=net.encode, name="mlp", source="x",
                       latent_shape=(6,), keep_alive=net)  # fmt: skip
    with pytest.raises(ModelOutputError) as caught:
        model.encode(grey_images())
    message = str(caught.value)
    assert "\n" not in message
    assert "(1, 784) flat" in message and "(1, 1, 28, 28) channels first" in message
    assert "(1, 28, 28, 1) channels last" in message
    assert "Linear(100 -> 32), takes 100 values per image" in message


def test_flat_colour_outputs_become_32x32x3_read_channel_by_channel() -> None:
    pattern = torch.arange(3 * 32 * 32, dtype=torch.float32) / (3 * 32 * 32)

    def decode(z: torch.Tensor) -> torch.Tensor:
        return pattern.expand(z.shape[0], -1) + 0 * z.sum()

    model = TorchModel(decode, name="flat", source="x", latent_shape=(2,))
    assert model.image_shape == (32, 32, 3)
    image = model.decode(np.zeros((1, 2), np.float32))[0]
    np.testing.assert_allclose(image[..., 0], pattern[:1024].reshape(32, 32).numpy())
    np.testing.assert_allclose(image[..., 2], pattern[2048:].reshape(32, 32).numpy())
    assert "32x32 colour" in model.notes[0]
    short = TorchModel(lambda z: z.repeat(1, 8), name="s", source="x", latent_shape=(2,))
    assert short.image_shape == (16,) and not short.notes  # 16 values: a 1-D signal


def test_guesses_from_values_layers_attributes_and_checkpoint_keys() -> None:
    assert suggest_image_shape(784) == (28, 28, 1)
    assert suggest_image_shape(3072) == (32, 32, 3)
    assert suggest_image_shape(100) is None
    assert guess_output_range(np.array([0.1, 0.9], np.float32)).value == "0,1"
    assert guess_output_range(np.array([-0.8, 0.9], np.float32)).value == "-1,1"
    assert guess_output_range(np.array([0.0, 200.0], np.float32)).value == "0,255"
    assert guess_output_range(np.array([-7.0, 3.0], np.float32)).value == "logits"
    dcgan = torch.nn.Sequential(torch.nn.ConvTranspose2d(100, 8, 4), torch.nn.Tanh())
    assert decoder_layer_shapes(dcgan, decode_only=True)[0] == (100, 1, 1)
    assert decoder_layer_shapes(FlatMLP())[0] == (6,)  # the decoder child's first layer

    class WithDim(torch.nn.Module):
        z_dim = 12

    assert stated_latent_shape(WithDim()) == (12,)
    lightning = {"state_dict": {}, "hyper_parameters": {"latent_dim": 9}}
    assert checkpoint_latent_shape(lightning) == (9,)
    state = FlatMLP(latent=5).state_dict()
    assert checkpoint_latent_shape(state) == (5,)  # decoder.0.weight is (32, 5)
    assert checkpoint_latent_shape({"weights": [1, 2]}) is None


BESIDE_SOURCE = '''
import torch


class BesideVAE(torch.nn.Module):
    """A grey VAE whose decoder has no layer that says the latent size (a bare weight)."""

    def __init__(self, latent: int = 5) -> None:
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 2, 3, stride=2, padding=1)
        self.fc = torch.nn.Linear(2 * 14 * 14, latent)
        self.w = torch.nn.Parameter(torch.randn(latent, 784) * 0.1)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.conv(x))
        return self.fc(h.view(x.shape[0], -1))  # fails on odd strides

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(z @ self.w)  # 784 flat values
'''


def save_beside_checkpoint(folder: Path, module_name: str) -> Path:
    """``torch.save`` a dict holding a module whose class lives in ``<module_name>.py`` beside
    it, then forget the class, as a user's fresh process would."""
    import importlib
    import sys

    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module_name}.py").write_text(BESIDE_SOURCE, encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        nets = importlib.import_module(module_name)
        torch.manual_seed(0)
        path = folder / "vae.pt"
        torch.save({"model": nets.BesideVAE(latent=5), "hyper_parameters": {"latent_dim": 5}},
                   path)  # fmt: skip
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop(module_name, None)
    return path


def test_a_trusted_pickle_finds_its_class_file_beside_it_and_states_its_latent_size(
    tmp_path: Path,
) -> None:
    import sys

    name = f"beside_nets_{tmp_path.name}"
    path = save_beside_checkpoint(tmp_path / "ckpt", name)
    detection = detect_model(path)  # read as opcodes: nothing is unpickled
    assert detection.kind is ModelKind.PICKLE and name not in sys.modules
    assert detection.options.latent_shape == (5,) and "latents of 5 values" in detection.summary
    try:
        model = load_model(path, trust_code=True)
        assert model.latent_shape == (5,) and model.image_shape == (28, 28, 1)
        assert model.encode(grey_images(2)).shape == (2, 5)
    finally:
        sys.modules.pop(name, None)
    assert str(tmp_path / "ckpt") not in sys.path  # only while unpickling
    (tmp_path / "ckpt" / f"{name}.py").unlink()
    with pytest.raises(ModelError, match=r"put the \.py file that defines them in"):
        load_model(path, trust_code=True)


FLAT_ADAPTER = '''
import torch

NAME = "flat mlp"


class FlatVAE(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.encoder = torch.nn.Linear(784, 8)
        self.decoder = torch.nn.Linear(4, 784)

    def encode(self, x):
        return self.encoder(x).chunk(2, dim=1)

    def decode(self, z):
        return torch.sigmoid(self.decoder(z))


def build_model():
    torch.manual_seed(0)
    return FlatVAE()
'''


def test_an_adapter_file_and_its_card_open_a_flat_mlp_without_stating_anything(
    tmp_path: Path,
) -> None:
    from latent_explorer.core.models import write_model_card

    adapter = tmp_path / "flat_adapter.py"
    adapter.write_text(FLAT_ADAPTER, encoding="utf-8")
    model = load_model(adapter, trust_code=True)  # no LATENT_SHAPE: the decoder's layer says 4
    assert model.latent_shape == (4,) and model.image_shape == (28, 28, 1)
    images = grey_images(3)
    latents = model.encode(images)  # handed (B, 28, 28, 1), given (B, 784)
    net = model.network
    assert isinstance(net, torch.nn.Module)
    mu = net.encode(torch.from_numpy(images.reshape(3, 784)))[0].detach().numpy()
    np.testing.assert_allclose(latents, mu, rtol=1e-5, atol=1e-6)
    card = write_model_card(tmp_path / "flat.card.json", "adapter", adapter, ModelOptions())
    assert load_model(card, trust_code=True).encode(images).shape == (3, 4)
