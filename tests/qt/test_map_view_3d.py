"""The 3-D map: drawing, picking, hiding, paths, the probe, and the fallback without OpenGL.

Tests marked ``gl`` need a real OpenGL context. Run them under a virtual X server:
``xvfb-run -a env QT_QPA_PLATFORM=xcb python -m pytest -m gl``. Elsewhere (the ``offscreen``
platform has no OpenGL) they are skipped; the fallback test runs everywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtWidgets import QApplication

from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt import gl_support
from latent_explorer.qt.gl_support import QtMapView3DUnavailable, make_map_view_3d
from latent_explorer.qt.palette import category_color
from tests.qt.conftest import click, send_mouse

_no_display = pytest.mark.skipif(
    not os.environ.get("DISPLAY"),
    reason="needs OpenGL on a display: run `xvfb-run -a env QT_QPA_PLATFORM=xcb python -m "
           "pytest -m gl`")


def needs_gl(test):  # type: ignore[no-untyped-def]
    """Mark ``test`` as needing OpenGL, and skip it where no display is there."""
    return pytest.mark.gl(_no_display(test))
CLASSES = 4


def clusters() -> tuple[np.ndarray, np.ndarray]:
    """Four compact, well separated classes of 30 points each, spread in 3-D."""
    rng = np.random.default_rng(1)
    centres = np.array([[-4, -4, -2], [4, -4, 2], [-4, 4, 2], [4, 4, -2]], dtype=np.float32)
    labels = np.repeat(np.arange(CLASSES), 30)
    coords = centres[labels] + rng.uniform(-1.2, 1.2, (len(labels), 3)).astype(np.float32)
    return coords, labels


@pytest.fixture
def view(qtbot):  # type: ignore[no-untyped-def]
    ok, reason = gl_support.opengl_available()
    if not ok:
        pytest.skip(f"OpenGL is not available here: {reason}")
    from latent_explorer.qt.widgets.map_view_3d import QtMapView3D

    state = ExplorerState()
    widget = QtMapView3D(state)
    qtbot.addWidget(widget)
    widget.resize(480, 360)
    widget.show()
    qtbot.waitExposed(widget)
    widget.depth_cue = 0.0  # exact colours on screen
    widget.set_axes_visible(False)
    coords, labels = clusters()
    widget.set_points(coords, labels, label_name=lambda i: f"class {i}")
    QApplication.processEvents()
    return widget


def pixels(widget) -> np.ndarray:  # type: ignore[no-untyped-def]
    image = widget.grabFramebuffer().convertToFormat(QImage.Format.Format_RGB888)
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8)
    return buffer.reshape(image.height(), image.bytesPerLine())[:, : image.width() * 3] \
        .reshape(image.height(), image.width(), 3).copy()


def count_color(image: np.ndarray, color: QColor, tolerance: int = 12) -> int:
    target = np.array([color.red(), color.green(), color.blue()], dtype=np.int16)
    return int((np.abs(image.astype(np.int16) - target).max(axis=2) <= tolerance).sum())


@needs_gl
def test_points_are_drawn_in_their_class_colours(view) -> None:  # type: ignore[no-untyped-def]
    image = pixels(view)
    for label in range(CLASSES):
        assert count_color(image, category_color(label)) >= 20, f"class {label} not seen"


@needs_gl
def test_click_on_a_point_selects_it_in_the_shared_state(view, qtbot) -> None:  # type: ignore[no-untyped-def]
    clicks: list[int] = []
    view.sample_clicked.connect(lambda index, _mods: clicks.append(index))
    xy, depth = view.project(view.coords)
    # The front-most point of class 2: nothing can cover it.
    index = int(np.flatnonzero(view.labels == 2)[np.argmin(depth[view.labels == 2])])
    click(view, QPointF(*xy[index]))
    assert view.state.selected_index == index
    assert clicks == [index]
    assert view.selection_item.positions.shape == (1, 3)
    # Ctrl+click reports the sample without changing the selection.
    other = int(np.flatnonzero(view.labels == 0)[np.argmin(depth[view.labels == 0])])
    click(view, QPointF(*xy[other]), modifiers=Qt.KeyboardModifier.ControlModifier)
    assert clicks == [index, other] and view.state.selected_index == index


@needs_gl
def test_hidden_classes_disappear_and_cannot_be_picked(view) -> None:  # type: ignore[no-untyped-def]
    hidden_color = category_color(1)
    assert count_color(pixels(view), hidden_color) > 0
    view.legend.buttons[1].click()  # the legend writes the state ...
    assert view.state.hidden_labels == frozenset({1})
    image = pixels(view)  # ... and the view redraws from it
    assert count_color(image, hidden_color) == 0
    assert count_color(image, category_color(0)) > 0
    xy, _ = view.project(view.coords)
    index = int(np.flatnonzero(view.labels == 1)[0])
    assert view.nearest_point(QPointF(*xy[index]), radius_px=2.0) is None
    assert view.points.upload_count == 2  # hiding changed a uniform, not the point data
    view.state.hidden_labels = frozenset()
    assert view.legend.buttons[1].isChecked() is False
    assert count_color(pixels(view), hidden_color) > 0


@needs_gl
def test_path_is_drawn(view) -> None:  # type: ignore[no-untyped-def]
    anchor_color = QColor("#f3722c")
    assert count_color(pixels(view), anchor_color) == 0
    anchors = np.array([[-4, -4, -2], [4, 4, -2], [4, -4, 2]], dtype=np.float32)
    t = np.linspace(0, 1, 40)[:, None]
    curve = np.concatenate([anchors[0] + t * (anchors[1] - anchors[0]),
                            anchors[1] + t * (anchors[2] - anchors[1])])
    view.set_path(curve, anchors)
    image = pixels(view)
    assert count_color(image, anchor_color) >= 3 * 20
    assert count_color(image, QColor(255, 255, 255), tolerance=60) > 40  # the curve
    view.set_path(None, None)
    assert count_color(pixels(view), anchor_color) == 0


@needs_gl
def test_shift_drag_moves_the_probe_in_the_plane_facing_the_camera(view) -> None:  # type: ignore[no-untyped-def]
    start = QPointF(view.width() / 2, view.height() / 2)
    shift = Qt.KeyboardModifier.ShiftModifier
    camera = view.opts["center"]
    before = (float(camera.x()), float(camera.y()), float(camera.z()))
    send_mouse(view, "press", start, modifiers=shift)
    for i in range(1, 7):
        send_mouse(view, "move", start + QPointF(10 * i, -6 * i), modifiers=shift)
    send_mouse(view, "release", start + QPointF(60, -36), modifiers=shift)
    QApplication.processEvents()
    probe = view.state.probe_position
    assert probe is not None and len(probe) == 3
    # The camera did not orbit, and the probe sits under the cursor ...
    assert (view.opts["center"].x(), view.opts["center"].y(), view.opts["center"].z()) \
        == pytest.approx(before)
    end = view.view_to_widget(*probe)
    assert (end.x(), end.y()) == pytest.approx((start.x() + 60, start.y() - 36), abs=0.5)
    # ... at the depth it started from: it moved in the plane perpendicular to the view.
    m = view.mvp_matrix()
    centre = np.array([*before, 1.0])
    depth = lambda p: (m @ p)[3]  # noqa: E731  (clip w: distance along the view axis)
    assert depth(np.array([*probe, 1.0])) == pytest.approx(depth(centre), rel=1e-4)
    assert view.probe_item.positions.shape == (1, 3)


@needs_gl
def test_orbit_draws_a_sample_then_everything_and_png_export(view, qtbot,  # type: ignore[no-untyped-def]
                                                             tmp_path: Path) -> None:
    view.interactive_point_budget = 50
    notes: list[str] = []
    view.status_changed.connect(notes.append)
    view.orbit(20, 5)
    view.orbit(5, 0)  # the same movement: said once
    QApplication.processEvents()
    assert view.points.drawn == 50
    assert len(notes) == 1 and f"50 of {len(view.coords):,} points" in notes[0]
    qtbot.waitUntil(lambda: view.points.draw_count is None, timeout=2000)
    view.grabFramebuffer()
    assert view.points.drawn == len(view.coords)
    assert view.save_png(tmp_path / "map3d.png")
    saved = QImage(str(tmp_path / "map3d.png"))
    assert saved.width() == view.width() and saved.height() == view.height()


def test_without_opengl_a_placeholder_explains_why(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv(gl_support.DISABLE_ENV, "1")
    try:
        ok, reason = gl_support.opengl_available(refresh=True)
        assert not ok and gl_support.DISABLE_ENV in reason
        widget = make_map_view_3d(ExplorerState())
        qtbot.addWidget(widget)
        assert isinstance(widget, QtMapView3DUnavailable)
        widget.show()
        text = widget.label.text()
        assert text.startswith("3-D view needs OpenGL: ") and "2-D map works as usual" in text
        assert widget.grab().toImage().pixelColor(5, 5) != QColor("black")
    finally:
        monkeypatch.delenv(gl_support.DISABLE_ENV)
        gl_support.opengl_available(refresh=True)


def test_offscreen_platform_reports_no_opengl(qtbot) -> None:  # type: ignore[no-untyped-def]
    if QGuiApplication.platformName() != "offscreen" or os.environ.get("DISPLAY"):
        pytest.skip("only the offscreen platform without a display is known to lack OpenGL")
    ok, reason = gl_support.opengl_available(refresh=True)
    assert not ok and reason
    assert isinstance(make_map_view_3d(ExplorerState()), QtMapView3DUnavailable)
