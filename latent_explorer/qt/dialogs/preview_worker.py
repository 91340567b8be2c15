"""One worker thread for the Open Model dialog's slow steps: newest request wins."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

from latent_explorer.core.compute.latest_wins import LatestWinsWorker
from latent_explorer.core.errors import LatentExplorerError

Request = tuple[int, Callable[[], Any]]
Outcome = Callable[[int, str, object], None]


class _CallThread(LatestWinsWorker[Request]):
    """The thread: calls the newest waiting function and hands over what came of it."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__("latent-model-preview")
        self._outcome = outcome
        self._start()

    def submit(self, request_id: int, fn: Callable[[], Any]) -> None:
        with self._cond:
            self._pending = (request_id, fn)
            self._next_id = request_id
            self._cond.notify_all()

    def _work(self, job: Request) -> None:
        request_id, fn = job
        try:
            status, value = "ok", fn()
        except LatentExplorerError as exc:
            status, value = "error", str(exc)
        except Exception as exc:  # the user's code may raise anything
            status, value = "error", f"{type(exc).__name__}: {exc}"
        if not self._closed:  # a closed dialog hears nothing more
            self._outcome(request_id, status, value)


class PreviewWorker(QObject):
    """Runs ``fn()`` calls on one thread; at most one runs and one waits, older ones drop.

    Detecting a file, loading it and decoding a preview can take seconds (and runs the user's
    code), so none of it happens on the GUI thread. A result is delivered only if no newer
    request was submitted meanwhile. The thread starts with the first request, and again
    with the first request after :meth:`close`.
    """

    finished = Signal(int, str, object)
    """(request id, ``"ok"`` or ``"error"``, result or message). Emitted on the GUI thread."""
    _raw = Signal(int, str, object)
    """Internal: emitted from the worker thread, queued over to the GUI thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._next_id = 0
        self._thread: _CallThread | None = None
        self._raw.connect(self._deliver)

    @property
    def latest_id(self) -> int:
        """The id of the newest request submitted."""
        return self._next_id

    def submit(self, fn: Callable[[], Any]) -> int:
        """Queue ``fn`` (replacing a request still waiting); returns its request id."""
        self._next_id += 1
        if self._thread is None:
            self._thread = _CallThread(self._raw.emit)
        self._thread.submit(self._next_id, fn)
        return self._next_id

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until nothing runs or waits (for tests); ``False`` on timeout."""
        return self._thread is None or self._thread.wait_idle(timeout)

    def close(self, timeout: float = 10.0) -> None:
        """Drop what waits, let what runs finish, and end the thread."""
        if self._thread is not None:
            self._thread.close(timeout)
            self._thread = None  # a job still running when the wait ends delivers nothing

    def _deliver(self, request_id: int, status: str, value: object) -> None:
        if request_id == self._next_id:
            self.finished.emit(request_id, status, value)
