"""How a command stops when it is told to: SIGTERM, SIGHUP and Ctrl-C.

Python ends at once on SIGTERM by default: no ``finally`` runs, so a render left its
``.part`` file and ffmpeg behind and said nothing. Here SIGTERM and SIGHUP unwind the
command like Ctrl-C does (:class:`Stopped` is a :class:`KeyboardInterrupt`): every writer's
clean-up runs and removes what it was writing, and ``main`` prints one line and returns the
conventional status, 128 + the signal's number (130 for Ctrl-C, 143 for SIGTERM).

While the command unwinds, a second SIGTERM or SIGHUP is ignored, so that it cannot cut the
clean-up short (SIGKILL still ends the process; the next start sweeps what it left).
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP")
                     if hasattr(signal, name))


class Stopped(KeyboardInterrupt):
    """The command was told to stop by ``signum``; raised in the main thread."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        """``SIGTERM``, ``SIGHUP`` ..."""
        return signal.Signals(self.signum).name

    @property
    def exit_status(self) -> int:
        """128 + the signal's number, as shells report a process ended by a signal."""
        return 128 + self.signum


INTERRUPTED_STATUS = 128 + int(signal.SIGINT)
"""The exit status after Ctrl-C (130)."""


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGTERM and SIGHUP raise :class:`Stopped` in the main thread.

    Outside the main thread (a command run from a test's worker thread) nothing changes:
    Python lets only the main thread set handlers.
    """
    if threading.current_thread() is not threading.main_thread() or sys.platform == "win32":
        yield
        return
    stopping: list[int] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if stopping:
            return  # already unwinding
        stopping.append(signum)
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, handler) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)
