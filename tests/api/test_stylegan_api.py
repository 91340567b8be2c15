"""StyleGAN snapshots from Python: ``lx.load_model`` and ``lx.explore`` open them with no code,
and the generator's halves are there to script with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

import latent_explorer as lx
from latent_explorer.core.models.families.stylegan.model import StyleGANModel
from tests.core.stylegan_files import attack_source, sg2_tree, write_snapshot


def _snapshot(path: Path, source: str | None = None) -> Path:
    tree = sg2_tree(z_dim=16, w_dim=16, resolution=16, channel_base=128, channel_max=16,
                    mapping_layers=2)
    return write_snapshot(path, tree) if source is None else write_snapshot(path, tree,
                                                                            source=source)


def test_load_model_gives_the_generator_and_decodes_w(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = _snapshot(tmp_path / "network-snapshot-000400.pkl", attack_source(marker))
    model = lx.load_model(path)
    assert isinstance(model, StyleGANModel) and not marker.exists()
    assert model.latent_shape == (16,) and model.image_shape == (16, 16, 3)
    g = model.generator
    z = torch.from_numpy(model.seed_z([1, 2]))
    with torch.no_grad():
        ws = g.mapping(z, None, truncation_psi=0.7)
        raw = g.synthesis(ws, noise_mode="const")
    assert ws.shape == (2, g.num_ws, 16) and raw.shape == (2, 3, 16, 16)
    model.truncation_psi = 0.7
    images = model.decode(model.sample_latents(2, seed=1))
    expected = ((raw + 1) / 2).clamp(0, 1).permute(0, 2, 3, 1).numpy()
    np.testing.assert_allclose(images, expected, atol=1e-5)
    with pytest.raises(lx.LatentExplorerError, match="has no encoder"):
        model.encode(images)


def test_explore_opens_a_snapshot_on_a_map_of_its_seeds(tmp_path: Path, open_explorer: Any,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from latent_explorer.core.compute import prior_map

    path = _snapshot(tmp_path / "network-snapshot-000400.pkl")
    monkeypatch.setattr(prior_map, "DEFAULT_PRIOR_SAMPLES", 30)  # 2,000 in use
    explorer = open_explorer(str(path))  # no data: the map of its seeds
    ws = explorer.window.workspace
    assert isinstance(ws.model, StyleGANModel) and ws.dataset.name == "30 seeds"
    np.testing.assert_allclose(ws.latents, ws.model.sample_latents(30), atol=1e-6)
    explorer.close()
    explorer = open_explorer(str(path), data="prior:25")  # or as many as asked
    ws = explorer.window.workspace
    assert ws.dataset.name == "25 seeds"
    w = ws.model.sample_latents(1, seed=99)[0]
    explorer.set_latent(w)
    np.testing.assert_allclose(explorer.latent, w)


def test_set_latent_takes_a_seed_and_the_controls_work_from_python(
        tmp_path: Path, open_explorer: Any, monkeypatch: pytest.MonkeyPatch,
        qtbot: Any) -> None:
    from latent_explorer.core.compute import prior_map
    from latent_explorer.core.models.base import to_uint8
    from latent_explorer.core.models.families.stylegan.mixing import broadcast_ws

    path = _snapshot(tmp_path / "network-snapshot-000400.pkl")
    monkeypatch.setattr(prior_map, "DEFAULT_PRIOR_SAMPLES", 20)
    explorer = open_explorer(str(path))
    reference = lx.load_model(path)
    assert isinstance(reference, StyleGANModel)
    explorer.set_latent(42)
    np.testing.assert_allclose(explorer.latent, reference.sample_latents(1, seed=42)[0],
                               atol=1e-6)
    controls = explorer.stylegan
    assert controls.seed == 42
    controls.truncation_psi = 0.7
    window = explorer.window
    assert window.stylegan_panel.psi_spin.value() == pytest.approx(0.7)
    assert window.workspace.model.truncation_psi == pytest.approx(0.7)
    controls.mix(5, "fine")
    assert window.stylegan_panel.mix_check.isChecked()
    assert controls.presets()["fine"] == window.style_state.mix_layers
    controls.edit_layers = (0, 2)
    assert controls.edit_layers == (0, 2) and window.stylegan_panel.edit_last.value() == 1
    with pytest.raises(lx.LatentExplorerError, match="layers are coarse, middle, fine"):
        controls.mix(5, "all of them")
    with pytest.raises(lx.LatentExplorerError, match="truncation psi is a number"):
        controls.truncation_psi = 7
    reference.truncation_psi = 0.7
    ws = broadcast_ws(reference.sample_latents(1, seed=42), reference.num_ws)
    start, stop = window.style_state.mix_layers
    ws[:, start:stop] = reference.sample_latents(1, seed=5)[0]
    from tests.qt.conftest import wait_decoded

    wait_decoded(qtbot, window, timeout=30_000)
    np.testing.assert_array_equal(window.decoder_view.decoded_pane.array,
                                  to_uint8(reference.decode_ws(ws))[0])
