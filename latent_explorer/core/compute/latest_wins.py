"""The thread life of a worker where the newest request wins.

A :class:`LatestWinsWorker` keeps one thread and one waiting slot. A new request replaces the
one still waiting, so at most one runs and one waits. The decode worker
(:class:`~latent_explorer.core.compute.decoder.LatestWinsDecoder`) and the atlas builder
(:class:`~latent_explorer.core.compute.atlas.AtlasBuilder`) are built on it, as is the
Open Model dialog's preview worker. They say what a request is and what doing it means. This
module holds what they share: the thread, waiting for work, the busy flag,
:meth:`~LatestWinsWorker.wait_idle` and :meth:`~LatestWinsWorker.close`.
"""

from __future__ import annotations

import threading
import time
from typing import Generic, TypeVar

Job = TypeVar("Job")


class LatestWinsWorker(Generic[Job]):
    """One worker thread that does only the newest waiting job.

    A subclass puts a job in :attr:`_pending` under :attr:`_cond`, replacing any job still
    waiting, and calls ``_cond.notify_all()``. It says in :meth:`_work` how to do a job. The
    worker takes the job and does it on its own thread, outside the lock.

    Parameters
    ----------
    thread_name
        The worker thread's name (as debuggers and ``top -H`` show it).
    """

    idle_timeout_s = 5.0
    """How long :meth:`wait_idle` waits by default."""
    close_timeout_s = 5.0
    """How long :meth:`close` waits for the thread to end by default."""

    def __init__(self, thread_name: str) -> None:
        self._cond = threading.Condition()
        self._pending: Job | None = None
        self._next_id = 0
        """The id of the newest request (subclasses count their requests here)."""
        self._closed = False
        self._busy = False
        self._thread = threading.Thread(target=self._run, name=thread_name, daemon=True)

    def _start(self) -> None:
        """Start the worker thread (subclasses call it once their own fields are set)."""
        self._thread.start()

    @property
    def busy(self) -> bool:
        """Whether a job is being done now (a new request would have to wait for it)."""
        return self._busy

    @property
    def latest_id(self) -> int:
        """The id of the newest request."""
        return self._next_id

    @property
    def is_alive(self) -> bool:
        """Whether the worker thread still runs."""
        return self._thread.is_alive()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing runs or waits (for tests and benchmarks). True if idle.

        ``timeout`` defaults to :attr:`idle_timeout_s`.
        """
        deadline = time.monotonic() + (self.idle_timeout_s if timeout is None else timeout)
        with self._cond:
            while self._pending is not None or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self, timeout: float | None = None) -> None:
        """Stop the worker after the job in progress; a job still waiting is dropped.

        ``timeout`` (default :attr:`close_timeout_s`) bounds the wait for the thread to end.
        """
        with self._cond:
            self._closed = True
            self._pending = None
            self._cond.notify_all()
        self._thread.join(self.close_timeout_s if timeout is None else timeout)

    def _thread_started(self) -> None:
        """Called first on the worker thread (e.g. to lower its priority). Does nothing here."""

    def _work(self, job: Job) -> None:
        """Do ``job`` (on the worker thread, outside the lock)."""
        raise NotImplementedError

    def _job_done(self) -> None:
        """Called under the lock after each job, before waiters are woken. Does nothing here."""

    def _run(self) -> None:
        self._thread_started()
        while True:
            with self._cond:
                while self._pending is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                job, self._pending = self._pending, None
                self._busy = True
            assert job is not None
            try:
                self._work(job)
            finally:
                with self._cond:
                    self._busy = False
                    self._job_done()
                    self._cond.notify_all()
