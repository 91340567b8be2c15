"""model_from_object: networks held in Python become the app's model, with nothing stated."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from latent_explorer.core.errors import ModelOutputError, SpecError
from latent_explorer.core.models import GenerativeModel, ModelOptions, OutputRange
from latent_explorer.core.models.from_object import model_from_object
from tests.core.test_models_fit import FlatMLP, ViewConvAutoencoder, grey_images


class SpatialVAE(torch.nn.Module):
    """A conv VAE on 8x8 RGB: mean and log-variance side by side in 16 channels, latents
    (8, 2, 2), tanh output."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = torch.nn.Conv2d(3, 16, 4, stride=4)
        self.dec = torch.nn.ConvTranspose2d(8, 3, 4, stride=4)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.dec(z))


def colour_images(count: int = 2, side: int = 8) -> np.ndarray[Any, Any]:
    return np.random.default_rng(3).random((count, side, side, 3)).astype(np.float32)


def test_a_flat_mlp_vae_opens_with_only_sample_images() -> None:
    torch.manual_seed(0)
    net = FlatMLP(latent=6)
    images = grey_images(4)
    model = model_from_object(net, sample_images=images)
    assert isinstance(model, GenerativeModel) and not net.training  # switched to eval()
    assert model.latent_shape == (6,) and model.image_shape == (28, 28, 1)
    assert model.encoder_layout == "flat" and model.output_range is OutputRange.UNIT
    assert model.name == "FlatMLP" and model.source == "python:FlatMLP"
    latents = model.encode(images)
    mu = net.encode(torch.from_numpy(images.reshape(4, 784)))[0].detach().numpy()
    np.testing.assert_allclose(latents, mu, rtol=1e-5, atol=1e-6)
    decoded = model.decode(latents)
    expected = net.decode(torch.from_numpy(latents)).detach().numpy().reshape(4, 28, 28, 1)
    np.testing.assert_allclose(decoded, expected, rtol=1e-6)
    assert any("latent shape (6,)" in note for note in model.notes)


def test_a_conv_encoder_flattening_with_view_opens_and_encodes_grey_images() -> None:
    net = ViewConvAutoencoder(latent=5)
    model = model_from_object(net, sample_images=grey_images(2))
    assert model.latent_shape == (5,) and model.encoder_layout == "nchw"
    assert model.encode(grey_images(3)).shape == (3, 5)


def test_spatial_latents_come_from_the_encoder_and_tanh_output_is_read_as_minus_one_one() -> None:
    torch.manual_seed(1)
    net = SpatialVAE()
    images = colour_images()
    model = model_from_object(net, sample_images=images)
    assert model.latent_shape == (8, 2, 2)  # 16 channels were mean and log-variance
    assert model.output_range is OutputRange.SYMMETRIC and model.image_shape == (8, 8, 3)
    moments = net.encode(torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()).detach()
    np.testing.assert_allclose(model.encode(images), moments[:, :8].reshape(2, 32).numpy(),
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    z = np.zeros((1, 32), np.float32)
    raw = net.decode(torch.zeros(1, 8, 2, 2)).detach().permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(model.decode(z), (raw + 1) / 2, rtol=1e-5, atol=1e-6)


def test_a_dcgan_generator_takes_its_first_layer_channels_and_options_win() -> None:
    torch.manual_seed(2)
    gen = torch.nn.Sequential(torch.nn.ConvTranspose2d(12, 3, 4), torch.nn.Tanh())
    model = model_from_object(gen)
    assert model.latent_shape == (12, 1, 1) and not model.has_encoder
    assert model.image_shape == (4, 4, 3) and model.output_range is OutputRange.SYMMETRIC
    stated = model_from_object(gen, options=ModelOptions(output_range=OutputRange.UNIT),
                               name="G")  # fmt: skip
    assert stated.output_range is OutputRange.UNIT and stated.name == "G"
    assert not any("output range" in note for note in stated.notes)


def test_plain_callables_and_objects_with_attributes() -> None:
    weights = torch.randn(4, 3 * 16 * 16, generator=torch.Generator().manual_seed(0))

    def decode(z: torch.Tensor) -> torch.Tensor:
        return 255 * torch.sigmoid(z @ weights)  # flat 768 values in 0..255

    with pytest.raises(ModelOutputError, match="does not say the shape of its latents"):
        model_from_object(decode=decode)
    model = model_from_object(decode=decode, options=ModelOptions(latent_shape=(4,)))
    assert model.name == "decode" and model.image_shape == (16, 16, 3)
    assert model.output_range is OutputRange.BYTE
    assert any("16x16 colour" in note for note in model.notes)

    class Holder:
        z_dim = 4

        def __init__(self, scale: float) -> None:
            self.scale = scale

        def decode(self, z: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(self.scale * z @ weights)

    first, second = model_from_object(Holder(1.0)), model_from_object(Holder(2.0))
    assert first.latent_shape == (4,) and not first.has_encoder
    # No weights to hash: what the network returns tells two of them apart.
    assert first.fingerprint() != second.fingerprint()
    assert first.fingerprint() == model_from_object(Holder(1.0)).fingerprint()
    with pytest.raises(SpecError, match="no decode method"):
        model_from_object(object())


def test_samples_in_other_forms_and_a_float64_module() -> None:
    net = FlatMLP(latent=3).double()
    uint8 = (grey_images(2)[..., 0] * 255).astype(np.uint8)  # (B, H, W) uint8
    model = model_from_object(net, sample_images=uint8)
    assert model.latent_shape == (3,)
    assert model.encode(grey_images(2)).dtype == np.float32
    spatial = model_from_object(SpatialVAE(), sample_images=torch.rand(2, 3, 8, 8))  # (B, C, H, W)
    assert spatial.latent_shape == (8, 2, 2)


def test_an_encoder_that_takes_no_layout_lists_what_was_tried() -> None:
    net = FlatMLP(latent=3, encoder_in=100)
    with pytest.raises(ModelOutputError) as caught:
        model_from_object(net, sample_images=grey_images(1))
    message = str(caught.value)
    assert message.startswith("FlatMLP's encoder cannot encode 28x28x1 images")
    assert "\n" not in message
    for tried in ("(1, 1, 28, 28) channels first", "(1, 784) flat", "(1, 28, 28, 1) channels last"):
        assert tried in message
    assert "mat1 and mat2 shapes cannot be multiplied" in message
    assert "takes 100 values per image" in message


class ColourFlatMLP(torch.nn.Module):
    """An MLP on 16x16 RGB that flattens whatever it gets (so every layout "works") and
    returns 768 flat values: it was trained on (C, H, W) order, like ``x.view(B, -1)``."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = torch.nn.Linear(768, 4)
        self.dec = torch.nn.Linear(4, 768)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc(x.flatten(1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.dec(z))


def test_an_encoder_that_takes_any_layout_gets_the_decoders_channel_order() -> None:
    torch.manual_seed(4)
    net = ColourFlatMLP()
    images = colour_images(3, side=16)
    model = model_from_object(net, sample_images=images)
    assert model.image_shape == (16, 16, 3) and model.encoder_layout == "flat"
    chw = torch.from_numpy(images.transpose(0, 3, 1, 2).reshape(3, 768).copy())
    np.testing.assert_allclose(model.encode(images), net.encode(chw).detach().numpy(),
                               rtol=1e-5, atol=1e-6)  # fmt: skip
    flat = net.decode(torch.zeros(1, 4)).detach().numpy().reshape(3, 16, 16)
    np.testing.assert_allclose(model.decode(np.zeros((1, 4), np.float32))[0],
                               flat.transpose(1, 2, 0), rtol=1e-6)  # fmt: skip
