"""The star (current latent) on a UMAP/t-SNE map, and maps of samples from the prior."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from tests.qt.conftest import click, wait_decoded


def _here(window) -> np.ndarray:  # type: ignore[no-untyped-def]
    x, y = window.map_view.here_item.getData()
    return np.array([x[0], y[0]])


def test_the_star_sits_on_the_probe_while_the_probe_drives(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from latent_explorer.core.projection import projector_from_arrays

    window = make_window()
    ws = window.workspace
    window.projection.method = "tsne"
    coords = np.random.default_rng(0).standard_normal((len(ws.latents), 2)).astype(np.float32)
    window.jobs.cancel()
    qtbot.waitUntil(lambda: not window.jobs.running, timeout=30_000)
    ws.projector = projector_from_arrays(window.projection.to_params(), {
        "coords": coords, "latents": ws.latents, "sampled": np.array(-1, dtype=np.int64)})
    window._show_map(ws)
    window.explorer.probe_position = (0.7, -0.4)
    wait_decoded(qtbot, window)
    np.testing.assert_allclose(_here(window), [0.7, -0.4], atol=1e-6)
    # The forward map of that latent lies elsewhere: the star is not put there.
    forward = ws.projector.transform(window.explorer.current_latent[None, :])[0]
    assert np.linalg.norm(forward - [0.7, -0.4]) > 1e-3
    # Sliders move the latent: the star follows the latent's own place.
    latent = ws.latents[5].copy()
    window.explorer.current_latent = latent
    np.testing.assert_allclose(_here(window), ws.projector.transform(latent[None, :])[0],
                               atol=1e-5)
    assert "round-trip" in window.map_view.probe.toolTip()

    # A sample clicked on the map: the star sits on that sample's point.
    window.explorer.probe_position = (0.7, -0.4)
    wait_decoded(qtbot, window)
    x, y = (float(v) for v in coords[9])
    view = window.map_view
    view.view_box.setRange(xRange=(x - 0.01, x + 0.01), yRange=(y - 0.01, y + 0.01), padding=0)
    qtbot.wait(10)
    click(view.viewport(), view.view_to_widget(x, y))
    assert window.explorer.selected_index == 9
    wait_decoded(qtbot, window)
    np.testing.assert_allclose(_here(window), coords[9], atol=1e-4)

    # A path between two samples, scrubbed: the star rides the path drawn on the map.
    for index in (9, 40):
        x, y = (float(v) for v in coords[index])
        view.view_box.setRange(xRange=(x - 0.01, x + 0.01), yRange=(y - 0.01, y + 0.01),
                               padding=0)
        qtbot.wait(10)
        click(view.viewport(), view.view_to_widget(x, y), Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(window.paths.frames) > 0, timeout=10_000)
    timeline = window.paths.filmstrip.timeline
    timeline.setFocus()
    curve_x, curve_y = window.paths.overlay.curve.getData()
    for frame in (0, 7):
        timeline.setValue(frame)
        wait_decoded(qtbot, window)
        np.testing.assert_array_equal(window.explorer.current_latent, window.paths.frames[frame])
        np.testing.assert_allclose(_here(window), [curve_x[frame], curve_y[frame]], atol=1e-5)
    np.testing.assert_allclose([curve_x[0], curve_y[0]], coords[9], atol=1e-4)  # from the sample


def test_a_map_of_prior_samples_says_so_and_shows_the_sample_itself(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(dataset="prior:300")
    pane = window.decoder_view.original_pane
    assert "samples from the prior" in pane.placeholder
    assert "samples from the prior" in window.info_label.text()
    assert "images" not in window.info_label.text()
    window.explorer.selected_index = 7
    wait_decoded(qtbot, window)
    assert "from the prior" in pane.caption
    ws = window.workspace
    np.testing.assert_array_equal(pane.array, ws.dataset.images[7])
    # That picture is the sample's own decoded image.
    from latent_explorer.core.compute.decoder import decode_one

    np.testing.assert_array_equal(pane.array, decode_one(ws.model, ws.latents[7]))
    # Back on data, the pane says "Original" again.
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(dataset="digits")
    assert "original" in pane.placeholder and pane.caption == "Original"


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_a_decoder_that_raises_is_one_line_in_the_status_bar_and_whole_in_the_log(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    import torch

    from latent_explorer.core.models import ModelOptions, load_model, write_model_card
    from tests.test_cli_errors import Raising

    monkeypatch.setenv("LATENT_EXPLORER_LOG", str(tmp_path / "log"))
    window = make_window()
    torch.jit.script(Raising()).save(str(tmp_path / "gen.pt"))
    card = write_model_card(tmp_path / "gen.json", "torchscript", tmp_path / "gen.pt",
                            ModelOptions(latent_shape=(8,), image_shape=(2, 2, 1)))
    window.decoder.set_model(load_model(str(card), trust_code=True))
    window.explorer.current_latent = np.ones(8, np.float32)
    qtbot.waitUntil(lambda: "the generator is broken" in window.last_error, timeout=10_000)
    shown = window.statusBar().currentMessage()
    assert "\n" not in shown and str(card) in shown and "the generator is broken" in shown
    log = (tmp_path / "log" / "crash.log").read_text()
    assert "Traceback" in log and "the generator is broken" in log
