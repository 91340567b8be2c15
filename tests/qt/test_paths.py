"""Interpolation paths in the window: anchors by ctrl-click, drawn on the map, scrubbed, played,
exported (and cancelled)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from latent_explorer.core.compute.decoder import decode_one
from latent_explorer.core.export.path_frames import path_latents
from latent_explorer.qt.dialogs.export_dialog import ExportSettings
from tests.qt.conftest import click, wait_decoded

ANCHORS = (5, 400, 1200)


def _ctrl_click_samples(window, qtbot, indices) -> None:  # type: ignore[no-untyped-def]
    view = window.map_view
    coords = window.workspace.projector.coords
    for index in indices:
        x, y = (float(v) for v in coords[index])
        view.view_box.setRange(xRange=(x - 0.03, x + 0.03), yRange=(y - 0.03, y + 0.03),
                               padding=0)
        qtbot.wait(10)
        click(view.viewport(), view.view_to_widget(x, y), Qt.KeyboardModifier.ControlModifier)
    view.reset_view()


def _make_path(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    _ctrl_click_samples(window, qtbot, ANCHORS)
    strip = window.paths.filmstrip.strip
    qtbot.waitUntil(lambda: len(strip.images) == 10 and strip.frame_count == 61, timeout=10_000)


def test_ctrl_clicks_build_a_path_drawn_on_the_map(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    _make_path(window, qtbot)
    path = window.paths.path
    assert [a.index for a in path.anchors] == list(ANCHORS)
    assert window.explorer.selected_index is None  # ctrl-click adds, it does not select
    assert window.paths.panel.anchor_list.count() == 3
    assert "sample #400" in window.paths.panel.anchor_list.item(1).text()
    frames = window.paths.frames
    assert len(frames) == 2 * path.frames_per_segment + 1
    np.testing.assert_array_equal(frames[0], window.workspace.latents[ANCHORS[0]])
    np.testing.assert_array_equal(frames[-1], window.workspace.latents[ANCHORS[-1]])
    x, y = window.paths.overlay.curve.getData()
    expected = window.workspace.projector.transform(frames)
    np.testing.assert_allclose(x, expected[:, 0], atol=1e-5)
    np.testing.assert_allclose(y, expected[:, 1], atol=1e-5)
    assert len(window.paths.overlay.labels) == 3
    strip = window.paths.filmstrip.strip
    assert len(strip.images) == 10
    np.testing.assert_array_equal(strip.images[0], decode_one(window.workspace.model, frames[0]))


def test_scrubbing_decodes_the_frame(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    _make_path(window, qtbot)
    timeline = window.paths.filmstrip.timeline
    timeline.setFocus()
    for _ in range(17):
        qtbot.keyClick(timeline, Qt.Key.Key_Right)
    wait_decoded(qtbot, window)
    frame = window.paths.frames[17]
    np.testing.assert_array_equal(window.explorer.current_latent, frame)
    np.testing.assert_array_equal(window.decoder_view.decoded_pane.array,
                                  decode_one(window.workspace.model, frame))
    here = window.map_view.here_item.getData()
    assert here[0][0] == window.workspace.projector.transform(frame[None])[0][0]
    assert "frame 18 / 61" in window.paths.filmstrip.frame_label.text()


def test_play_advances_and_stops_at_the_end(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    _make_path(window, qtbot)
    window.paths.path.fps = 120
    film = window.paths.filmstrip
    qtbot.mouseClick(film.play_button, Qt.MouseButton.LeftButton)
    assert film.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: not film.play_button.isChecked(), timeout=10_000)
    assert film.timeline.value() == film.timeline.maximum()


def test_loop_setting_and_keyframe_button(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    _make_path(window, qtbot)
    panel = window.paths.panel
    with qtbot.waitSignal(window.paths.frames_changed, timeout=5000):
        panel.loop_check.setChecked(True)
    assert window.paths.path.loop
    assert len(window.paths.frames) == 3 * window.paths.path.frames_per_segment
    # The drawn loop closes on its start.
    x, y = window.paths.overlay.curve.getData()
    assert (x[0], y[0]) == (x[-1], y[-1])
    window.explorer.current_latent = np.full(8, 0.5, dtype=np.float32)
    with qtbot.waitSignal(window.paths.frames_changed, timeout=5000):
        qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    assert len(window.paths.path.anchors) == 4
    np.testing.assert_array_equal(window.paths.path.anchors[-1].latent, np.full(8, 0.5))


def test_several_paths_are_kept(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    _make_path(window, qtbot)
    panel = window.paths.panel
    qtbot.mouseClick(panel.new_button, Qt.MouseButton.LeftButton)
    assert panel.path_combo.count() == 2 and window.paths.path.anchors == ()
    assert len(window.paths.frames) == 0
    panel.path_combo.setCurrentIndex(0)
    assert len(window.paths.path.anchors) == 3 and len(window.paths.frames) == 61


def test_export_mp4_from_the_window(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from tests.core.test_export_video import probe_video

    window = make_window()
    _make_path(window, qtbot)
    out = tmp_path / "walk.mp4"
    with qtbot.waitSignal(window.paths.export_finished, timeout=60_000) as blocker:
        window.paths.export(ExportSettings(out, fps=24, size=256, scale_mode="nearest",
                                           sheet=6))
    report = blocker.args[0]
    assert out.exists() and report.frames == 61
    frames, size, fps = probe_video(out)
    assert size == (256, 256) and abs(fps - 24) < 0.01 and len(frames) == 61
    assert (tmp_path / "walk_sheet.png").exists()
    assert "Exported 61 frames" in window.statusBar().currentMessage()


def test_cancelled_export_leaves_no_file(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    _make_path(window, qtbot)
    window.paths.path.frames_per_segment = 400
    qtbot.waitUntil(lambda: len(window.paths.frames) == 801, timeout=5000)
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "long.gif"

    def press_cancel(fraction: float | None, message: str) -> None:
        dialog = window.paths.progress_dialog
        if fraction and fraction > 0.05 and dialog is not None:
            button = dialog.findChild(QPushButton)
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)

    window.paths.exporter.progress.connect(press_cancel)
    with qtbot.waitSignal(window.paths.exporter.cancelled, timeout=60_000):
        window.paths.export(ExportSettings(out, fps=30, size=512, scale_mode="smooth", sheet=0))
    assert not out.exists()
    assert list(folder.iterdir()) == []  # no temporary file left either
    assert "no file was written" in window.statusBar().currentMessage()


def test_even_speed_is_computed_off_the_gui_thread(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    _make_path(window, qtbot)
    with qtbot.waitSignal(window.paths.frames_changed, timeout=10_000):
        window.paths.panel.even_check.setChecked(True)
    expected = path_latents(window.paths.path, window.workspace.model)
    np.testing.assert_allclose(window.paths.frames, expected, atol=1e-6)
