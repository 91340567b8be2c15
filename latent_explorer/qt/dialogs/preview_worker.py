"""One worker thread for the Open Model dialog's slow steps: newest request wins."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from latent_explorer.core.errors import LatentExplorerError


class PreviewWorker(QObject):
    """Runs ``fn()`` calls on one thread; at most one runs and one waits, older ones drop.

    Detecting a file, loading it and decoding a preview can take seconds (and runs the user's
    code), so none of it happens on the GUI thread. A result is delivered only if no newer
    request was submitted meanwhile.
    """

    finished = Signal(int, str, object)
    """(request id, ``"ok"`` or ``"error"``, result or message). Emitted on the GUI thread."""
    _raw = Signal(int, str, object)
    """Internal: emitted from the worker thread, queued over to the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = threading.Condition()
        self._pending: tuple[int, Callable[[], Any]] | None = None
        self._busy = False
        self._stopping = False
        self._next_id = 0
        self._thread: threading.Thread | None = None
        self._raw.connect(self._deliver)

    @property
    def latest_id(self) -> int:
        """The id of the newest request submitted."""
        return self._next_id

    def submit(self, fn: Callable[[], Any]) -> int:
        """Queue ``fn`` (replacing a request still waiting); returns its request id."""
        with self._lock:
            self._next_id += 1
            self._pending = (self._next_id, fn)
            if self._thread is None or not self._thread.is_alive():
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="latent-model-preview",
                                                daemon=True)
                self._thread.start()
            self._lock.notify_all()
            return self._next_id

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing runs or waits (for tests); ``False`` on timeout."""
        with self._lock:
            return self._lock.wait_for(lambda: self._pending is None and not self._busy,
                                       timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Drop what waits, let what runs finish, and end the thread."""
        with self._lock:
            self._stopping = True
            self._pending = None
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._pending is not None or self._stopping)
                if self._stopping:
                    return
                assert self._pending is not None
                request_id, fn = self._pending
                self._pending = None
                self._busy = True
            try:
                status, value = "ok", fn()
            except LatentExplorerError as exc:
                status, value = "error", str(exc)
            except Exception as exc:  # the user's code may raise anything
                status, value = "error", f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._busy = False
                self._lock.notify_all()
                stopping = self._stopping
            if not stopping:
                self._raw.emit(request_id, status, value)

    def _deliver(self, request_id: int, status: str, value: object) -> None:
        if request_id == self._next_id:
            self.finished.emit(request_id, status, value)
