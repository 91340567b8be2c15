"""A 10 ms timer on the GUI thread whose lateness measures how long the window was blocked
(the ``ui_block`` figures of the benchmarks)."""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer

INTERVAL_MS = 10


class Heartbeat:
    """Beats every :data:`INTERVAL_MS`; :attr:`lateness` collects how late each beat came (ms)."""

    def __init__(self) -> None:
        self.lateness: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer()
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self._beat)

    def start(self) -> None:
        """Beat from now on (the first beat is measured from here)."""
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        """Stop beating; :attr:`lateness` keeps what was measured."""
        self._timer.stop()

    def _beat(self) -> None:
        now = time.perf_counter()
        self.lateness.append(max(0.0, (now - self._last) * 1000.0 - INTERVAL_MS))
        self._last = now
