"""A small terminal progress bar for long jobs run from the command line."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from latent_explorer.core.jobs import JobContext


class TerminalProgress:
    """Draws ``[#####.....]  45%  message`` on stderr, redrawing in place on a terminal.

    On a pipe (CI, logs) it prints a line at most every few seconds instead.
    """

    def __init__(self, stream: TextIO | None = None, width: int = 28) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.tty = self.stream.isatty()
        self._last_draw = 0.0
        self._spin = 0
        self._drawn = False

    def __call__(self, fraction: float | None, message: str) -> None:
        """Redraw for a progress report (the callback of a :class:`JobContext`)."""
        now = time.monotonic()
        done = fraction is not None and fraction >= 1.0
        interval = 0.1 if self.tty else 5.0
        if not done and now - self._last_draw < interval:
            return
        self._last_draw = now
        if fraction is None:
            self._spin = (self._spin + 1) % self.width
            bar = "." * self._spin + "###" + "." * max(0, self.width - self._spin - 3)
            text = f"[{bar[: self.width]}]   ... {message}"
        else:
            filled = round(self.width * fraction)
            bar = "#" * filled + "." * (self.width - filled)
            text = f"[{bar}] {fraction * 100:3.0f}%  {message}"
        if self.tty:
            self.stream.write("\r\x1b[2K" + text[:160])
        else:
            self.stream.write(text + "\n")
        self._drawn = True
        self.stream.flush()

    def finish(self) -> None:
        """End the bar's line."""
        if self._drawn and self.tty:
            self.stream.write("\n")
            self.stream.flush()
        self._drawn = False

    def context(self) -> JobContext:
        """A job context reporting to this bar."""
        return JobContext(self)
