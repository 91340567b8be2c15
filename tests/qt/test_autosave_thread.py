"""Autosave never stalls the window: the GUI thread takes a snapshot, another thread writes it.

The write is made to wait on an event while the test watches the GUI thread go on handling
its timers; no wall-clock figure is asserted (``latent-explorer bench --only autosave``
measures the window's lateness during autosaves of a million-point map).
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings, QTimer

from latent_explorer.core.session import autosave
from latent_explorer.core.session.autosave import RecoveryStore
from latent_explorer.core.session.data import Selection
from latent_explorer.core.session.store import load_session
from latent_explorer.qt.main_window import MainWindow
from tests.qt.conftest import wait_decoded


@pytest.fixture
def window(qtbot, tmp_path: Path):  # type: ignore[no-untyped-def]
    win = MainWindow(settings=QSettings(str(tmp_path / "settings.ini"),
                                        QSettings.Format.IniFormat),
                     recovery=RecoveryStore(tmp_path / "state"))
    qtbot.addWidget(win)
    win.show()
    win.sessions.timer.stop()  # the test says when to autosave
    with qtbot.waitSignal(win.workspace_changed, timeout=60_000):
        win.open("digits", "demo")
    wait_decoded(qtbot, win)
    yield win
    win.close()


def test_the_write_runs_off_the_gui_thread_while_the_window_keeps_answering(
        window: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    writing, release = threading.Event(), threading.Event()
    writers: list[threading.Thread] = []
    real_save = autosave.save_session

    def slow_save(path, session):  # type: ignore[no-untyped-def]
        writers.append(threading.current_thread())
        if threading.current_thread() is not threading.main_thread():
            writing.set()
            assert release.wait(120), "the test never let the write finish"
        return real_save(path, session)

    monkeypatch.setattr(autosave, "save_session", slow_save)
    count = len(window.workspace.dataset)
    window.analysis.state.named_selections = tuple(
        Selection(f"picked {i}", np.arange(i, count, 5)) for i in range(5))
    window.explorer.selected_index = 17
    beats: list[int] = []
    heartbeat = QTimer()
    heartbeat.setInterval(10)
    heartbeat.timeout.connect(lambda: beats.append(1))
    heartbeat.start()
    try:
        assert window.sessions.autosave()
        qtbot.waitUntil(lambda: bool(writers), timeout=60_000)
        assert writers[0] is not threading.main_thread(), \
            "the autosave was written on the GUI thread"
        qtbot.waitUntil(writing.is_set, timeout=60_000)
        seen = len(beats)
        # The write is stuck; the GUI thread is not: its timers go on firing.
        qtbot.waitUntil(lambda: len(beats) >= seen + 5, timeout=60_000)
        window.explorer.selected_index = 18  # and the user goes on working
        with qtbot.waitSignal(window.sessions.autosaved, timeout=60_000) as done:
            release.set()
        assert done.args == [True]
    finally:
        release.set()
        heartbeat.stop()
    saved = load_session(window.sessions.recovery.path)
    assert saved.selected_index == 17  # the snapshot taken when the autosave began
    assert [s.name for s in saved.selections] == [f"picked {i}" for i in range(5)]
    np.testing.assert_array_equal(saved.selections[4].indices, np.arange(4, count, 5))
    with qtbot.waitSignal(window.sessions.autosaved, timeout=60_000):
        window.sessions.autosave()
    assert load_session(window.sessions.recovery.path).selected_index == 18


def test_a_failed_autosave_is_reported_on_the_gui_thread(
        window: MainWindow, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def full(path, session):  # type: ignore[no-untyped-def]
        raise OSError(28, "the disk is full", str(path))

    monkeypatch.setattr(autosave, "save_session", full)
    window.sessions.autosave()
    qtbot.waitUntil(lambda: "Autosave failed" in window.last_error, timeout=60_000)
    assert "the disk is full" in window.last_error
