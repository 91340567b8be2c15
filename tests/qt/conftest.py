"""Fixtures that build real windows and make sure nothing is left running afterwards."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget

from latent_explorer.qt.main_window import MainWindow


class ThreadWatch:
    """Every thread started while it watches, so that what a window leaves running is known
    exactly, not guessed from who happens to be alive at one moment on a busy machine.

    A thread of the app's (named ``latent-...``, ``job: ...`` or ``map-...``, or not a daemon)
    that starts after the windows closed is an error at once (work begun by a closing window
    would run on unwatched); those started before must all end: each is waited for, for up
    to ``WAIT_S`` (the window cancelled them; on a loaded machine ending takes a while), and
    one still running then is left running.
    """

    OURS = ("latent-", "job:", "map-")
    WAIT_S = 60.0

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.started: list[tuple[threading.Thread, bool]] = []
        self.closed = False
        real_start = threading.Thread.start
        watch = self

        def start(thread: threading.Thread) -> None:
            watch.started.append((thread, watch.closed))
            real_start(thread)

        monkeypatch.setattr(threading.Thread, "start", start)

    def _ours(self, thread: threading.Thread) -> bool:
        return thread.name.startswith(self.OURS) or not thread.daemon

    def check(self) -> None:
        """After the windows closed: fail for a thread started since, or one still running."""
        QApplication.processEvents()  # what was queued when the windows closed
        late = [t.name for t, after in self.started if after and self._ours(t)]
        assert not late, f"threads started after the window closed: {late}"
        ours = [t for t, _ in self.started if self._ours(t)]
        deadline = time.monotonic() + self.WAIT_S
        for thread in ours:
            thread.join(max(0.0, deadline - time.monotonic()))
        left = [t for t in ours if t.is_alive()]
        assert not left, f"threads left running: {left}"


@pytest.fixture
def make_window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:  # type: ignore[no-untyped-def]
    """Build a :class:`MainWindow` with private settings; closes it and checks that every
    thread it started has ended (see :class:`ThreadWatch`)."""
    watch = ThreadWatch(monkeypatch)
    windows: list[MainWindow] = []

    def make(dataset: str | None = "digits", model: str | None = "demo",
             method: str = "pca") -> MainWindow:
        settings = QSettings(str(tmp_path / f"settings{len(windows)}.ini"),
                             QSettings.Format.IniFormat)
        window = MainWindow(settings=settings)
        window.projection.method = method
        qtbot.addWidget(window)
        window.resize(1200, 800)
        window.show()
        windows.append(window)
        if dataset is not None:
            with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
                window.open(dataset, model)
            wait_decoded(qtbot, window)
        return window

    yield make
    for window in windows:
        window.close()
    watch.closed = True
    watch.check()


def wait_decoded(qtbot, window: MainWindow, timeout: int = 10_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the decode worker is idle and its last result has been shown."""
    assert window.decoder.worker.wait_idle(timeout / 1000)
    qtbot.waitUntil(lambda: window.decoder._last_delivered >= window.decoder.worker._next_id,
                    timeout=timeout)


def send_mouse(widget: QWidget, kind: str, pos: QPointF,
               buttons: Qt.MouseButton = Qt.MouseButton.LeftButton,
               modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """Send a real mouse event to ``widget`` (press / move / release / dblclick)."""
    types = {"press": QMouseEvent.Type.MouseButtonPress,
             "move": QMouseEvent.Type.MouseMove,
             "release": QMouseEvent.Type.MouseButtonRelease}
    local = QPointF(pos)
    global_pos = QPointF(widget.mapToGlobal(QPoint(int(pos.x()), int(pos.y()))))
    button = Qt.MouseButton.NoButton if kind == "move" else Qt.MouseButton.LeftButton
    held = Qt.MouseButton.NoButton if kind == "release" else buttons
    event = QMouseEvent(types[kind], local, local, global_pos, button, held, modifiers)
    QApplication.sendEvent(widget, event)


def drag(widget: QWidget, start: QPointF, end: QPointF, steps: int = 8) -> None:
    """Press at ``start``, move in ``steps`` to ``end`` with the button held, release."""
    send_mouse(widget, "press", start)
    for i in range(1, steps + 1):
        t = i / steps
        send_mouse(widget, "move", start + (end - start) * t)
        QApplication.processEvents()
    send_mouse(widget, "release", end)
    QApplication.processEvents()


def click(widget: QWidget, pos: QPointF,
          modifiers: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    """A left click at ``pos``."""
    send_mouse(widget, "press", pos, modifiers=modifiers)
    send_mouse(widget, "release", pos, modifiers=modifiers)
    QApplication.processEvents()


def noise_photos(folder: Path, count: int = 6, side: int = 32) -> Path:
    """``count`` RGB pictures of random pixels, ``side`` x ``side``, as PNG files in ``folder``
    (for models whose weights are random too, where the pictures' content does not matter)."""
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for index in range(count):
        Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(
            folder / f"{index}.png")
    return folder


def accept_model_dialog_when_ready(qtbot, window: MainWindow,  # type: ignore[no-untyped-def]
                                   timeout: int) -> None:
    """From the event loop, once the window's Open Model dialog is open and has looked at its
    file, click its OK button (call before the action that opens the dialog)."""
    from PySide6.QtCore import QTimer

    def answer() -> None:
        dialog = window.model_dialog
        if dialog is None:
            QTimer.singleShot(20, answer)
            return
        qtbot.waitUntil(lambda: not dialog.busy() and dialog.ok_button.isEnabled(),
                        timeout=timeout)
        dialog.ok_button.click()

    QTimer.singleShot(0, answer)
