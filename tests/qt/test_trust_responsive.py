"""Looking at a model file never stops the window (issue 23, section 3).

Detecting what a file is and reading what a yes to its code would cover take as long as the
file is large; on every route (the command line's and the API's ``window.open``, File > Open
Recent, a session, a dropped file, the Open Model dialog, the A/B comparison) they run on a
worker. Here the detection is made to wait until the window's heartbeat (a 10 ms timer, as in
the benchmarks) has beaten several times: on the GUI thread it would never be let go. And the
real app, stuck looking at a file, still quits on SIGTERM.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from latent_explorer.core.models import detect
from latent_explorer.qt.dialogs import open_model_dialog
from tests.qt.test_trust_attacks_window import _settle, _start_route
from tests.qt.test_trust_in_window import adapter

BEATS = 5
"""Heartbeats the window must give while the detection waits."""


class SlowDetection:
    """Stands in for ``detect_model``: waits (at most ``limit`` seconds) until the window's
    heartbeat lets it go, then detects."""

    def __init__(self, real: Callable[..., detect.Detection], limit: float = 30.0) -> None:
        self.real = real
        self.limit = limit
        self.waiting = threading.Event()
        self.go = threading.Event()
        self.beats_while_waiting = 0
        self.let_go_by_heartbeat: list[bool] = []
        self.gaps: list[float] = []
        self._last = time.perf_counter()

    def __call__(self, path: object) -> detect.Detection:
        self.waiting.set()
        self.let_go_by_heartbeat.append(self.go.wait(self.limit))
        self.waiting.clear()
        return self.real(path)

    def beat(self) -> None:
        now = time.perf_counter()
        if self.waiting.is_set():
            self.gaps.append(now - self._last)
            self.beats_while_waiting += 1
            if self.beats_while_waiting >= BEATS:
                self.go.set()
        self._last = now


@pytest.fixture
def slow_detection(monkeypatch: pytest.MonkeyPatch) -> SlowDetection:
    slow = SlowDetection(detect.detect_model)
    monkeypatch.setattr(detect, "detect_model", slow)
    monkeypatch.setattr(open_model_dialog, "detect_model", slow)
    return slow


@pytest.mark.parametrize("route", ["open", "recent", "session", "drop", "dialog", "compare"])
def test_the_window_answers_while_a_model_file_is_looked_at(  # type: ignore[no-untyped-def]
        route: str, make_window, qtbot, tmp_path: Path, monkeypatch,
        slow_detection: SlowDetection) -> None:
    window = make_window()
    model, ran = adapter(tmp_path / "m", "model")
    monkeypatch.setattr(QMessageBox, "warning",
                        staticmethod(lambda *a, **k: QMessageBox.StandardButton.Cancel))
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(slow_detection.beat)
    heartbeat.start()
    try:
        _start_route(route, window, model, tmp_path, monkeypatch, qtbot)
        qtbot.waitUntil(lambda: bool(slow_detection.let_go_by_heartbeat), timeout=60_000)
        _settle(qtbot, window)
    finally:
        heartbeat.stop()
        slow_detection.go.set()
    assert slow_detection.let_go_by_heartbeat[0], "the window did not beat while it looked"
    assert slow_detection.beats_while_waiting >= BEATS
    assert not ran.exists()  # and the file's code waited for the user's yes (here: no)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("how", ["--model", "--session"])
def test_sigterm_while_a_model_file_is_looked_at_quits(how: str, tmp_path: Path) -> None:
    """The real ``gui`` process, stuck looking at the model named on its command line or in
    its session (the look is made endless), quits cleanly on SIGTERM; how fast is measured
    by ``bench`` (``quit_on_sigterm_looking_s``)."""
    from latent_explorer.bench.looking import endless_model, start_looking
    from latent_explorer.core.session.data import ModelRef, SessionData
    from latent_explorer.core.session.store import save_session

    model = endless_model(tmp_path)
    session = save_session(tmp_path / "s.lxs", SessionData(model=ModelRef(str(model))))
    proc, looking = start_looking(tmp_path, how, str(model if how == "--model" else session))
    try:
        deadline = time.monotonic() + 120
        while not looking.exists():
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the app never looked at the file"
            time.sleep(0.05)
        time.sleep(0.5)  # well inside the look, which never ends
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)  # a guard against a hang, not the goal
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
