"""An image autoencoder on photos: the map shows the photos, and the probe starts on a real
sample (the mean latent of an image autoencoder decodes to a grey texture)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from latent_explorer.core.analysis.typical_sample import typical_sample
from latent_explorer.core.models.families import SpatialModel
from tests.core.family_files import save_taesd
from tests.qt.conftest import noise_photos, wait_decoded


def test_taef2_on_photos_draws_the_photos_and_starts_on_one(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path) -> None:
    save_taesd(tmp_path / "model", "taef2")
    photos = noise_photos(tmp_path / "photos", count=8, side=64)
    window = make_window(dataset=str(photos), model=str(tmp_path / "model" / "taef2_decoder.pth"))
    ws = window.workspace
    assert isinstance(ws.model, SpatialModel) and ws.has_decoder

    # The points are drawn as their photos (View > Pictures on the Map is on).
    assert window.map_pictures_action.isChecked()
    qtbot.waitUntil(lambda: len(window.map_pictures.shown) > 0, timeout=10_000)

    # The probe, the star and the decoded image start on the sample nearest the middle.
    start = typical_sample(ws.latents)
    assert start is not None and window.workspaces.start_index == start
    np.testing.assert_array_equal(window.explorer.current_latent, ws.latents[start])
    probe = window.map_view.probe.pos()
    np.testing.assert_allclose((probe.x(), probe.y()), ws.projector.coords[start][:2],
                               rtol=1e-5, atol=1e-6)
    original = window.decoder_view.original_pane.array
    assert original is not None
    np.testing.assert_array_equal(original, ws.dataset.images[start])
    wait_decoded(qtbot, window)
    decoded = window.decoder_view.decoded_pane.array
    expected = ws.model.decode(ws.latents[start][None])[0]
    assert decoded is not None
    assert np.abs(decoded.astype(np.float32) / 255 - np.clip(expected, 0, 1)).max() < 2 / 255

    # Dragging the probe takes over from there, as before.
    window.explorer.probe_position = tuple(float(v) for v in ws.projector.coords[0][:2])
    assert not np.array_equal(window.explorer.current_latent, ws.latents[start])


def test_small_images_stay_dots_and_start_on_a_real_sample(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()  # digits, 8x8
    ws = window.workspace
    assert not window.map_pictures_action.isChecked()
    start = window.workspaces.start_index
    assert start is not None
    np.testing.assert_array_equal(window.explorer.current_latent, ws.latents[start])
    assert not np.allclose(window.explorer.current_latent, ws.stats.mean)
