"""Running a window opened from Python code (a script, IPython, Jupyter).

The Python API (:mod:`latent_explorer.api`) opens the explorer from a caller that may or may
not run Qt's event loop itself. This module holds the Qt side of that: running the event loop
until the window closes or until a condition holds, taking a screenshot with the same
:class:`~latent_explorer.qt.app.ScreenshotTaker` as ``gui --screenshot``, and calling into the
window safely from any thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QThread, QTimer, Signal
from PySide6.QtWidgets import QWidget

from latent_explorer.core.errors import LatentExplorerError

T = TypeVar("T")

CALL_TIMEOUT_S = 60.0
"""How long a call from another thread waits for the window's thread to answer."""


def on_gui_thread() -> bool:
    """Whether the caller runs on the thread of the Qt application (or no application exists)."""
    app = QCoreApplication.instance()
    return app is None or QThread.currentThread() == app.thread()


class GuiCaller(QObject):
    """Runs functions on the GUI thread and hands their results back to the calling thread.

    Created on the GUI thread. :meth:`call` from the GUI thread itself runs the function at
    once; from another thread it queues the call and waits for the GUI thread's event loop to
    run it.
    """

    _requested = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._requested.connect(self._run)

    def call(self, function: Callable[[], T], timeout_s: float = CALL_TIMEOUT_S) -> T:
        """``function()``, run on the GUI thread; its exception is raised here."""
        if on_gui_thread():
            return function()
        box: dict[str, Any] = {}
        done = threading.Event()
        self._requested.emit((function, box, done))
        if not done.wait(timeout_s):
            raise LatentExplorerError(
                f"the window did not answer within {timeout_s:g} s: its event loop is not "
                "running (use %gui qt in IPython, or call .wait() on the main thread)")
        if "error" in box:
            raise box["error"]
        return box["value"]  # type: ignore[no-any-return]

    @staticmethod
    def _run(request: tuple[Callable[[], Any], dict[str, Any], threading.Event]) -> None:
        function, box, done = request
        try:
            box["value"] = function()
        except BaseException as exc:  # handed to the waiting thread, which raises it
            box["error"] = exc
        finally:
            done.set()


class _ClosedNotifier(QObject):
    """Calls ``callback()`` each time ``window`` is closed."""

    def __init__(self, window: QWidget, callback: Callable[[], None]) -> None:
        super().__init__(window)
        self.window = window
        self.callback = callback
        window.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            QTimer.singleShot(0, self._check)
        return False

    def _check(self) -> None:
        if not self.window.isVisible():
            self.callback()


def when_closed(window: QWidget, callback: Callable[[], None]) -> QObject:
    """Call ``callback()`` (on the GUI thread) whenever ``window`` has been closed.

    Returns the watcher; deleting it stops the calls.
    """
    return _ClosedNotifier(window, callback)


def run_until_closed(window: QWidget) -> None:
    """Run Qt's event loop (on the GUI thread) until ``window`` is closed."""
    if not window.isVisible():
        return
    loop = QEventLoop()
    watcher = when_closed(window, loop.quit)
    try:
        loop.exec()
    finally:
        window.removeEventFilter(watcher)
        watcher.deleteLater()


def run_until(condition: Callable[[], bool], timeout_s: float) -> bool:
    """Run Qt's event loop until ``condition()`` holds (checked every 20 ms) or time is up.

    Returns whether the condition holds.
    """
    if condition():
        return True
    loop = QEventLoop()
    deadline = time.monotonic() + timeout_s
    timer = QTimer(loop)
    timer.setInterval(20)

    def check() -> None:
        if condition() or time.monotonic() > deadline:
            loop.quit()

    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    return condition()


def save_screenshot(window: Any, path: str | Path, close: bool) -> Path:
    """Wait until the map and the decoded image are drawn, then save the window as a PNG.

    The same :class:`~latent_explorer.qt.app.ScreenshotTaker` as ``gui --screenshot`` decides
    when the window is ready; the event loop runs (on the GUI thread) until it has saved.
    ``close`` closes the window afterwards. Raises :class:`LatentExplorerError` when the window
    fails to open its data or the file cannot be written.
    """
    from latent_explorer.qt.app import ScreenshotTaker

    target = Path(path).expanduser()
    loop = QEventLoop()
    taker = ScreenshotTaker(window, target, close_window=close, quit_app=False)
    taker.finished.connect(lambda _code: loop.quit())
    if taker.exit_code is None:
        loop.exec()
    taker.deleteLater()
    if taker.exit_code != 0:
        raise LatentExplorerError(taker.error or f"no screenshot was saved to {target}")
    return target
