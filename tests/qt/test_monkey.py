"""A seeded monkey: thousands of random user actions on the real window.

Passing means: decoded pictures reach the screen (counted, and the last one is the picture of
the current latent), no unhandled exception (every exception raised in a slot or callback is
captured and the list must stay empty), every error a broken file causes reaches the user (a
message naming the file in the status bar, or in the Open Model dialog), no worker thread left
running (the ``make_window`` fixture checks), and memory that does not keep growing.
"""

from __future__ import annotations

import resource
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QFileDialog

from latent_explorer.core.compute.decoder import decode_one
from tests.qt.conftest import click, drag, send_mouse, wait_decoded

ACTIONS = 2500
SEED = 20261126


def _rss_mb() -> float:
    with Path("/proc/self/statm").open() as handle:
        pages = int(handle.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def test_random_user_actions_do_not_break_the_window(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    window = make_window()
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
    shown = {"count": 0}
    show_decoded = window.decoder_view.show_decoded

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        shown["count"] += 1
        return show_decoded(*args, **kwargs)

    monkeypatch.setattr(window.decoder_view, "show_decoded", counted)

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
    with qtbot.capture_exceptions() as unhandled:
        for step in range(ACTIONS):
            index = int(rng.choice(len(actions), p=weights))
            counts[index] += 1
            actions[index][1]()
            QApplication.processEvents()
            if step in (500, ACTIONS - 1):
                window.jobs.cancel()
                qtbot.waitUntil(lambda: not window.jobs.running, timeout=30_000)
                QApplication.processEvents()
                memory.append(_rss_mb())
        window.paths.filmstrip.play_button.setChecked(False)
        window.jobs.cancel()
        qtbot.waitUntil(lambda: not window.jobs.running, timeout=30_000)
    assert not unhandled, f"unhandled exceptions: {[str(e[1]) for e in unhandled]}"
    assert errors["caused"] > 0 and errors["shown"] == errors["caused"], errors
    assert window.decoder.worker.is_alive
    assert (counts > 0).all()
    assert memory[1] - memory[0] < 150, f"memory grew from {memory[0]:.0f} to {memory[1]:.0f} MB"
    # The window still works after all that: a slider move still decodes.
    window.sliders.sliders[0].setValue(500)
    wait_decoded(qtbot, window, timeout=30_000)
    # ... and what it shows is the picture of the current latent, not an old one or none
    ws = window.workspace
    assert ws is not None
    expected = decode_one(ws.model, window.explorer.current_latent,
                          window.explorer.condition_label)
    np.testing.assert_array_equal(window.decoder_view.decoded_pane.array, expected)
    # Decoded pictures reached the screen all along (drags, clicks and sliders decode).
    assert shown["count"] >= 10, shown
