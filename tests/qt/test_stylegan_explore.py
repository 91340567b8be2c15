"""Exploring a StyleGAN in the window: truncation and noise, seeds, classes, style mixing and
edits limited to a range of layers, each driven through the StyleGAN panel's real controls
and checked on the pixels shown."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from latent_explorer.core.compute import prior_map
from latent_explorer.core.models import load_model
from latent_explorer.core.models.base import to_uint8
from latent_explorer.core.models.families.stylegan.mixing import broadcast_ws
from latent_explorer.core.models.families.stylegan.model import StyleGANModel
from tests.core.stylegan_files import sg2_tree, write_snapshot
from tests.qt.conftest import click, send_mouse, wait_decoded


def _snapshot(path: Path, c_dim: int = 0) -> Path:
    return write_snapshot(path, sg2_tree(z_dim=16, w_dim=16, resolution=16, c_dim=c_dim,
                                         channel_base=128, channel_max=16, mapping_layers=2))


@pytest.fixture(autouse=True)
def _few_seeds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prior_map, "DEFAULT_PRIOR_SAMPLES", 24)


def _shown(qtbot, window) -> np.ndarray:  # type: ignore[no-untyped-def]
    wait_decoded(qtbot, window, timeout=30_000)
    shown = window.decoder_view.decoded_pane.array
    assert shown is not None
    return np.asarray(shown)


def _reference(path: Path, psi: float = 1.0, noise: str = "const") -> StyleGANModel:
    """The same snapshot opened apart from the window, decoding as the window should."""
    model = load_model(path)
    assert isinstance(model, StyleGANModel)
    model.truncation_psi, model.noise_mode = psi, noise
    return model


def test_truncation_and_noise_in_the_panel_are_decoded_and_kept_in_sessions(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path) -> None:
    path = _snapshot(tmp_path / "network-snapshot-000400.pkl")
    window = make_window(dataset="prior:20", model=str(path))
    panel, ws = window.stylegan_panel, window.workspace
    assert window.stylegan_dock.isVisibleTo(window) and isinstance(ws.model, StyleGANModel)
    before = ws.model.fingerprint()
    latent = window.explorer.current_latent.copy()
    np.testing.assert_array_equal(_shown(qtbot, window),
                                  to_uint8(_reference(path).decode(latent[None]))[0])

    panel.psi_slider.setValue(70)  # the user drags psi to 0.7
    assert window.style_state.truncation_psi == pytest.approx(0.7)
    assert panel.psi_spin.value() == pytest.approx(0.7)
    assert ws.model.truncation_psi == pytest.approx(0.7)
    expected = to_uint8(_reference(path, 0.7).decode(latent[None]))[0]
    np.testing.assert_array_equal(_shown(qtbot, window), expected)
    assert ws.model.fingerprint() != before  # psi changes every picture: the cache keys too

    panel.noise_combo.setCurrentIndex(panel.noise_combo.findData("none"))
    assert ws.model.noise_mode == "none"
    expected = to_uint8(_reference(path, 0.7, "none").decode(latent[None]))[0]
    np.testing.assert_array_equal(_shown(qtbot, window), expected)

    saved = window.sessions.save(tmp_path / "psi.lxs")
    from latent_explorer.core.session.store import load_session

    options = load_session(saved).model.options
    assert options["truncation_psi"] == pytest.approx(0.7) and options["noise_mode"] == "none"
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(model="demo")
    assert not window.stylegan_dock.isVisibleTo(window)
    with qtbot.waitSignal(window.sessions.restored, timeout=60_000):
        window.sessions.open_session(saved)
    model = window.workspace.model
    assert isinstance(model, StyleGANModel)
    assert model.truncation_psi == pytest.approx(0.7) and model.noise_mode == "none"
    assert panel.psi_spin.value() == pytest.approx(0.7)
    assert "has changed" not in window.statusBar().currentMessage()
    np.testing.assert_array_equal(
        _shown(qtbot, window),
        to_uint8(_reference(path, 0.7, "none").decode(window.explorer.current_latent[None]))[0])


def test_go_to_seed_hover_shows_seeds_and_the_class_selector_maps_the_seed_again(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path) -> None:
    path = _snapshot(tmp_path / "cond.pkl", c_dim=3)
    window = make_window(dataset="prior:20", model=str(path))
    panel, reference = window.stylegan_panel, _reference(path)

    panel.seed_spin.setValue(42)
    qtbot.mouseClick(panel.go_button, Qt.MouseButton.LeftButton)
    w42 = reference.sample_latents(1, seed=42, label=0)[0]
    np.testing.assert_allclose(window.explorer.current_latent, w42, atol=1e-6)
    assert window.style_state.current_seed == 42 and "seed 42" in panel.seed_label.text()
    np.testing.assert_array_equal(_shown(qtbot, window), to_uint8(reference.decode(w42[None]))[0])

    # The class selector: the same seed, of class 2.
    combo = window.decoder_view.class_combo
    assert window.decoder_view.class_row.isVisibleTo(window) and combo.count() == 3
    combo.setCurrentIndex(2)
    w42c2 = reference.sample_latents(1, seed=42, label=2)[0]
    np.testing.assert_allclose(window.explorer.current_latent, w42c2, atol=1e-6)
    assert window.style_state.current_seed == 42
    np.testing.assert_array_equal(_shown(qtbot, window),
                                  to_uint8(reference.decode(w42c2[None]))[0])

    # A point of the map is a seed: its caption (the hover card's) says which, and a click on
    # it makes it the current seed.
    view, ws = window.map_view, window.workspace
    x, y = (float(v) for v in ws.projector.coords[7])
    view.view_box.setRange(xRange=(x - 1e-3, x + 1e-3), yRange=(y - 1e-3, y + 1e-3), padding=0)
    qtbot.wait(20)
    pos = view.view_to_widget(x, y)
    send_mouse(view.viewport(), "move", pos, buttons=Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: view.hover_card.isVisible(), timeout=10_000)
    assert view.hover_card.index == 7 and view.hover_card.text_label.text() == "Seed 7"
    assert view.hover_card.image_label.pixmap() is not None  # and its picture
    click(view.viewport(), pos)
    assert window.explorer.selected_index == 7
    assert window.style_state.current_seed == 7 and panel.seed_spin.value() == 7
    np.testing.assert_allclose(window.explorer.current_latent,
                               reference.sample_latents(1, seed=7, label=0)[0], atol=1e-6)
    # Moving away from a seed (the probe, a slider) says no seed any more.
    window.explorer.current_latent = window.explorer.current_latent + 0.5
    assert window.style_state.current_seed is None and panel.seed_label.text() == ""

    # Random seed: a seed's w, never a standard normal draw in W.
    qtbot.mouseClick(panel.random_button, Qt.MouseButton.LeftButton)
    seed = window.style_state.current_seed
    assert seed is not None and seed == panel.seed_spin.value()
    np.testing.assert_allclose(window.explorer.current_latent,
                               reference.sample_latents(1, seed=seed, label=2)[0], atol=1e-6)


def test_style_mixing_and_edits_limited_to_layers_are_live(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path) -> None:
    path = _snapshot(tmp_path / "network-snapshot-000400.pkl")
    window = make_window(dataset="prior:20", model=str(path))
    panel, state, reference = window.stylegan_panel, window.style_state, _reference(path)
    num_ws = reference.num_ws
    assert state.num_ws == num_ws == 6
    # The principal directions of W are the sliders a StyleGAN starts with.
    assert window.explorer.slider_basis == "pca"
    panel.seed_spin.setValue(3)
    qtbot.mouseClick(panel.go_button, Qt.MouseButton.LeftButton)
    w3 = reference.sample_latents(1, seed=3)[0]
    w9 = reference.sample_latents(1, seed=9)[0]

    # Mix seed 9 into the coarse layers (pose and shape): live, from the panel's controls.
    panel.mix_seed_spin.setValue(9)
    panel.mix_check.setChecked(True)
    panel.mix_preset.setCurrentIndex(panel.mix_preset.findData("coarse"))
    panel.mix_preset.activated.emit(panel.mix_preset.currentIndex())
    assert state.mix_seed == 9 and state.mix_layers == (0, 2)
    ws = broadcast_ws(w3[None], num_ws)
    ws[:, 0:2] = w9
    np.testing.assert_array_equal(_shown(qtbot, window), to_uint8(reference.decode_ws(ws))[0])
    mixed_coarse = _shown(qtbot, window)

    # A free range: style inputs 3 to 5 from seed 9.
    panel.mix_first.setValue(3)
    panel.mix_last.setValue(5)
    assert state.mix_layers == (3, 6) and panel.mix_preset.currentData() == "custom"
    ws = broadcast_ws(w3[None], num_ws)
    ws[:, 3:6] = w9
    shown = _shown(qtbot, window)
    np.testing.assert_array_equal(shown, to_uint8(reference.decode_ws(ws))[0])
    assert not np.array_equal(shown, mixed_coarse)
    panel.mix_check.setChecked(False)
    assert state.mix_seed is None
    np.testing.assert_array_equal(_shown(qtbot, window), to_uint8(reference.decode(w3[None]))[0])

    # An edit along the first principal direction reaches the fine layers only.
    panel.edit_preset.setCurrentIndex(panel.edit_preset.findData("fine"))
    panel.edit_preset.activated.emit(panel.edit_preset.currentIndex())
    assert state.edit_layers == (4, 6)
    slider = window.sliders.sliders[0]
    slider.setValue(slider.value() + 150 if slider.value() < 700 else slider.value() - 150)
    edited = window.explorer.current_latent.copy()
    assert not np.allclose(edited, w3)
    ws = broadcast_ws(w3[None], num_ws)
    ws[:, 4:6] = edited
    np.testing.assert_array_equal(_shown(qtbot, window), to_uint8(reference.decode_ws(ws))[0])
    # A second move keeps the w from before the first as the anchor.
    window.sliders.sliders[1].setValue(window.sliders.sliders[1].value() + 100)
    edited = window.explorer.current_latent.copy()
    ws = broadcast_ws(w3[None], num_ws)
    ws[:, 4:6] = edited
    np.testing.assert_array_equal(_shown(qtbot, window), to_uint8(reference.decode_ws(ws))[0])
    # A seed sets a whole new w: nothing of the old one stays.
    qtbot.mouseClick(panel.go_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(_shown(qtbot, window), to_uint8(reference.decode(w3[None]))[0])
