"""A path's length as a total (frames or seconds) from the panel, kept in sessions and path
files; videos with the map beside the output and a marker moving along the path."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog, QPushButton

from latent_explorer.core.export.map_overlay import MARKER_FILL, MapBeside, MapBesideFrames
from latent_explorer.core.export.path_file import load_path_file
from latent_explorer.core.session.store import load_session
from latent_explorer.qt.dialogs.export_dialog import ExportSettings, QtExportDialog
from tests.core.test_export_video import probe_video
from tests.qt.test_paths import ANCHORS, _make_path


def _choose(combo, key: str) -> None:  # type: ignore[no-untyped-def]
    combo.setCurrentIndex(combo.findData(key))


def _frames_become(qtbot, window, count: int) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: len(window.paths.frames) == count, timeout=10_000)


def test_length_as_total_frames_or_seconds(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    _make_path(window, qtbot)
    panel, path = window.paths.panel, window.paths.path
    assert path.total_frames is None and panel.frames_spin.isVisible()

    _choose(panel.length_combo, "frames")  # starts from the length the path has
    assert path.total_frames == 61 and panel.total_spin.isVisible()
    assert not panel.frames_spin.isVisible() and panel.total_spin.value() == 61
    panel.total_spin.setValue(100)
    _frames_become(qtbot, window, 100)
    latents = window.workspace.latents
    np.testing.assert_array_equal(window.paths.frames[0], latents[ANCHORS[0]])
    np.testing.assert_array_equal(window.paths.frames[-1], latents[ANCHORS[-1]])
    panel.anchor_list.setCurrentRow(1)
    panel.hold_spin.setValue(10)  # holds count in the total
    qtbot.waitUntil(lambda: sum(np.array_equal(f, latents[ANCHORS[1]])
                                for f in window.paths.frames) == 11, timeout=10_000)
    assert len(window.paths.frames) == 100

    _choose(panel.length_combo, "seconds")  # the same total, shown in seconds
    assert path.total_frames == 100 and panel.seconds_spin.value() == 3.3
    panel.seconds_spin.setValue(2.0)
    assert path.total_frames == 60 and "= 60 frames" in panel.length_hint.text()
    _frames_become(qtbot, window, 60)
    panel.fps_spin.setValue(15)  # a duration in seconds stays: fewer frames
    assert (path.fps, path.total_frames) == (15.0, 30)
    _frames_become(qtbot, window, 30)

    with qtbot.waitSignal(window.paths.frames_changed, timeout=5000):
        path.total_frames = 5  # too short for three anchors held 10 frames
    assert len(window.paths.frames) == 0
    assert "too few" in window.statusBar().currentMessage()

    _choose(panel.length_combo, "segment")
    assert path.total_frames is None and panel.frames_spin.isVisible()
    _frames_become(qtbot, window, 2 * path.frames_per_segment + 1 + 10)


def test_even_speed_keeps_the_total(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    _make_path(window, qtbot)
    panel = window.paths.panel
    _choose(panel.length_combo, "frames")
    panel.total_spin.setValue(40)
    _frames_become(qtbot, window, 40)
    with qtbot.waitSignal(window.paths.frames_changed, timeout=10_000):
        panel.even_check.setChecked(True)
    assert len(window.paths.frames) == 40
    with qtbot.waitSignal(window.paths.frames_changed, timeout=10_000):
        panel.pingpong_check.setChecked(True)
    assert len(window.paths.frames) == 40


def test_total_survives_sessions_and_path_files(make_window, qtbot, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                 monkeypatch) -> None:
    from tests.test_cli_render import run_cli

    window = make_window()
    _make_path(window, qtbot)
    panel = window.paths.panel
    _choose(panel.length_combo, "frames")
    panel.total_spin.setValue(37)
    _frames_become(qtbot, window, 37)

    saved = window.sessions.save(tmp_path / "work.lxs")
    assert load_session(saved).paths[0].total_frames == 37
    _choose(panel.length_combo, "segment")
    _frames_become(qtbot, window, 61)
    with qtbot.waitSignal(window.sessions.restored, timeout=60_000):
        window.sessions.open_session(saved)
    assert window.paths.path.total_frames == 37
    assert window.paths.panel.total_spin.value() == 37
    _frames_become(qtbot, window, 37)

    target = tmp_path / "walk.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    window.paths.save_path_file()
    spec = load_path_file(target)
    assert (spec.frames, spec.frames_per_segment) == (37, None)
    out = tmp_path / "walk.gif"
    assert run_cli(["render", "--path-file", str(target), "--size", "16", "--out",
                    str(out)]) == 0
    with Image.open(out) as gif:
        assert gif.n_frames == 37


def _expected_width(window, size: int, even: bool) -> int:  # type: ignore[no-untyped-def]
    view = window.map_view
    picture = np.zeros((view.height(), view.width(), 3), np.uint8)
    return MapBesideFrames([], (size, size), MapBeside(picture, np.zeros((0, 2))),
                           even=even).width


def test_export_dialog_puts_the_map_beside_the_video(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    _make_path(window, qtbot)
    out = tmp_path / "beside.mp4"
    chosen: list[ExportSettings] = []

    def fill_in() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QtExportDialog):
            QTimer.singleShot(20, fill_in)
            return
        dialog.path_edit.setText(str(out))
        dialog.size_combo.setCurrentIndex(dialog.size_combo.findData(256))
        qtbot.mouseClick(dialog.map_check, Qt.MouseButton.LeftButton,
                         pos=dialog.map_check.rect().bottomLeft() / 2)
        chosen.append(dialog.settings())
        qtbot.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, fill_in)
    with qtbot.waitSignal(window.paths.export_finished, timeout=60_000) as blocker:
        qtbot.mouseClick(window.paths.panel.export_button, Qt.MouseButton.LeftButton)
    assert chosen[0].map_beside
    report = blocker.args[0]
    frames, size, _ = probe_video(out)
    assert size == (report.width, report.height) == (_expected_width(window, 256, True), 256)
    assert len(frames) == 61


def _marker_centre(frame: np.ndarray, map_width: int) -> np.ndarray:
    ys, xs = np.nonzero(np.all(frame[:, :map_width] == MARKER_FILL, axis=2))
    assert len(xs) > 20, "no marker drawn"
    return np.array([xs.mean(), ys.mean()])


def test_marker_follows_the_path_in_the_frames(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    _make_path(window, qtbot)
    out = tmp_path / "beside"
    with qtbot.waitSignal(window.paths.export_finished, timeout=60_000) as blocker:
        window.paths.export(ExportSettings(out, fps=30, size=128, scale_mode="nearest",
                                           sheet=0, map_beside=True))
    assert blocker.args[0].width == _expected_width(window, 128, False)
    files = sorted(out.iterdir())
    assert len(files) == 61
    view = window.map_view
    scale = 128 / view.height()
    map_width = round(view.width() * scale)
    coords = window.workspace.projector.coords
    for frame_index, anchor in zip((0, 30, 60), ANCHORS, strict=True):
        frame = np.asarray(Image.open(files[frame_index]).convert("RGB"))
        np.testing.assert_array_equal(frame[:, -128:].shape, (128, 128, 3))
        point = view.view_to_widget(*(float(v) for v in coords[anchor]))
        expected = np.array([point.x(), point.y()]) * scale
        assert np.abs(_marker_centre(frame, map_width) - expected).max() < 2.0


def test_cancelled_map_export_leaves_no_file(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    _make_path(window, qtbot)
    window.paths.path.total_frames = 800
    _frames_become(qtbot, window, 800)
    folder = tmp_path / "exports"
    folder.mkdir()
    out = folder / "long.mp4"

    def press_cancel(fraction: float | None, message: str) -> None:
        dialog = window.paths.progress_dialog
        if fraction and fraction > 0.05 and dialog is not None:
            qtbot.mouseClick(dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)

    window.paths.exporter.progress.connect(press_cancel)
    with qtbot.waitSignal(window.paths.exporter.cancelled, timeout=60_000):
        window.paths.export(ExportSettings(out, fps=30, size=512, scale_mode="smooth", sheet=0,
                                           map_beside=True))
    assert list(folder.iterdir()) == []
    assert "no file was written" in window.statusBar().currentMessage()


def test_dialog_settings_read_after_it_closed(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = QtExportDialog("walk", 30.0, 61, compare_name="model B")
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.map_check.setChecked(True)
    dialog.hide()  # as after exec(): every child is invisible now
    settings = dialog.settings()
    assert settings.side_by_side and settings.map_beside
    alone = QtExportDialog("walk", 30.0, 61)
    qtbot.addWidget(alone)
    assert not alone.settings().side_by_side and not alone.settings().map_beside


def test_the_turning_3d_map_needs_a_3d_map(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = QtExportDialog("walk", 30.0, 61)  # no 3-D map made yet
    qtbot.addWidget(dialog)
    assert not dialog.map_kind.isEnabled()
    dialog.map_check.setChecked(True)
    assert dialog.map_kind.isEnabled() and not dialog.map_kind.model().item(1).isEnabled()
    assert "3-D view" in dialog.map_kind.model().item(1).toolTip()
    assert not dialog.settings().map_3d
    ready = QtExportDialog("walk", 30.0, 61, map_3d_available=True)
    qtbot.addWidget(ready)
    ready.map_check.setChecked(True)
    ready.map_kind.setCurrentIndex(ready.map_kind.findData("3d"))
    assert ready.settings().map_beside and ready.settings().map_3d
    ready.map_check.setChecked(False)
    assert not ready.settings().map_3d
