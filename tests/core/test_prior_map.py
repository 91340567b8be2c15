"""Decoder-only models get a map of latents drawn from the prior."""

from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.core.compute.pipeline import open_workspace
from latent_explorer.core.compute.prior_map import prior_count, prior_dataset, signal_images
from latent_explorer.core.errors import SpecError
from latent_explorer.core.models.base import to_uint8
from tests.core.fakes import LinearModel


class GeneratorOnly(LinearModel):
    """A decoder with no encoder, like a GAN generator."""

    @property
    def has_encoder(self) -> bool:
        return False


class SignalModel(LinearModel):
    """A decoder whose output is a 1-D signal of 16 values."""

    def __init__(self) -> None:
        super().__init__()
        self.image_shape = (16,)

    @property
    def has_encoder(self) -> bool:
        return False

    def decode(self, latents: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        return super().decode(latents, labels).reshape(len(latents), 16)


def test_decoder_only_model_maps_prior_samples_with_their_pictures() -> None:
    model = GeneratorOnly()
    ws = open_workspace("digits", model)
    assert len(ws.latents) == 2000 and ws.dataset.source == "prior:2000"
    np.testing.assert_array_equal(ws.dataset.images[5], to_uint8(model.decode(ws.latents[5:6]))[0])
    assert "no encoder" in ws.dataset.notes[0]
    assert ws.projector.coords.shape == (2000, 2)


def test_prior_spec_sets_the_count_and_rejects_nonsense() -> None:
    ws = open_workspace("prior:300", GeneratorOnly())
    assert len(ws.latents) == 300
    assert prior_count("prior") == 2000
    for bad in ("prior:abc", "prior:3", "prior:99999999"):
        with pytest.raises(SpecError, match="prior"):
            prior_count(bad)


def test_signals_become_line_pictures() -> None:
    dataset, _ = prior_dataset(SignalModel(), 20)
    assert dataset.images.shape == (20, 48, 16, 1)
    # Exactly one lit pixel per column of each picture.
    assert (dataset.images[..., 0] > 0).sum(axis=1).max() == 1
    lines = signal_images(np.array([[0, 255]], dtype=np.uint8), height=4)
    assert lines[0, 3, 0, 0] == 255 and lines[0, 0, 1, 0] == 255


def test_side_by_side_model_joins_two_decoders() -> None:
    from latent_explorer.core.models.side_by_side import SideBySideModel

    a, b = LinearModel(seed=0), LinearModel(seed=1, side=8)
    both = SideBySideModel(a, b)
    z = np.random.default_rng(0).standard_normal((3, 3)).astype(np.float32)
    images = both.decode(z)
    assert images.shape == (3, 8, 8 + 1 + 8, 1) == (3, *both.image_shape)
    np.testing.assert_array_equal(images[:, ::2, :8:2], a.decode(z))  # A upscaled 2x
    np.testing.assert_array_equal(images[:, :, 9:], b.decode(z))
    assert (images[:, :, 8] == 0).all()
    with pytest.raises(Exception, match="latent size"):
        SideBySideModel(a, LinearModel(latent_dim=5))
