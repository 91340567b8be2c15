"""The StyleGAN2 generator written here from the paper gives the reference implementation's
pixels, opened from a snapshot in NVIDIA's format; and the other sizes and forms files have."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from latent_explorer.core.compute.prior_map import prior_dataset
from latent_explorer.core.errors import ModelError
from latent_explorer.core.models import load_model
from latent_explorer.core.models.families.stylegan import generator as generator_module
from latent_explorer.core.models.families.stylegan.generator import build_generator
from latent_explorer.core.models.families.stylegan.mapping import MappingNetwork
from latent_explorer.core.models.families.stylegan.model import StyleGANModel
from tests.core.stylegan_facts import golden, needs_reference, reference_tree
from tests.core.stylegan_files import sg2_tree, write_snapshot


def _uint8(images: torch.Tensor) -> np.ndarray:
    """The reference's conversion (its README): NCHW in [-1, 1] to NHWC uint8."""
    return (images * 127.5 + 128).clamp(0, 255).to(torch.uint8).permute(0, 2, 3, 1).numpy()


def _close_to(got: np.ndarray, want: np.ndarray) -> None:
    """Within 1/255 everywhere (float rounding may move a pixel across a step)."""
    assert got.shape == want.shape
    assert np.abs(got.astype(np.int16) - want.astype(np.int16)).max() <= 1


@pytest.fixture(scope="module")
def sg2_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sg2")
    return write_snapshot(folder / "network-snapshot-000400.pkl", reference_tree("sg2"))


@needs_reference
def test_sg2_golden_seeds_match_the_reference_at_psi_1_and_0_7(sg2_file: Path) -> None:
    model = load_model(sg2_file)
    assert isinstance(model, StyleGANModel)
    g = model.generator
    ref = golden("sg2")
    assert (g.z_dim, g.w_dim, g.num_ws, g.img_resolution, g.img_channels, g.c_dim) == (
        64, 64, 10, 64, 3, 0)
    np.testing.assert_array_equal(model.seed_z(ref["seeds"]), ref["z"].astype(np.float32))
    z = torch.from_numpy(ref["z"]).float()
    with torch.no_grad():
        ws = g.mapping(z, None)
        np.testing.assert_allclose(ws.numpy(), ref["ws"], atol=1e-5)
        np.testing.assert_allclose(g.mapping.w_avg.numpy(), ref["w_avg"])
        raw = g.synthesis(torch.from_numpy(ref["ws"]).float(), noise_mode="const")
        np.testing.assert_allclose(raw.numpy(), ref["raw_psi1"], atol=1e-3)
        for psi, key in ((1.0, "images_psi1"), (0.7, "images_psi07")):
            _close_to(_uint8(g(z, None, truncation_psi=psi, noise_mode="const")), ref[key])


@needs_reference
def test_the_app_decodes_w_to_the_reference_images(sg2_file: Path) -> None:
    model = load_model(sg2_file)
    assert isinstance(model, StyleGANModel)
    ref = golden("sg2")
    w = ref["ws"][:, 0]  # at psi 1 every layer has the same w
    assert model.latent_shape == (64,) and model.image_shape == (64, 64, 3)
    assert not model.has_encoder and model.num_classes == 0
    images = model.decode(w.astype(np.float32))
    _close_to((images * 255 + 0.5).astype(np.uint8), ref["images_psi1"])
    _close_to((model.decode_ws(ref["ws"]) * 255 + 0.5).astype(np.uint8), ref["images_psi1"])
    # The prior is seeds mapped to w: the golden seeds give the golden w.
    np.testing.assert_allclose(model.sample_latents(1, seed=int(ref["seeds"][0])), w[:1],
                               atol=1e-5)
    model.truncation_psi = 0.7
    _close_to((model.decode(w.astype(np.float32)) * 255 + 0.5).astype(np.uint8),
              ref["images_psi07"])


@needs_reference
def test_noise_modes_use_the_stored_noise_fresh_noise_or_none(sg2_file: Path) -> None:
    g = build_generator(reference_tree("sg2"))
    ws = torch.from_numpy(golden("sg2")["ws"][:2]).float()
    with torch.no_grad():
        const = [g.synthesis(ws, noise_mode="const") for _ in range(2)]
        random = [g.synthesis(ws, noise_mode="random") for _ in range(2)]
        none = g.synthesis(ws, noise_mode="none")
    assert torch.equal(const[0], const[1])
    assert not torch.equal(random[0], random[1])
    assert not torch.allclose(none, const[0], atol=1e-3)
    # Zero noise strength everywhere: all three modes agree (and the record keeps its own).
    stored = reference_tree("sg2").child("synthesis").child("b8").child("conv0")
    for layer in g.modules():
        if getattr(layer, "noise_strength", None) is not None:
            layer.noise_strength.zero_()
    with torch.no_grad():
        torch.testing.assert_close(g.synthesis(ws, noise_mode="random"),
                                   g.synthesis(ws, noise_mode="none"))
    assert float(stored.parameters["noise_strength"]) != 0
    with pytest.raises(ValueError, match="noise mode is one of const, random, none"):
        g.synthesis(ws, noise_mode="loud")


@needs_reference
def test_truncation_cutoff_moves_only_the_first_ws() -> None:
    g = build_generator(reference_tree("sg2"))
    z = torch.from_numpy(golden("sg2")["z"][:2]).float()
    with torch.no_grad():
        full = g.mapping(z, None)
        cut = g.mapping(z, None, truncation_psi=0.5, truncation_cutoff=4)
    torch.testing.assert_close(cut[:, 4:], full[:, 4:])
    torch.testing.assert_close(cut[:, :4], g.mapping.w_avg + 0.5 * (full[:, :4] -
                                                                   g.mapping.w_avg))


def test_real_size_256px_with_w_512_and_real_widths(tmp_path: Path) -> None:
    tree = sg2_tree(z_dim=512, w_dim=512, resolution=256, channel_base=16384, channel_max=512)
    path = write_snapshot(tmp_path / "network-snapshot-025000.pkl", tree)
    assert path.stat().st_size > 90 << 20  # the real 256 px generator, twice (G and G_ema)
    model = load_model(path)
    assert isinstance(model, StyleGANModel)
    assert model.latent_shape == (512,) and model.num_ws == 14
    assert model.image_shape == (256, 256, 3)
    widths = {n: b.conv1.weight.shape[0] for n, b in zip(
        (4, 8, 16, 32, 64, 128, 256), model.generator.synthesis.blocks, strict=True)}
    assert widths == {4: 512, 8: 512, 16: 512, 32: 512, 64: 256, 128: 128, 256: 64}
    images = model.decode(model.sample_latents(1, seed=7))
    assert images.shape == (1, 256, 256, 3) and np.isfinite(images).all()
    assert 0.02 < images.std() < 0.5  # a picture, not a flat field
    # The map of 2,000 seeds: their w at once; pictures are not all decoded up front.
    data, latents = prior_dataset(model, 2000)
    np.testing.assert_allclose(latents[7], model.sample_latents(1, seed=7)[0], atol=1e-4)
    assert len(data) == 2000 and not data.has_images
    assert "decoded as you explore" in data.notes[0]


def test_a_conditional_network_maps_each_class_to_its_own_w(tmp_path: Path) -> None:
    tree = sg2_tree(z_dim=32, w_dim=32, resolution=16, c_dim=5, channel_base=256,
                    channel_max=32, mapping_layers=2)
    model = load_model(write_snapshot(tmp_path / "cond.pkl", tree))
    assert isinstance(model, StyleGANModel) and model.num_classes == 5
    mapping = model.generator.mapping
    assert isinstance(mapping, MappingNetwork) and mapping.embed is not None
    w0, w3 = model.sample_latents(4, label=0), model.sample_latents(4, label=3)
    assert not np.allclose(w0, w3)
    # By hand: z and the one-hot's embedding, each normalised, through the layers.
    z = torch.from_numpy(model.seed_z(range(4)))
    c = torch.nn.functional.one_hot(torch.full((4,), 3), 5).float()
    x = torch.cat([z * z.square().mean(1, keepdim=True).add(1e-8).rsqrt(),
                   (y := mapping.embed(c)) * y.square().mean(1, keepdim=True).add(1e-8).rsqrt()],
                  dim=1)
    for layer in mapping.layers:
        x = torch.nn.functional.leaky_relu(x @ layer.weight.t() + layer.bias, 0.2) * 2 ** 0.5
    np.testing.assert_allclose(w3, x.detach().numpy(), rtol=1e-4, atol=1e-5)
    assert model.decode(w3, np.full(4, 3)).shape == (4, 16, 16, 3)


@pytest.mark.parametrize("architecture", ["resnet", "orig"])
def test_resnet_and_orig_architectures_build_and_use_their_paths(
        tmp_path: Path, architecture: str) -> None:
    tree = sg2_tree(z_dim=16, w_dim=16, resolution=32, channel_base=256, channel_max=32,
                    mapping_layers=2, architecture=architecture)
    model = load_model(write_snapshot(tmp_path / f"{architecture}.pkl", tree))
    assert isinstance(model, StyleGANModel)
    blocks = list(model.generator.synthesis.blocks)
    assert [b.torgb is not None for b in blocks] == [False] * (len(blocks) - 1) + [True]
    assert model.num_ws == 2 * len(blocks) - 1 + 1
    w = model.sample_latents(2)
    before = model.decode(w)
    assert before.shape == (2, 32, 32, 3) and np.isfinite(before).all()
    if architecture == "resnet":
        assert all(b.skip is not None for b in blocks[1:])
        blocks[2].skip.weight.mul_(0)  # the skip path counts
        assert not np.allclose(model.decode(w), before)


def test_a_damaged_network_names_what_does_not_fit(tmp_path: Path) -> None:
    tree = sg2_tree(z_dim=16, w_dim=16, resolution=8, channel_base=64, channel_max=16,
                    mapping_layers=2)
    state = dict(tree.state)
    mapping = tree.child("mapping")
    state["_modules"] = {"synthesis": tree.child("synthesis"), "mapping": type(mapping)(
        mapping.class_name, {**mapping.state, "_buffers": {"w_avg": torch.zeros(3)}})}
    bad = write_snapshot(tmp_path / "bad.pkl", type(tree)("Generator", state))
    with pytest.raises(ModelError, match=r"bad\.pkl: does not hold a StyleGAN generator this "
                                         r"app can build: MappingNetwork\.w_avg has 3 values"):
        load_model(bad)


def test_stylegan3_is_refused_in_one_line_when_its_synthesis_is_not_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = sg2_tree(z_dim=16, w_dim=16, resolution=8, channel_base=64, channel_max=16,
                    mapping_layers=2)
    synthesis = tree.child("synthesis")
    sg3 = type(tree)("SynthesisNetwork", {**synthesis.state, "_modules": {
        "input": synthesis.child("b4"), "L0_36_16": synthesis.child("b8")}})
    state = {**tree.state, "_modules": {"synthesis": sg3, "mapping": tree.child("mapping")}}
    path = write_snapshot(tmp_path / "sg3.pkl", type(tree)("Generator", state))
    monkeypatch.setattr(generator_module, "SG3_MODULE", "latent_explorer.no_such_module")
    with pytest.raises(ModelError) as caught:
        load_model(path)
    assert str(caught.value) == (f"{path}: it is a StyleGAN3-T generator, which this version "
                                 "of Latent Explorer cannot build yet (only StyleGAN2)")
