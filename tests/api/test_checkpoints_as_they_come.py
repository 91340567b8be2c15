"""Third-party checkpoints as users have them, opened from Python (issue 24, "Models as they
come"): files whose output range nobody states, encoders trained on [-1, 1], encoders that
sample, one-hot conditional decoders, whole autoencoders with only ``forward``, models of
another image size, renamed checkpoints.

The networks are in :mod:`tests.core.checkpoint_zoo`; pickles are saved with their class
file beside them, TorchScript archives and adapter files as users write them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import latent_explorer as lx
from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.base import OutputRange, sample_prior
from tests.core.checkpoint_zoo import (
    digits_unit,
    pickle_beside,
    range_autoencoder,
    round_trip_error,
    unique_name,
    zoo_module,
)

SCRIPT_IS_DEPRECATED = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)


def channels_last(tensor: torch.Tensor) -> np.ndarray[Any, Any]:
    return tensor.detach().permute(0, 2, 3, 1).numpy()


def torch_grey(images: np.ndarray[Any, Any]) -> torch.Tensor:
    return torch.from_numpy(np.array(images[..., 0][:, None], copy=True))


# --- output ranges of files ---------------------------------------------------------------
GAN_ADAPTER = """
import torch
from {module} import TanhDecoder

LATENT_SHAPE = (16,)


def load(checkpoint_dir):
    net = TanhDecoder()
    net.load_state_dict(torch.load(checkpoint_dir / "G.pth", map_location="cpu",
                                   weights_only=True))
    return net
"""


def test_tanh_files_are_read_in_their_range_and_say_it_was_guessed(tmp_path: Path) -> None:
    name = unique_name(tmp_path)
    pickled = pickle_beside(tmp_path, name, lambda nets: nets.TanhDecoder(), "svhn_decoder.pt")
    model = lx.load_model(pickled, trust_code=True)
    z = sample_prior(6, 16, seed=3)
    with zoo_module(tmp_path, name) as nets:
        same = torch.load(pickled, map_location="cpu", weights_only=False)
        assert isinstance(same, nets.TanhDecoder)
        want = (channels_last(same(torch.from_numpy(z))) + 1) / 2
        # The same generator through an adapter file and its state_dict (a GAN as shared).
        torch.save(same.state_dict(), tmp_path / "G.pth")
    adapter = tmp_path / "gan_adapter.py"
    adapter.write_text(GAN_ADAPTER.format(module=name), encoding="utf-8")
    by_adapter = lx.load_model(adapter, trust_code=True)
    for opened in (model, by_adapter):
        assert opened.output_range is OutputRange.SYMMETRIC  # type: ignore[attr-defined]
        np.testing.assert_allclose(opened.decode(z), want, atol=1e-6)  # not clipped at 0.5
        assert any("output range [-1, 1] guessed from decoded values" in note
                   for note in opened.notes)  # type: ignore[attr-defined]
    stated = lx.load_model(pickled, trust_code=True, output_range="0,1")  # a stated one wins
    assert stated.output_range is OutputRange.UNIT  # type: ignore[attr-defined]


# --- the encoder's input range ------------------------------------------------------------
@SCRIPT_IS_DEPRECATED
def test_an_autoencoder_trained_on_minus_one_to_one_is_fed_that_range(tmp_path: Path) -> None:
    with zoo_module(tmp_path / "src", unique_name(tmp_path)) as nets:
        net = range_autoencoder(nets)
        torch.jit.script(net).save(str(tmp_path / "ae.pt"))
    images = digits_unit(8)
    right, wrong = round_trip_error(net, images, "-1,1"), round_trip_error(net, images, "0,1")
    assert right < 0.5 * wrong  # what the trained network itself prefers
    model = lx.load_model(tmp_path / "ae.pt", trust_code=True, sample_images=images)
    assert model.encoder_input_range is OutputRange.SYMMETRIC  # type: ignore[attr-defined]
    assert model.output_range is OutputRange.SYMMETRIC  # type: ignore[attr-defined]
    latents = model.encode(images)
    expected = net.encode(torch_grey(images) * 2 - 1).detach().numpy()
    np.testing.assert_allclose(latents, expected, rtol=1e-5, atol=1e-5)
    error = float(((model.decode(latents) - images) ** 2).mean())
    assert error == pytest.approx(right, rel=1e-4)
    note = next(n for n in model.notes if "encoder input range" in n)  # type: ignore[attr-defined]
    assert note.startswith("encoder input range [-1, 1] and output range [-1, 1] chosen")
    assert f"{right:.3g}" in note and "input [0, 1]" in note
    # Data that does not fit the encoder's size leaves the guesses alone.
    untried = lx.load_model(tmp_path / "ae.pt", trust_code=True)
    assert untried.encoder_input_range is OutputRange.UNIT  # type: ignore[attr-defined]


@SCRIPT_IS_DEPRECATED
def test_explore_opens_that_autoencoder_on_the_range_it_was_trained_on(
        tmp_path: Path, open_explorer: Any) -> None:
    with zoo_module(tmp_path / "src", unique_name(tmp_path)) as nets:
        net = range_autoencoder(nets)
        torch.jit.script(net).save(str(tmp_path / "ae.pt"))
    images = digits_unit(40)
    explorer = open_explorer(str(tmp_path / "ae.pt"), (images[..., 0] * 255).astype(np.uint8),
                             trust_code=True)
    model = explorer.model
    assert model is not None
    assert model.encoder_input_range is OutputRange.SYMMETRIC  # type: ignore[attr-defined]
    expected = net.encode(torch_grey(images) * 2 - 1).detach().numpy()
    np.testing.assert_allclose(explorer.latents, expected, rtol=1e-4, atol=1e-4)
    status = explorer.window.statusBar().currentMessage()
    assert "encoder input range [-1, 1]" in status


# --- encoders that sample -----------------------------------------------------------------
def test_sampling_encoders_give_one_point_per_image(tmp_path: Path) -> None:
    name = unique_name(tmp_path)
    plain = pickle_beside(tmp_path, name, lambda nets: nets.SamplingVAE(), "vae.pt")
    with_mean = pickle_beside(tmp_path, name, lambda nets: nets.SamplingVAEWithMean(),
                              "vae_mean.pt")
    images = digits_unit(8)
    x = torch_grey(images)
    with zoo_module(tmp_path, name):
        mu, logvar = (t.detach().numpy() for t in
                      torch.load(plain, weights_only=False).moments(x))
    sigma = np.exp(0.5 * logvar)

    model = lx.load_model(with_mean, trust_code=True, sample_images=images)
    np.testing.assert_array_equal(model.encode(images), model.encode(images))
    np.testing.assert_allclose(model.encode(images), mu, rtol=1e-5, atol=1e-6)  # its own mean
    assert any("samples its latents" in n and "the mean it also returns (item 1 of its "
               "output)" in n for n in model.notes)  # type: ignore[attr-defined]

    model = lx.load_model(plain, trust_code=True, sample_images=images)
    first = model.encode(images)
    np.testing.assert_array_equal(first, model.encode(images))  # seeded: the same point
    assert np.all(np.abs(first - mu) < 1.5 * sigma)  # 16 draws: within sigma / 4 typically
    assert any("average of 16 draws" in n for n in model.notes)  # type: ignore[attr-defined]

    with zoo_module(tmp_path / "obj", name + "_obj") as nets:  # an object from a notebook
        torch.manual_seed(0)
        held = lx.load_model(nets.SamplingVAEWithMean(), sample_images=images)
    np.testing.assert_array_equal(held.encode(images), held.encode(images))


# --- one-hot labels -----------------------------------------------------------------------
def test_a_decoder_taking_one_hot_classes_gets_them(tmp_path: Path) -> None:
    z = sample_prior(5, 3, seed=1)
    labels = np.array([0, 3, 9, 9, 2])
    with zoo_module(tmp_path, unique_name(tmp_path)) as nets:
        torch.manual_seed(0)
        net = nets.OneHotDecoder()
        want = channels_last(net.decode(torch.from_numpy(z), torch.nn.functional.one_hot(
            torch.from_numpy(labels), 10).float()))
        for model in (lx.load_model(net, num_classes=10, latent_shape=3),
                      lx.load_model(net, num_classes=10)):  # 13 inputs: 3 latent, 10 classes
            assert model.latent_shape == (3,)
            np.testing.assert_allclose(model.decode(z, labels), want, rtol=1e-6)
            assert any("one-hot vector of 10 values" in n and "Tensors must have same number "
                       "of dimensions" in n for n in model.notes)  # type: ignore[attr-defined]


# --- a whole autoencoder ------------------------------------------------------------------
def test_a_forward_only_autoencoder_decodes_and_encodes_with_its_children(
        tmp_path: Path) -> None:
    name = unique_name(tmp_path)
    images = digits_unit(8)
    path = pickle_beside(tmp_path, name, lambda nets: nets.WholeAE(), "ae.pt")
    with zoo_module(tmp_path, name):
        net = torch.load(path, weights_only=False).eval()
        want_latents = net.encoder(torch_grey(images)).detach().numpy()
    for model in (lx.load_model(net, sample_images=images),
                  lx.load_model(path, trust_code=True, sample_images=images)):
        assert model.latent_shape == (6,) and model.image_shape == (8, 8, 1)
        latents = model.encode(images)
        np.testing.assert_allclose(latents, want_latents, rtol=1e-5, atol=1e-6)
        decoded = channels_last(net.decoder(torch.from_numpy(latents)))
        np.testing.assert_allclose(model.decode(latents), decoded, rtol=1e-5, atol=1e-6)
        assert any("a whole autoencoder" in n and "its decoder child decodes" in n
                   for n in model.notes)  # type: ignore[attr-defined]

    class Unnamed(torch.nn.Module):  # halves under other names: say what was found
        def __init__(self) -> None:
            super().__init__()
            self.down = torch.nn.Conv2d(1, 4, 3, stride=2, padding=1)
            self.up = torch.nn.ConvTranspose2d(4, 1, 4, stride=2, padding=1)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.sigmoid(self.up(torch.relu(self.down(x))))

    with pytest.raises(lx.LatentExplorerError) as caught:
        lx.load_model(Unnamed(), sample_images=images)
    assert "Conv2d(1 -> 4 channels), which takes images, not latents" in str(caught.value)
    assert "latent_shape=(128,)" not in str(caught.value)


# --- sizes --------------------------------------------------------------------------------
def test_a_64_pixel_model_given_28_pixel_images_names_the_size_and_they_can_be_resized(
        tmp_path: Path) -> None:
    small = np.random.default_rng(0).random((6, 28, 28)).astype(np.float32)
    with zoo_module(tmp_path, unique_name(tmp_path)) as nets:
        net = nets.Big64AE().eval()
        with pytest.raises(lx.LatentExplorerError) as caught:
            lx.load_model(net, sample_images=small)
        message = str(caught.value)
        assert "makes 64x64x1 images" in message and "given are 28x28x1" in message
        assert "image_size=64" in message
        data = lx.load_dataset(small, image_size=64)  # held in memory, resized
        assert data.image_shape == (64, 64, 1)
        assert any("resized from 28x28 to 64x64" in n for n in data.notes)
        model = lx.load_model(net, sample_images=data.float_batch(0, 4))
        assert model.encode(data.float_batch(0, 6)).shape == (6, 8)


# --- renamed files, state dicts -----------------------------------------------------------
@SCRIPT_IS_DEPRECATED
def test_a_renamed_checkpoint_is_read_by_its_content(tmp_path: Path) -> None:
    with zoo_module(tmp_path / "src", unique_name(tmp_path)) as nets:
        torch.jit.script(range_autoencoder(nets)).save(str(tmp_path / "vae.bak"))
        torch.save(nets.WholeAE().state_dict(), tmp_path / "weights.old")
    model = lx.load_model(tmp_path / "vae.bak", trust_code=True)
    assert model.latent_shape == (16,) and model.image_shape == (8, 8, 1)
    with pytest.raises(ModelError) as caught:  # weights only: says what helps, by content
        lx.load_model(tmp_path / "weights.old")
    message = str(caught.value)
    assert "holds only weights" in message and "adapter file" in message
    assert "or a model card" not in message  # a card cannot describe weights on its own
    (tmp_path / "notes.bak").write_text("not a model\n")
    with pytest.raises(lx.LatentExplorerError, match="by its name and by its content"):
        lx.load_model(tmp_path / "notes.bak")
