"""Known image families (TAESD, KL autoencoders) open from Python with no code and no trust."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

import latent_explorer as lx
from tests.core.family_files import save_kl_folder, save_taesd, small_kl


def test_load_model_opens_a_taesd_pair_and_decodes_like_the_network(tmp_path: Path) -> None:
    dec, _ = save_taesd(tmp_path / "taesd")
    model = lx.load_model(tmp_path / "taesd" / "taesd_decoder.pth", image_size=64)
    assert model.latent_shape == (4, 8, 8) and model.has_encoder
    latent = np.random.default_rng(0).standard_normal((1, model.latent_dim)).astype(np.float32)
    image = model.decode(latent)
    assert image.shape == (1, 64, 64, 3)
    assert dec is not None
    with torch.no_grad():
        raw = dec(torch.from_numpy(latent.reshape(1, 4, 8, 8)))
    # The model is given in its family's pixel range; the app shows it in [0, 1].
    expected = raw.clamp(0, 1).permute(0, 2, 3, 1).numpy()
    assert np.abs(image - expected).max() <= 1 / 255


def test_explore_pairs_a_taesd_model_with_colour_images_at_their_size(
        tmp_path: Path, open_explorer: Any) -> None:
    save_taesd(tmp_path / "taesd")
    images = np.random.default_rng(1).integers(0, 255, (24, 32, 32, 3), np.uint8)
    explorer = open_explorer(model=str(tmp_path / "taesd" / "taesd_encoder.pth"), data=images)
    ws = explorer.window.workspace
    assert ws is not None and ws.model.latent_shape == (4, 4, 4)
    assert explorer.latent.shape == (64,)


def test_load_model_opens_a_diffusers_kl_folder(tmp_path: Path) -> None:
    folder = save_kl_folder(small_kl(), tmp_path / "vae")
    model = lx.load_model(folder, image_size=32)
    assert model.latent_shape[0] == 4 and model.has_encoder
    images = np.random.default_rng(2).random((2, 32, 32, 3)).astype(np.float32)
    assert model.encode(images).shape == (2, model.latent_dim)
