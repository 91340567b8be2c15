"""The 3-D map inside the window: the toggle, shared selection and paths, and the fallback.

GL tests run under ``xvfb-run -a env QT_QPA_PLATFORM=xcb python -m pytest -m gl`` (see
``.ci/run``); the fallback test runs on the offscreen platform, which has no OpenGL.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from latent_explorer.core.export.map_overlay import MARKER_FILL
from latent_explorer.qt import gl_support
from latent_explorer.qt.dialogs.export_dialog import QtExportDialog
from tests.qt.conftest import click, wait_decoded

needs_gl = pytest.mark.gl(pytest.mark.skipif(
    not os.environ.get("DISPLAY"),
    reason="needs OpenGL on a display: xvfb-run -a env QT_QPA_PLATFORM=xcb pytest -m gl"))


def _window_in_3d(make_window, qtbot):  # type: ignore[no-untyped-def]
    """A window on the demo with the 3-D view switched on and its map drawn."""
    ok, reason = gl_support.opengl_available()
    if not ok:
        pytest.skip(reason)
    window = make_window()
    with qtbot.waitSignal(window.view3d.map3d_changed, timeout=30_000):
        window.view3d.action.trigger()
    return window


def test_without_opengl_the_toggle_explains_and_the_map_keeps_working(  # type: ignore[no-untyped-def]
        make_window, qtbot, monkeypatch) -> None:
    monkeypatch.setenv("LATENT_EXPLORER_NO_GL", "1")
    monkeypatch.setattr(gl_support, "_cache", None)
    window = make_window()
    window.view3d.action.trigger()
    assert not window.view3d.available
    page = window.map_stack.currentWidget()
    assert isinstance(page, gl_support.QtMapView3DUnavailable)
    assert "OpenGL" in window.statusBar().currentMessage()
    window.view3d.action.trigger()
    assert window.map_stack.currentWidget() is window.map_view
    slider = window.sliders.sliders[0]
    slider.setValue(slider.value() + 100)
    wait_decoded(qtbot, window)
    assert window.decoder_view.decoded_pane.array is not None


@needs_gl
def test_3d_view_shares_selection_paths_and_probe(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = _window_in_3d(make_window, qtbot)
    view = window.view3d.view
    ws = window.workspace
    coords = window.view3d.projector.coords
    assert coords.shape == (1797, 3)
    qtbot.waitExposed(view)
    # Click a point in 3-D: the shared selection (and the decoder) follow.
    index = int(np.argmax(coords[:, 0]))
    pos = view.view_to_widget(*(float(v) for v in coords[index]))
    index = view.nearest_point(pos)  # the front-most point under the cursor wins
    assert index is not None
    click(view, pos)
    assert window.explorer.selected_index == index
    wait_decoded(qtbot, window)
    np.testing.assert_array_equal(window.explorer.current_latent, ws.latents[index])
    # A path made in 2-D is drawn in 3-D too.
    window.paths.path.add_anchor(ws.latents[1], 1)
    window.paths.path.add_anchor(ws.latents[2], 2)
    qtbot.waitUntil(lambda: len(window.paths.frames) == 31, timeout=5000)
    assert len(view.path_curve.positions) == 31
    # A 3-value probe position goes through the 3-D inverse projection.
    target = coords[5]
    window.explorer.probe_position = tuple(float(v) for v in target)
    np.testing.assert_allclose(window.explorer.current_latent,
                               window.view3d.projector.inverse(target[None])[0], atol=1e-5)


@needs_gl
def test_bench_measures_the_3d_frame_time(qapp, capsys) -> None:  # type: ignore[no-untyped-def]
    import json

    from latent_explorer.cli import main

    ok, reason = gl_support.opengl_available()
    if not ok:
        pytest.skip(reason)
    assert main(["bench", "--quick", "--only", "gl", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["gl_frame_ms_100k"] > 0 and result["gl_full_frame_ms_100k"] > 0
    assert not result["gl_renderer"].startswith("not measured")


@needs_gl
def test_video_with_the_3d_map_turning_beside_it(make_window, qtbot, tmp_path) -> None:  # type: ignore[no-untyped-def]
    window = _window_in_3d(make_window, qtbot)
    ws = window.workspace
    window.paths.path.add_anchor(ws.latents[1], 1)
    window.paths.path.add_anchor(ws.latents[2], 2)
    qtbot.waitUntil(lambda: len(window.paths.frames) == 31, timeout=5000)
    window.explorer.hidden_labels = frozenset({0})  # hidden in 3-D: left out of the panel
    out = tmp_path / "turn"

    def fill_in() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QtExportDialog):
            QTimer.singleShot(20, fill_in)
            return
        dialog.format_combo.setCurrentIndex(dialog.format_combo.findData("frames"))
        dialog.path_edit.setText(str(out))
        dialog.size_combo.setCurrentIndex(dialog.size_combo.findData(256))
        dialog.map_check.setChecked(True)
        assert dialog.map_kind.model().item(1).isEnabled()  # a 3-D map exists
        dialog.map_kind.setCurrentIndex(dialog.map_kind.findData("3d"))
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, fill_in)
    with qtbot.waitSignal(window.paths.export_finished, timeout=60_000) as blocker:
        qtbot.mouseClick(window.paths.panel.export_button, Qt.MouseButton.LeftButton)
    report = blocker.args[0]
    files = sorted(out.iterdir())
    assert len(files) == 31 and report.height == 256
    frames = [np.asarray(Image.open(f).convert("RGB")) for f in files]
    panel = lambda f: f[:, :256]  # noqa: E731  (a square panel at the frames' height)
    assert all(np.all(panel(f) == MARKER_FILL, axis=2).any() for f in frames)
    assert not np.array_equal(panel(frames[0]), panel(frames[15]))  # it turns
    assert report.width > 2 * 256
    shown = int((np.asarray(ws.dataset.labels) != 0).sum())
    assert window.view3d.turntable(window.paths.frames).drawn == shown

