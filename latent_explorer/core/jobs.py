"""The context object every long job receives: progress reporting and cooperative cancel.

A long job (encode, project, train, export) is a plain function that takes a
:class:`JobContext` as its ``ctx`` argument. It calls :meth:`JobContext.progress` now and then
and :meth:`JobContext.check` between chunks of work; ``check`` raises
:class:`~latent_explorer.core.errors.JobCancelled` once someone asked the job to stop.
The command line shows progress as a terminal bar, the window as a progress bar with Cancel.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from latent_explorer.core.errors import JobCancelled

ProgressCallback = Callable[[float | None, str], None]


class JobContext:
    """Progress and cancellation for one run of a long job.

    Parameters
    ----------
    on_progress
        Called as ``on_progress(fraction, message)`` from the job's own thread; ``fraction``
        is in [0, 1], or ``None`` while the job cannot say how far it is.
    """

    def __init__(self, on_progress: ProgressCallback | None = None) -> None:
        self._on_progress = on_progress
        self._cancel = threading.Event()
        self.fraction: float | None = 0.0
        self.message = ""

    def progress(self, fraction: float | None, message: str = "") -> None:
        """Report how far the job is (``None``: indeterminate) and check for cancel."""
        if fraction is not None:
            fraction = min(max(float(fraction), 0.0), 1.0)
        self.fraction = fraction
        if message:
            self.message = message
        if self._on_progress is not None:
            self._on_progress(fraction, self.message)
        self.check()

    def cancel(self) -> None:
        """Ask the job to stop at its next :meth:`check`. Safe from any thread."""
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancel.is_set()

    def wait_cancelled(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds, waking at once when the job is cancelled."""
        return self._cancel.wait(timeout)

    def check(self) -> None:
        """Raise :class:`JobCancelled` if the job was asked to stop."""
        if self._cancel.is_set():
            raise JobCancelled()

    def sub(self, start: float, stop: float) -> JobContext:
        """A context for a sub-step whose 0..1 maps onto ``start..stop`` of this one."""
        parent = self

        def forward(fraction: float | None, message: str) -> None:
            scaled = None if fraction is None else start + (stop - start) * fraction
            parent.progress(scaled, message)

        child = JobContext(forward)
        child._cancel = self._cancel
        return child


def null_context() -> JobContext:
    """A context for callers that neither show progress nor cancel."""
    return JobContext()
