"""Per-layer ``w`` for a StyleGAN (style mixing, layer-limited edits) and the decode options
that change every picture (truncation, noise), with no window."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from latent_explorer.core.models import load_model
from latent_explorer.core.models.families.stylegan.mixing import (
    apply_overrides,
    broadcast_ws,
    check_range,
    edit_overrides,
    layer_presets,
    mixing_overrides,
    preset_of,
)
from latent_explorer.core.models.families.stylegan.model import StyleGANModel
from latent_explorer.core.session.style_state import StyleState
from tests.core.stylegan_files import sg2_tree, write_snapshot


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> StyleGANModel:
    path = tmp_path_factory.mktemp("sg") / "network-snapshot-000400.pkl"
    write_snapshot(path, sg2_tree(z_dim=16, w_dim=16, resolution=16, channel_base=128,
                                  channel_max=16, mapping_layers=2))
    loaded = load_model(Path(path))
    assert isinstance(loaded, StyleGANModel)
    return loaded


def test_presets_split_coarse_middle_and_fine_as_the_paper_does() -> None:
    assert layer_presets(18) == {"coarse": (0, 4), "middle": (4, 8), "fine": (8, 18)}  # 1024
    assert layer_presets(14) == {"coarse": (0, 4), "middle": (4, 8), "fine": (8, 14)}  # 256
    assert layer_presets(6) == {"coarse": (0, 2), "middle": (2, 4), "fine": (4, 6)}
    for n in range(1, 20):  # every range holds something and they tile the inputs
        spans = list(layer_presets(n).values())
        assert spans[0][0] == 0 and spans[-1][1] == n
        assert spans[0][1] == spans[1][0] and spans[1][1] == spans[2][0]
    assert preset_of((4, 8), 14) == "middle" and preset_of((3, 9), 14) == "custom"
    assert check_range((2, 5), 6) == (2, 5)
    with pytest.raises(ValueError, match="does not fit a network with 6 style inputs"):
        check_range((4, 7), 6)


def test_overrides_put_the_other_w_in_their_layers_only(model: StyleGANModel) -> None:
    w = model.sample_latents(2, seed=0)
    other = model.sample_latents(1, seed=5)[0]
    overrides = mixing_overrides(other, (1, 3))
    ws = broadcast_ws(w, model.num_ws, overrides)
    assert np.array_equal(ws[:, 1:3], np.broadcast_to(other, (2, 2, 16)))
    assert np.array_equal(ws[:, 0], w) and np.array_equal(ws[:, 5], w)
    torch_ws = apply_overrides(torch.from_numpy(broadcast_ws(w, model.num_ws)), overrides)
    np.testing.assert_array_equal(torch_ws.numpy(), ws)
    # What the model decodes with overrides is decode_ws of those ws (truncation on top).
    model.layer_overrides, model.truncation_psi = overrides, 0.6
    try:
        np.testing.assert_allclose(model.decode(w), model.decode_ws(ws), atol=1e-6)
    finally:
        model.layer_overrides, model.truncation_psi = (), 1.0
    # An edit limited to layers 2-3 keeps the anchor everywhere else; all layers: no override.
    anchor = model.sample_latents(1, seed=9)[0]
    kept = broadcast_ws(w, model.num_ws, edit_overrides(anchor, (2, 4), model.num_ws))
    assert np.array_equal(kept[:, 2:4], np.stack([w, w], 1))
    assert np.array_equal(kept[:, [0, 1, 4, 5]], np.broadcast_to(anchor, (2, 4, 16)))
    assert edit_overrides(anchor, (0, model.num_ws), model.num_ws) == ()
    assert edit_overrides(None, (2, 4), model.num_ws) == ()


def test_truncation_and_noise_are_in_the_fingerprint_and_checked(model: StyleGANModel) -> None:
    plain = model.fingerprint()
    model.apply_options({"truncation_psi": 0.7})
    try:
        assert model.fingerprint() != plain
        assert model.decode_options() == {"truncation_psi": 0.7, "noise_mode": "const"}
        with pytest.raises(ValueError, match="truncation psi must be a number from -2 to 2"):
            model.apply_options({"truncation_psi": float("nan")})
        with pytest.raises(ValueError, match="noise mode must be one of const, random, none"):
            model.apply_options({"noise_mode": "loud"})
    finally:
        model.apply_options({"truncation_psi": 1.0})
    assert model.fingerprint() == plain


def test_style_state_keeps_only_what_fits_the_network() -> None:
    state = StyleState(num_ws=6)
    state.apply_options({"truncation_psi": 0.5, "noise_mode": "random", "mix_seed": 7,
                         "mix_layers": [2, 4], "edit_layers": [0, 9]})
    assert (state.truncation_psi, state.noise_mode, state.mix_seed) == (0.5, "random", 7)
    assert state.mix_layers == (2, 4) and state.edit_layers is None  # 9 > 6 inputs
    state.apply_options({"truncation_psi": "high", "noise_mode": 3, "mix_seed": -1})
    assert state.truncation_psi == 0.5 and state.noise_mode == "random"
    assert state.mix_seed is None
    assert StyleState(num_ws=6, mix_seed=3).to_options()["mix_seed"] == 3


def test_random_networks_of_the_real_widths_build_through_the_snapshot_builder() -> None:
    """What the stylegan benchmarks time: real channel widths, random weights (StyleGAN3's
    random synthesis record is checked at 256 px in test_stylegan3)."""
    from latent_explorer.core.models.families.stylegan.generator import architecture
    from latent_explorer.core.models.families.stylegan.random_networks import (
        random_generator_record,
        random_stylegan,
    )

    model = random_stylegan("StyleGAN2", 16)
    assert str(model.generator.architecture).startswith("StyleGAN2")
    assert (model.w_dim, model.z_dim, model.num_ws) == (512, 512, 6)
    assert model.image_shape == (16, 16, 3)
    images = model.decode(model.sample_latents(1, seed=3))
    assert images.shape == (1, 16, 16, 3) and np.isfinite(images).all()
    assert float(images.std()) > 0.001
    record = random_generator_record("StyleGAN2", 8)
    assert architecture(record).generation == "StyleGAN2"
    assert record.child("mapping").attr("num_ws") == record.child("synthesis").attr("num_ws")
    with pytest.raises(ValueError, match="generation must be one of"):
        random_generator_record("StyleGAN4")
