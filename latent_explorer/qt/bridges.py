"""Bridges from worker threads to the GUI thread: decoded images and long jobs.

Workers live in ``core.compute`` and know nothing of Qt. The classes here own them and turn
their callbacks into Qt signals; a signal emitted from a worker thread reaches slots of objects
living in the GUI thread through Qt's queued connections, so slots always run on the GUI thread.
"""

from __future__ import annotations

import contextlib
import threading
import traceback
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from latent_explorer.core.compute.atlas import LEVELS, AtlasBuilder, AtlasLevel, Inverse, Rect
from latent_explorer.core.compute.decoder import DecodeResult, LatestWinsDecoder
from latent_explorer.core.errors import JobCancelled, LatentExplorerError
from latent_explorer.core.jobs import JobContext
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.out_of_memory import out_of_memory, out_of_memory_message


class DecoderBridge(QObject):
    """Owns the newest-wins decode worker and delivers its results on the GUI thread."""

    decoded = Signal(object)
    """A :class:`DecodeResult` newer than any delivered before (a request's half-resolution
    first look comes before its full picture, never after). Emitted on the GUI thread."""
    _raw_result = Signal(object)
    """Internal: emitted from the worker thread; queued over to the GUI thread."""

    def __init__(self, model: GenerativeModel | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self._last_delivered = 0
        self._last_key = (0, 0)
        self._newest_only = False
        self._raw_result.connect(self._deliver)
        self.worker = LatestWinsDecoder(model, self._raw_result.emit, progressive=True)

    def set_model(self, model: GenerativeModel | None) -> None:
        """Decode later requests with ``model``."""
        self.worker.set_model(model)

    def submit(self, latent: np.ndarray, label: int | None = None, tag: str = "") -> int:
        """Ask for ``latent`` to be decoded; returns the request id."""
        return self.worker.submit(latent, label, tag)

    def close(self) -> None:
        """Stop the worker thread."""
        self.worker.close()

    def hold_until_newest(self) -> None:
        """Deliver only the newest request's result from now on (until it arrives).

        Used while a preview of the newest latent is shown: a result for an older latent
        would be a step back from the preview.
        """
        self._newest_only = True

    def _deliver(self, result: DecodeResult) -> None:
        # Results arrive in order from one worker, but a model swap or a slow queue could let an
        # older one through late: never show an image older than one already shown.
        key = (result.request_id, 1 if result.final else 0)
        if key <= self._last_key:
            return
        if self._newest_only and result.request_id < self.worker.latest_id:
            return
        self._last_key = key
        if result.final:
            self._newest_only = False
            self._last_delivered = result.request_id
        self.decoded.emit(result)


class AtlasBridge(QObject):
    """Owns the decoded-atlas worker and delivers its grids on the GUI thread."""

    level_ready = Signal(object)
    """An :class:`AtlasLevel` of the newest request. Emitted on the GUI thread."""
    failed = Signal(str)
    """Why the atlas stopped (the model raised). Emitted on the GUI thread."""
    _raw_level = Signal(object)
    _raw_error = Signal(str)

    def __init__(self, parent: QObject | None = None,
                 yield_to: Callable[[], bool] = lambda: False) -> None:
        super().__init__(parent)
        self._raw_level.connect(self._deliver)
        self._raw_error.connect(self.failed)
        self.worker = AtlasBuilder(self._raw_level.emit, self._raw_error.emit, yield_to)

    def start(self, model: GenerativeModel, inverse: Inverse, rect: Rect,
              levels: tuple[int, ...] = LEVELS, label: int | None = None) -> int:
        """Build the atlas of ``rect`` in the background (cancelling the one in progress)."""
        return self.worker.start(model, inverse, rect, levels, label)

    def cancel(self) -> None:
        """Stop building; grids of the cancelled request are no longer delivered."""
        self.worker.cancel()

    def close(self) -> None:
        """Stop the worker thread."""
        self.worker.close()

    def _deliver(self, level: AtlasLevel) -> None:
        if level.request.request_id == self.worker.latest_id:  # not cancelled meanwhile
            self.level_ready.emit(level)


class JobRunner(QObject):
    """Runs one long job at a time on a worker thread, with progress and cancel.

    A job is a plain function ``fn(ctx) -> result`` taking a :class:`JobContext`. Starting a new
    job cancels the one running; the old one's result is dropped. After :meth:`shutdown` no job
    starts any more: a timer or a queued signal of a closed window asks in vain, so once the
    window has waited for its threads none is left running.
    """

    started = Signal(str)
    """The job's title. Emitted on the GUI thread."""
    progress = Signal(object, str)
    """(fraction or ``None`` when indeterminate, message). Delivered on the GUI thread."""
    finished = Signal(str, object)
    """(title, result) of a job that completed. Delivered on the GUI thread."""
    failed = Signal(str, str, str)
    """(title, message for the user, details). Delivered on the GUI thread."""
    cancelled = Signal(str)
    """The title of a job that stopped because it was cancelled. Delivered on the GUI thread."""
    _done = Signal(int, str, object, object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._generation = 0
        self._ctx: JobContext | None = None
        self._thread: threading.Thread | None = None
        self._replaced: list[threading.Thread] = []  # cancelled jobs that may still run
        self._readers: set[threading.Thread] = set()  # jobs that only read: not waited for
        self._title = ""
        self._callbacks: dict[int, Callable[[Any], None] | None] = {}
        self._closed = False
        self._done.connect(self._on_done)

    @property
    def running(self) -> bool:
        """Whether a job is running, or its outcome has not reached the GUI thread yet (its
        thread may have ended while its result still waits in the event queue)."""
        return (self._generation in self._callbacks
                or (self._thread is not None and self._thread.is_alive()))

    @property
    def title(self) -> str:
        """The title of the current (or last) job."""
        return self._title

    def start(self, title: str, fn: Callable[[JobContext], Any],
              on_done: Callable[[Any], None] | None = None, *, reads_only: bool = False) -> None:
        """Run ``fn(ctx)`` on a worker thread; ``on_done(result)`` runs on the GUI thread.

        ``reads_only``: the job writes nothing (it looks at a file), so :meth:`shutdown` does
        not wait for it; a quit is never held up by a slow read. Does nothing after
        :meth:`shutdown`.
        """
        if self._closed:
            return
        self.cancel()
        self._generation += 1
        generation = self._generation
        self._title = title
        self._callbacks[generation] = on_done

        def report(fraction: float | None, message: str) -> None:
            if generation == self._generation:
                self.progress.emit(fraction, message)

        ctx = JobContext(report)
        self._ctx = ctx

        def work() -> None:
            try:
                outcome: tuple[str, Any, Any] = ("ok", fn(ctx), None)
            except JobCancelled:
                outcome = ("cancelled", None, None)
            except LatentExplorerError as exc:
                outcome = ("failed", str(exc), traceback.format_exc())
            except Exception as exc:
                if out_of_memory(exc):  # numpy's MemoryError, torch's allocator: one line
                    message = f"{title} failed: {out_of_memory_message(exc)}"
                else:
                    message = f"{title} failed: {type(exc).__name__}: {exc}"
                outcome = ("failed", message, traceback.format_exc())
            # A RuntimeError: the runner is gone (the app quit while a read still ran).
            with contextlib.suppress(RuntimeError):
                self._done.emit(generation, *outcome)

        if self._thread is not None and self._thread.is_alive():
            self._replaced.append(self._thread)
        self._replaced = [t for t in self._replaced if t.is_alive()]
        self._readers = {t for t in self._readers if t.is_alive()}
        self._thread = threading.Thread(target=work, name=f"job: {title}", daemon=True)
        if reads_only:
            self._readers.add(self._thread)
        self.started.emit(title)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the running job to stop (it ends at its next check)."""
        if self._ctx is not None:
            self._ctx.cancel()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Cancel the running job and wait for its thread (and those of jobs it replaced, which
        were cancelled but may not have reached their next check yet) to end; jobs that only
        read are not waited for. No job starts afterwards."""
        self._closed = True
        self.cancel()
        for thread in [*self._replaced, self._thread]:
            if thread is not None and thread not in self._readers:
                thread.join(timeout)
        self._replaced = []

    def _on_done(self, generation: int, status: str, result: Any, details: Any) -> None:
        callback = self._callbacks.pop(generation, None)
        if generation != self._generation:
            return  # a newer job replaced this one
        self._ctx = None
        title = self._title  # the callback may start the next job (a check, then the load)
        if status == "ok":
            if callback is not None:
                try:
                    callback(result)
                except LatentExplorerError as exc:
                    self.failed.emit(title, str(exc), traceback.format_exc())
                    return
            self.finished.emit(title, result)
        elif status == "cancelled":
            self.cancelled.emit(self._title)
        else:
            self.failed.emit(self._title, str(result), str(details or ""))
