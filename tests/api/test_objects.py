"""``lx.explore`` / ``lx.load_model`` / ``lx.load_dataset`` on objects a notebook holds: a
small conv VAE built here (its encoder flattens with ``x.view``), arrays and tensors as users
have them (non-contiguous, channel-first, float), string labels and metadata columns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

import latent_explorer as lx
from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.models.base import to_uint8
from tests.qt.conftest import wait_decoded

# Models and datasets made from Python objects come from two sibling changes (core/models/
# from_object.py, core/datasets/from_object.py); until both are in, these tests wait for them.
pytest.importorskip("latent_explorer.core.models.from_object",
                    reason="model_from_object is not in this tree yet")
pytest.importorskip("latent_explorer.core.datasets.from_object",
                    reason="dataset_from_object is not in this tree yet")

LATENT = 6


class ConvVAE(nn.Module):
    """A VAE for 16x16 grey images whose encoder flattens with ``view`` (needs contiguous input)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, stride=2, padding=1)            # -> (4, 8, 8)
        self.to_stats = nn.Linear(4 * 8 * 8, 2 * LATENT)
        self.from_latent = nn.Linear(LATENT, 4 * 8 * 8)
        self.deconv = nn.ConvTranspose2d(4, 1, 4, stride=2, padding=1)  # -> (1, 16, 16)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(self.conv(x))
        mean, log_var = self.to_stats(h.view(h.shape[0], -1)).chunk(2, dim=1)
        return mean, log_var

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        h = torch.relu(self.from_latent(z)).view(-1, 4, 8, 8)
        return torch.sigmoid(self.deconv(h))


@pytest.fixture
def vae() -> ConvVAE:
    torch.manual_seed(0)
    return ConvVAE().eval()


@pytest.fixture
def images() -> np.ndarray:
    """60 grey 16x16 images, float in [0, 1], as a non-contiguous view (every other row of
    a bigger batch)."""
    rng = np.random.default_rng(1)
    yy, xx = np.mgrid[0:16, 0:16]
    blobs = [np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / 12.0)
             for cx, cy in rng.uniform(3, 13, size=(120, 2))]
    return np.stack(blobs).astype(np.float32)[::2]


def test_load_model_finds_what_the_module_does_not_say(vae: ConvVAE, images: np.ndarray) -> None:
    model = lx.load_model(vae, sample_images=images[:4])
    assert model.latent_shape == (LATENT,) and model.image_shape == (16, 16, 1)
    assert model.has_encoder
    batch = images[:5, :, :, None]
    with torch.no_grad():
        expected = vae.encode(torch.from_numpy(np.ascontiguousarray(images[:5]))[:, None])[0]
    np.testing.assert_allclose(model.encode(batch), expected.numpy(), rtol=1e-5, atol=1e-6)
    # Options named like a model card's fields win over what was found.
    named = lx.load_model(vae, sample_images=images[:4], name="my VAE", output_range="logits")
    assert named.name == "my VAE"
    z = np.zeros((1, LATENT), dtype=np.float32)
    with torch.no_grad():
        raw = vae.decode(torch.from_numpy(z)).numpy()[0, 0]
    np.testing.assert_allclose(named.decode(z)[0, :, :, 0], 1 / (1 + np.exp(-raw)), rtol=1e-5)


def test_explore_a_module_on_arrays_with_labels_and_metadata(open_explorer: Any, qtbot: Any,
                                                              vae: ConvVAE,
                                                              images: np.ndarray) -> None:
    names = np.array(["left", "right"])[(np.arange(60) % 2)]
    brightness = images.sum(axis=(1, 2))
    explorer = open_explorer(vae, images, labels=names, metadata={"brightness": brightness})
    model, dataset = explorer.model, explorer.dataset
    assert model.latent_shape == (LATENT,) and len(dataset) == 60
    assert dataset.label_names == ["left", "right"]
    np.testing.assert_allclose(dataset.metadata["brightness"], brightness, rtol=1e-6)
    # The map places the module's own encodings of the images.
    with torch.no_grad():
        means = vae.encode(torch.from_numpy(np.ascontiguousarray(images))[:, None])[0].numpy()
    np.testing.assert_allclose(explorer.latents, means, atol=0.02)  # images stored as uint8
    # What the window decodes is what the module decodes.
    z = np.linspace(-1, 1, LATENT).astype(np.float32)
    explorer.set_latent(z)
    wait_decoded(qtbot, explorer.window)
    with torch.no_grad():
        expected = vae.decode(torch.from_numpy(z[None])).numpy()[0].transpose(1, 2, 0)
    shown = explorer.window.decoder_view.decoded_pane.array
    np.testing.assert_array_equal(np.asarray(shown).reshape(16, 16, 1), to_uint8(expected))


def test_explore_torch_tensors_channel_first(open_explorer: Any, vae: ConvVAE,
                                             images: np.ndarray) -> None:
    tensor = torch.from_numpy(np.ascontiguousarray(images))[:, None]  # (N, 1, H, W)
    explorer = open_explorer(vae, tensor, labels=torch.arange(60) % 3)
    assert explorer.dataset.image_shape == (16, 16, 1)
    assert sorted(set(explorer.dataset.labels.tolist())) == [0, 1, 2]


def test_explore_plain_decode_callable_maps_its_prior(open_explorer: Any, vae: ConvVAE) -> None:
    explorer = open_explorer(decode=vae.decode, latent_shape=LATENT, name="decoder only")
    assert explorer.model.name == "decoder only" and not explorer.model.has_encoder
    assert explorer.latents.shape[1] == LATENT  # latents drawn from the prior
    explorer.set_latent(np.zeros(LATENT))
    np.testing.assert_array_equal(explorer.latent, np.zeros(LATENT, dtype=np.float32))


def test_an_object_that_cannot_decode_is_refused_with_a_clear_message(images: np.ndarray) -> None:
    with pytest.raises(LatentExplorerError):
        lx.explore(object(), images, block=False)
    with pytest.raises(LatentExplorerError, match="shape"):
        lx.load_dataset(np.zeros((4, 5)))
