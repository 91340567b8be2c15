"""Long and spatial latents in the real window: principal-direction sliders, a readout that
summarises, channel maps with offset, gain and a brush, and a status bar that cuts on words."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt

from tests.core.fakes import LinearModel
from tests.core.spatial_models import shapes_npz, spatial_conv_model
from tests.qt.conftest import drag, wait_decoded


def test_a_128_value_latent_starts_on_principal_directions(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window("digits", LinearModel(latent_dim=128, side=8))
    sliders, stats = window.sliders, window.workspace.stats
    assert window.explorer.slider_basis == "pca"
    assert sliders.basis_combo.currentData() == "pca"
    assert len(sliders.sliders) == 64
    assert "first 64 of 128 principal directions" in sliders.note_label.text()
    before = window.explorer.current_latent.copy()
    sliders.sliders[0].setValue(sliders.sliders[0].value() + 150)
    moved = window.explorer.current_latent - before
    # The latent moved along the first principal direction only.
    direction = stats.components[0]
    assert np.linalg.norm(moved) > 0
    np.testing.assert_allclose(moved, direction * float(moved @ direction), atol=1e-4)
    wait_decoded(qtbot, window)
    # Raw dimensions remain a choice.
    sliders.basis_combo.setCurrentIndex(sliders.basis_combo.findData("raw"))
    assert window.explorer.slider_basis == "raw"
    assert len(sliders.sliders) == 128
    assert not sliders.note_label.isVisible()


def test_the_readout_summarises_a_long_latent_and_keeps_the_image_large(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window("prior:200", LinearModel(latent_dim=100, side=28))
    view = window.decoder_view
    text = view.latent_readout()
    assert text.startswith("z: 100 (100 values)") and "norm" in text and "range" in text
    assert "\n" not in text and text.count(",") <= 1
    latent = np.linspace(-2.5, 4.0, 100).astype(np.float32)
    window.explorer.current_latent = latent
    assert "range -2.5 to +4" in view.latent_readout()
    assert f"norm {np.linalg.norm(latent):.3g}" in view.latent_readout()
    wait_decoded(qtbot, window)
    # The readout takes a few lines at most; the decoded image keeps its room.
    line = view.latent_text.fontMetrics().lineSpacing()
    assert view.latent_text.height() <= 5 * line
    assert view.decoded_pane.height() >= 0.5 * view.height()
    assert view.decoded_pane.image_rect().height() >= 3 * 28  # at least 3x its 28 px


def test_tiny_latents_read_in_significant_digits(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window("digits", LinearModel(latent_dim=8, side=8))
    window.explorer.slider_basis = "raw"
    window.explorer.current_latent = np.full(8, 1.25e-4, dtype=np.float32)
    assert "+0.000125" in window.decoder_view.latent_readout()
    assert "0.00," not in window.decoder_view.latent_readout()
    assert window.sliders._value_labels[0].text() == "0.000125"
    wait_decoded(qtbot, window)


def test_a_long_status_message_is_cut_on_a_word(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.resize(1400, 860)
    bar = window.statusBar()
    message = ("Opened a folder of photographs with a model; " + "many words follow " * 20
               + "and the end")
    bar.showMessage(message)
    window.repaint()
    shown = bar.shown_message()
    assert bar.currentMessage() == message
    assert shown.endswith("\u2026") and message.startswith(shown[:-1])
    assert message[len(shown) - 1] == " "  # cut between words, never inside one
    assert bar.fontMetrics().horizontalAdvance(shown) <= bar.message_rect().width()
    assert bar.message_rect().right() < window.info_label.geometry().left()
    assert bar.toolTip() == message


def test_channel_view_offset_gain_and_a_brush_stroke(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = spatial_conv_model(4, 8)
    window = make_window(shapes_npz(tmp_path), model)
    view = window.channels
    assert view.spatial and window.channels_dock.isVisible()
    assert len(view.grid._images) == 4
    assert window.decoder_view.latent_readout().startswith("z: 4\u00d78\u00d78 (256 values)")
    # Pick channel 2 by clicking its map in the grid.
    qtbot.mouseClick(view.grid, Qt.MouseButton.LeftButton,
                     pos=view.grid.cell_rect(2).center())
    assert view.channel == 2
    start = window.explorer.current_latent.reshape(4, 8, 8).copy()

    # Gain and offset change that channel only.
    view.gain_slider.setValue(200)  # gain 2
    maps = window.explorer.current_latent.reshape(4, 8, 8)
    np.testing.assert_allclose(maps[2], start[2] * 2.0, atol=1e-5)
    np.testing.assert_array_equal(np.delete(maps, 2, axis=0), np.delete(start, 2, axis=0))
    view.offset_slider.setValue(100)
    _gain, offset = view.gain_offset()
    assert offset > 0
    maps = window.explorer.current_latent.reshape(4, 8, 8)
    np.testing.assert_allclose(maps[2], start[2] * 2.0 + offset, atol=1e-5)
    view.reset_button.click()
    np.testing.assert_allclose(window.explorer.current_latent.reshape(4, 8, 8), start, atol=1e-5)
    wait_decoded(qtbot, window)
    before_image = window.decoder_view.decoded_pane.array.copy()

    # A brush stroke across the top-left corner of channel 2 raises only that region.
    view.radius_spin.setValue(1.5)
    canvas = view.canvas
    drag(canvas, canvas.widget_pos(1.0, 1.0), canvas.widget_pos(1.0, 2.0), steps=4)
    after = window.explorer.current_latent.reshape(4, 8, 8)
    changed = np.abs(after - start) > 1e-6
    assert changed[2].any() and not np.delete(changed, 2, axis=0).any()
    rows, cols = np.nonzero(changed[2])
    assert rows.max() <= 2 and cols.max() <= 3  # within the brush's reach of the stroke
    assert (after[2][changed[2]] > start[2][changed[2]]).all()  # the left button raises
    assert not changed[2][4:, :].any() and not changed[2][:, 5:].any()
    # The decoded picture changed, in that part of the picture only (the decoder's reach:
    # one 3x3 convolution = 1 cell, upsampled x4, then 3x3 again = 1 pixel).
    wait_decoded(qtbot, window)
    image = window.decoder_view.decoded_pane.array
    diff = np.abs(image.astype(int) - before_image.astype(int)).sum(axis=2) > 0
    assert diff.any()
    ys, xs = np.nonzero(diff)
    assert ys.max() < 4 * 4 + 1 and xs.max() < 4 * 5 + 1
    # The maps show the edited latent.
    assert canvas._image is not None


def test_channel_view_says_why_it_is_empty_for_flat_latents(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    assert not window.channels.spatial and not window.channels_dock.isVisible()
    assert not window.channels.editor.isVisibleTo(window.channels)
    assert "flat (8 values)" in window.channels.note.text()
