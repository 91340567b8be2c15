"""TorchModel: every messy convention of real checkpoints becomes the protocol's."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from latent_explorer.core.errors import ModelOutputError
from latent_explorer.core.models import GenerativeModel, TorchModel


def latents(count: int, dim: int, seed: int = 0) -> np.ndarray[Any, np.dtype[np.float32]]:
    return np.random.default_rng(seed).standard_normal((count, dim)).astype(np.float32)


def test_tanh_generator_without_encoder_maps_minus_one_one_to_unit() -> None:
    def generator(z: torch.Tensor) -> torch.Tensor:
        # (B, 3, 4, 4) in [-1, 1]: channel 0 is -1, channel 1 is 0, channel 2 is +1.
        base = torch.tensor([-1.0, 0.0, 1.0]).reshape(1, 3, 1, 1)
        return base.expand(z.shape[0], 3, 4, 4) + 0 * z.sum()

    model = TorchModel(generator, name="gan", source="x", latent_shape=(6,), output_range="-1,1")
    assert isinstance(model, GenerativeModel)
    assert not model.has_encoder and model.image_shape == (4, 4, 3)
    images = model.decode(latents(3, 6))
    assert images.shape == (3, 4, 4, 3)
    np.testing.assert_allclose(images[0, 0, 0], [0.0, 0.5, 1.0])
    with pytest.raises(ModelOutputError, match="gan has no encoder"):
        model.encode(images)


def test_tuple_output_picks_output_index_and_logits_become_sigmoid() -> None:
    def decoder(z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = z[:, :1, None].expand(-1, 5, 5)  # (B, 5, 5): grey without channel axis
        return z * 100.0, logits

    model = TorchModel(
        decoder, name="m", source="x", latent_shape=(2,), output_range="logits", output_index=1
    )
    assert model.image_shape == (5, 5, 1)
    z = np.array([[0.0, 9.0], [2.0, -9.0]], np.float32)
    images = model.decode(z)
    np.testing.assert_allclose(images[:, 0, 0, 0], [0.5, 1 / (1 + np.exp(-2.0))], rtol=1e-6)


def test_dict_output_and_byte_range() -> None:
    def decoder(z: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"sample": torch.full((z.shape[0], 2, 2, 3), 51.0), "extra": z}

    model = TorchModel(decoder, name="m", source="x", latent_shape=(1,), output_range="0,255")
    np.testing.assert_allclose(model.decode(latents(2, 1)), 0.2, rtol=1e-6)
    by_key = TorchModel(
        decoder, name="m", source="x", latent_shape=(1,), output_range="0,255",
        output_index="sample",
    )  # fmt: skip
    assert by_key.image_shape == (2, 2, 3)


def test_non_flat_latents_nchw_outputs_and_split_half_encoder() -> None:
    class ConvAutoencoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.enc = torch.nn.Conv2d(3, 16, 4, stride=4)  # (B,3,8,8) -> (B,16,2,2): mu|logvar
            self.dec = torch.nn.ConvTranspose2d(8, 3, 4, stride=4)  # (B,8,2,2) -> (B,3,8,8)
            self.calls: list[tuple[int, ...]] = []

        def encode(self, x: torch.Tensor) -> torch.Tensor:
            self.calls.append(tuple(x.shape))
            return self.enc(x)

        def decode(self, z: torch.Tensor) -> torch.Tensor:
            self.calls.append(tuple(z.shape))
            return torch.sigmoid(self.dec(z))

    net = ConvAutoencoder().eval()
    model = TorchModel(
        net.decode, encode_fn=net.encode, name="ae", source="x", latent_shape=(8, 2, 2),
        encoder_output="split_half", state_fn=net.state_dict,
    )  # fmt: skip
    assert model.latent_dim == 32 and model.image_shape == (8, 8, 3)
    z = latents(4, 32)
    images = model.decode(z)
    assert images.shape == (4, 8, 8, 3)
    expected = torch.sigmoid(net.dec(torch.from_numpy(z).reshape(4, 8, 2, 2))).detach()
    np.testing.assert_allclose(images, expected.permute(0, 2, 3, 1).numpy(), rtol=1e-5)
    means = model.encode(images)
    assert means.shape == (4, 32)
    assert net.calls[-1] == (4, 3, 8, 8)  # the encoder got channel-first input, like the output
    moments = net.enc(torch.from_numpy(images).permute(0, 3, 1, 2)).detach()
    np.testing.assert_allclose(means, moments[:, :8].reshape(4, 32).numpy(), rtol=1e-5,
                               atol=1e-6)
    mean_mode = TorchModel(
        net.decode, encode_fn=net.encode, name="ae", source="x", latent_shape=(8, 2, 2)
    )
    np.testing.assert_allclose(mean_mode.encode(images), means, rtol=1e-6)


def test_vae_encoder_returning_mu_logvar_tuple_and_symmetric_input_range() -> None:
    seen: list[float] = []

    def encode(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        seen.append(float(x.min()))
        flat = x.reshape(x.shape[0], -1)[:, :3]
        return flat, torch.zeros_like(flat)

    model = TorchModel(
        lambda z: z.reshape(-1, 3, 1, 1).expand(-1, 3, 2, 2),
        encode_fn=encode, name="m", source="x", latent_shape=(3,), image_shape=(2, 2, 3),
        channels_first=True, encoder_input_range="-1,1",
    )  # fmt: skip
    images = np.zeros((2, 2, 2, 3), np.float32)
    np.testing.assert_allclose(model.encode(images), -1.0)
    assert seen == [-1.0, -1.0]  # one image to find the layout the encoder takes, then the batch


def test_conditional_decoder_gets_labels() -> None:
    def decoder(z: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        assert labels.dtype == torch.int64
        return (labels.float() / 9.0)[:, None].expand(-1, 4) + 0 * z[:, :1]

    model = TorchModel(decoder, name="cgan", source="x", latent_shape=(2,), num_classes=10)
    assert model.image_shape == (4,)  # a 1-D signal
    out = model.decode(latents(3, 2), np.array([0, 9, 3], np.int64))
    np.testing.assert_allclose(out[:, 0], [0.0, 1.0, 3 / 9], rtol=1e-6)
    np.testing.assert_allclose(model.decode(latents(2, 2))[:, 0], 0.0)  # no labels: class 0
    with pytest.raises(ValueError, match=r"labels 0\.\.9"):
        model.decode(latents(1, 2), np.array([10], np.int64))


def test_one_dimensional_signal_model_round_trip() -> None:
    weight = torch.randn(16, 4)
    model = TorchModel(
        lambda z: torch.sigmoid(z @ weight.T),
        encode_fn=lambda x: x[:, :4],
        name="signal", source="x", latent_shape=(4,),
    )  # fmt: skip
    assert model.image_shape == (16,)
    signals = model.decode(latents(3, 4))
    assert signals.shape == (3, 16)
    assert model.encode(signals).shape == (3, 4)


def test_nan_output_names_the_model_and_counts_latents() -> None:
    def decoder(z: torch.Tensor) -> torch.Tensor:
        out = torch.sigmoid(z.repeat(1, 4))
        return torch.where(z[:, :1] > 0, out, torch.full_like(out, float("nan")))

    model = TorchModel(decoder, name="flaky", source="x", latent_shape=(2,), image_shape=(8,))
    z = np.array([[1, 0], [-1, 0], [2, 0], [-3, 0]], np.float32)
    with pytest.raises(
        ModelOutputError, match=r"^flaky returned NaN or infinite values for 2 of 4"
    ):
        model.decode(z)


def test_exception_inside_the_network_becomes_model_output_error() -> None:
    def decoder(z: torch.Tensor) -> torch.Tensor:
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")

    model = TorchModel(decoder, name="broken", source="x", latent_shape=(2,), image_shape=(4,))
    with pytest.raises(ModelOutputError, match=r"broken failed while decoding .* mat1 and mat2"):
        model.decode(latents(2, 2))
    with pytest.raises(ModelOutputError, match="broken failed"):
        TorchModel(decoder, name="broken", source="x", latent_shape=(2,))


def test_large_batches_are_split_and_run_without_grad() -> None:
    sizes: list[int] = []

    def decoder(z: torch.Tensor) -> torch.Tensor:
        sizes.append(z.shape[0])
        assert torch.is_inference_mode_enabled()
        return torch.sigmoid(z)

    model = TorchModel(
        decoder, name="m", source="x", latent_shape=(3,), image_shape=(3,), batch_size=4
    )
    assert model.decode(latents(10, 3)).shape == (10, 3)
    assert sizes == [4, 4, 2]
    assert model.decode(np.zeros((0, 3), np.float32)).shape == (0, 3)
    with pytest.raises(ValueError, match=r"latents of shape \(B, 3\)"):
        model.decode(latents(2, 4))


def test_fingerprint_follows_weights_and_settings() -> None:
    net = torch.nn.Linear(2, 4)

    def make(output_range: str) -> TorchModel:
        return TorchModel(
            net, name="m", source="x", latent_shape=(2,), output_range=output_range,
            state_fn=net.state_dict,
        )  # fmt: skip

    first = make("logits").fingerprint()
    assert first == make("logits").fingerprint()
    assert first != make("-1,1").fingerprint()
    with torch.no_grad():
        net.weight.add_(1.0)
    assert first != make("logits").fingerprint()
