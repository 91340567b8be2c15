"""Writing files on a thread of its own, newest write first: the window's autosave.

Turning a session with a million-point map into a file (hashing it, zipping it, flushing it
to disk) takes hundreds of milliseconds: done on the GUI thread, every autosave froze the
window that long. The window now only takes a snapshot of its state (cheap: the arrays are
shared, not copied, since the window replaces its arrays and never edits them in place) and
hands it to a :class:`BackgroundWriter`, which writes it here. A snapshot handed over while a
write is running replaces the one still waiting: only the newest state is worth writing.

Unlike the decoded atlas's builder, the writer keeps the process's CPU priority: it holds
Python's GIL for short stretches, and a thread made nicer is preempted while it holds it,
leaving the GUI thread waiting the longer (measured: the heartbeat's worst delay doubled).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from latent_explorer.core.compute.latest_wins import LatestWinsWorker

Job = TypeVar("Job")


class BackgroundWriter(LatestWinsWorker[Job]):
    """One thread that does the newest waiting write.

    Parameters
    ----------
    write
        Does one job (on the writer's thread); its result goes to ``on_done``.
    on_done
        Called with ``write``'s result, **from the writer's thread**.
    on_error
        Called with the exception ``write`` raised, **from the writer's thread**.
    thread_name
        The thread's name.
    """

    def __init__(self, write: Callable[[Job], object], on_done: Callable[[object], None],
                 on_error: Callable[[Exception], None],
                 thread_name: str = "latent-writer") -> None:
        super().__init__(thread_name)
        self._write = write
        self._on_done = on_done
        self._on_error = on_error
        self._start()

    def submit(self, job: Job) -> int:
        """Write ``job`` soon (replacing a job still waiting); returns the request's id."""
        with self._cond:
            if self._closed:
                return self._next_id
            self._next_id += 1
            self._pending = job
            self._cond.notify_all()
            return self._next_id

    def _work(self, job: Job) -> None:
        try:
            result = self._write(job)
        except Exception as exc:  # reported to the owner, who tells the user
            self._on_error(exc)
            return
        self._on_done(result)
