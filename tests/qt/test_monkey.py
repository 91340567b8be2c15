"""A seeded monkey: thousands of random user actions on the real window.

Passing means: no unhandled exception (every exception raised in a slot or callback is
captured and the list must stay empty); decoded images reach the screen (many are painted,
and every few hundred actions the pixels shown are the model's decode of the current latent);
every error a broken file causes reaches the user (a message naming the file in the status
bar, or in the Open Model dialog); no thread left running (the ``make_window`` fixture knows
every thread started and waits for each to end); and memory that does not keep growing.

The guards are attacked too: with the decoder view never showing a decoded image, or a
thread left running, the monkey and its fixture fail.
"""

from __future__ import annotations

import resource
import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from latent_explorer.qt.widgets.decoder_view import QtDecoderView
from tests.qt.conftest import ThreadWatch, click, drag, send_mouse, wait_decoded

ACTIONS = 2500
SEED = 20261126
SCREEN_CHECK_EVERY = 400
"""Actions between two checks that the screen shows the current latent's decode."""


def _rss_mb() -> float:
    with Path("/proc/self/statm").open() as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def shown_pixels(pane, shape: tuple[int, ...]) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The image ``pane`` shows on screen, read back from its rendering: one pixel at the
    centre of each of the image's enlarged pixels, ``(H, W, C)`` like ``shape``."""
    rendering = pane.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    rect = pane.image_rect()
    height, width, channels = shape
    out = np.zeros((height, width, 3), np.uint8)
    for row in range(height):
        for col in range(width):
            x = rect.x() + int((col + 0.5) * rect.width() / width)
            y = rect.y() + int((row + 0.5) * rect.height() / height)
            colour = rendering.pixelColor(x, y)
            out[row, col] = (colour.red(), colour.green(), colour.blue())
    return out[..., :1] if channels == 1 else out


def check_decoded_image_on_screen(window, qtbot) -> None:  # type: ignore[no-untyped-def]
    """The decoded pane shows, in pixels, what the model decodes from the current latent."""
    from latent_explorer.core.compute.decoder import decode_one

    window.paths.filmstrip.play_button.setChecked(False)  # the latent holds still
    wait_decoded(qtbot, window, timeout=60_000)
    QApplication.processEvents()
    latent = window.explorer.current_latent
    assert latent is not None
    expected = decode_one(window.workspace.model, latent, window.explorer.condition_label)
    pane = window.decoder_view.decoded_pane
    assert pane.array is not None, "no decoded image is on the screen"
    shown = shown_pixels(pane, expected.shape)
    assert np.abs(shown.astype(int) - expected.astype(int)).max() <= 1, \
        "the decoded image on the screen is not the current latent's"


def test_random_user_actions_do_not_break_the_window(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    run_monkey(make_window(), qtbot, tmp_path, monkeypatch, ACTIONS)


def test_the_monkey_fails_when_decoded_images_never_reach_the_screen(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    """Its guard attacked: a decoder view that drops every decoded image."""
    window = make_window()
    monkeypatch.setattr(QtDecoderView, "show_decoded", lambda self, image, caption: None)
    window.decoder_view.decoded_pane.set_image(None)
    with pytest.raises(AssertionError, match="decoded image"):
        run_monkey(window, qtbot, tmp_path, monkeypatch, 60)


def test_the_fixture_fails_for_a_thread_left_running_or_started_after_closing(  # type: ignore[no-untyped-def]
        qtbot, monkeypatch) -> None:
    """Its other guard attacked: a worker that never ends, and work begun by a closed window
    (however quickly it ends)."""
    watch = ThreadWatch(monkeypatch)
    watch.WAIT_S = 0.5
    stop = threading.Event()
    threading.Thread(target=stop.wait, name="latent-never-ends", daemon=True).start()
    watch.closed = True
    try:
        with pytest.raises(AssertionError, match=r"left running.*latent-never-ends"):
            watch.check()
    finally:
        stop.set()
    late = threading.Thread(target=lambda: None, name="job: after close", daemon=True)
    late.start()
    late.join()
    with pytest.raises(AssertionError, match=r"started after the window closed.*after close"):
        watch.check()


def run_monkey(window, qtbot, tmp_path: Path, monkeypatch, actions_count: int) -> None:  # type: ignore[no-untyped-def]
    """``actions_count`` seeded random actions on ``window``, with every check of the module."""
    rng = np.random.default_rng(SEED)
    view = window.map_view
    viewport = view.viewport()
    broken_model = tmp_path / "broken.pt"
    broken_model.write_bytes(b"\x00" * 64)
    broken_data = tmp_path / "broken.npz"
    broken_data.write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    chosen = {"file": str(broken_model)}
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (chosen["file"], "")))

    errors = {"caused": 0, "shown": 0}

    def point() -> QPointF:
        return QPointF(rng.uniform(5, viewport.width() - 5), rng.uniform(5, viewport.height() - 5))

    def wheel() -> None:
        pos = point()
        delta = int(rng.choice([-120, 120]))
        event = QWheelEvent(pos, QPointF(viewport.mapToGlobal(pos.toPoint())), QPoint(0, 0),
                            QPoint(0, delta), Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
        QApplication.sendEvent(viewport, event)

    def drag_probe() -> None:
        pos = window.map_view.probe.pos()
        drag(viewport, view.view_to_widget(pos.x(), pos.y()), point(), steps=4)

    def slider() -> None:
        sliders = window.sliders.sliders
        if sliders:
            sliders[int(rng.integers(len(sliders)))].setValue(int(rng.integers(0, 1001)))

    def projection() -> None:
        method = str(rng.choice(["pca", "tsne", "umap"]))
        combo = window.projection_panel.method_combo
        combo.setCurrentIndex(combo.findData(method))
        if rng.random() < 0.7:
            window.projection_panel.cancel_button.click()

    def open_broken() -> None:
        if rng.random() < 0.5:
            chosen["file"] = str(broken_model)

            def close_dialog() -> None:
                dialog = window.model_dialog
                if dialog is None:
                    QTimer.singleShot(10, close_dialog)
                    return
                qtbot.waitUntil(lambda: bool(dialog.error), timeout=10_000)
                if "broken.pt" in dialog.error:
                    errors["shown"] += 1
                dialog.reject()

            errors["caused"] += 1
            QTimer.singleShot(0, close_dialog)
            window.open_model_action.trigger()
        else:
            chosen["file"] = str(broken_data)
            errors["caused"] += 1
            window.last_error = ""
            window.open_dataset_action.trigger()
            # The open runs in the background; its error must reach the user.
            qtbot.waitUntil(lambda: "broken.npz" in window.last_error, timeout=30_000)
            assert "broken.npz" in window.statusBar().currentMessage()
            errors["shown"] += 1

    def path_edit() -> None:
        choice = rng.integers(6)
        panel = window.paths.panel
        if choice == 0:
            panel.add_button.click()
        elif choice == 1 and panel.anchor_list.count():
            panel.anchor_list.setCurrentRow(0)
            panel.remove_button.click()
        elif choice == 2:
            panel.loop_check.toggle()
        elif choice == 3:
            window.paths.filmstrip.play_button.toggle()
        elif choice == 4:
            timeline = window.paths.filmstrip.timeline
            timeline.setValue(int(rng.integers(0, timeline.maximum() + 1)))
        else:
            panel.even_check.toggle()

    actions = [
        (10, lambda: send_mouse(viewport, "move", point(), buttons=Qt.MouseButton.NoButton)),
        (8, lambda: click(viewport, point())),
        (6, lambda: click(viewport, point(), Qt.KeyboardModifier.ControlModifier)),
        (6, drag_probe),
        (4, lambda: drag(viewport, point(), point(), steps=3)),
        (10, slider),
        (3, wheel),
        (2, view.reset_view),
        (2, lambda: window.sliders.random_button.click()),
        (2, lambda: window.sliders.reset_button.click()),
        (2, lambda: window.sliders.basis_combo.setCurrentIndex(int(rng.integers(2)))),
        (2, lambda: window.box_zoom_action.toggle()),
        (1, projection),
        (1, open_broken),
        (8, path_edit),
    ]
    weights = np.array([w for w, _ in actions], dtype=float)
    weights /= weights.sum()
    counts = np.zeros(len(actions), dtype=int)
    memory = []
    pane = window.decoder_view.decoded_pane
    painted = [0]  # repaints of the decoded pane with an image in it
    pane.painted.connect(lambda: painted.__setitem__(0, painted[0] + (pane.array is not None)))
    with qtbot.capture_exceptions() as unhandled:
        for step in range(actions_count):
            index = int(rng.choice(len(actions), p=weights))
            counts[index] += 1
            actions[index][1]()
            QApplication.processEvents()
            if step % SCREEN_CHECK_EVERY == SCREEN_CHECK_EVERY // 2:
                check_decoded_image_on_screen(window, qtbot)
            if step in (500, ACTIONS - 1):
                window.jobs.cancel()
                qtbot.waitUntil(lambda: not window.jobs.running, timeout=30_000)
                QApplication.processEvents()
                memory.append(_rss_mb())
        window.paths.filmstrip.play_button.setChecked(False)
        window.jobs.cancel()
        qtbot.waitUntil(lambda: not window.jobs.running, timeout=30_000)
        # The window still works after all that: a slider move still decodes, and shows.
        window.sliders.sliders[0].setValue(500 if window.sliders.sliders[0].value() != 500
                                           else 501)
        check_decoded_image_on_screen(window, qtbot)
    assert not unhandled, f"unhandled exceptions: {[str(e[1]) for e in unhandled]}"
    assert painted[0] >= actions_count // 20, f"only {painted[0]} decoded images were painted"
    if actions_count < ACTIONS:
        return  # a short run (an attack on a guard): the counts below need the whole run
    assert errors["caused"] > 0 and errors["shown"] == errors["caused"], errors
    assert window.decoder.worker.is_alive
    assert (counts > 0).all()
    assert memory[1] - memory[0] < 150, f"memory grew from {memory[0]:.0f} to {memory[1]:.0f} MB"
