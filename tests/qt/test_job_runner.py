"""The window's job runner: one job at a time, its outcome delivered on the GUI thread."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication

from latent_explorer.qt.bridges import JobRunner


def test_a_job_runs_until_its_outcome_reached_the_gui_thread(qtbot: Any) -> None:
    runner = JobRunner()
    got: list[int] = []
    runner.start("quick", lambda ctx: 7, got.append)
    assert runner._thread is not None
    runner._thread.join(10)
    # The worker is done, but its result still waits in the event queue: whoever waits for
    # the job (tests, the screenshot taker) must not go on before it is applied.
    assert runner.running and got == []
    qtbot.waitUntil(lambda: not runner.running, timeout=10_000)
    assert got == [7]


def test_a_failed_or_replaced_job_is_not_running_once_reported(qtbot: Any) -> None:
    runner = JobRunner()
    failures: list[str] = []
    runner.failed.connect(lambda title, message, details: failures.append(message))

    def broken(ctx: Any) -> None:
        raise ValueError("no good")

    runner.start("broken", broken)
    qtbot.waitUntil(lambda: not runner.running, timeout=10_000)
    assert failures and "no good" in failures[0]

    got: list[str] = []
    runner.start("first", lambda ctx: "first", got.append)
    runner.start("second", lambda ctx: "second", got.append)  # replaces the first
    qtbot.waitUntil(lambda: not runner.running, timeout=10_000)
    QApplication.processEvents()
    assert got == ["second"]


def test_no_job_starts_after_shutdown(qtbot: Any) -> None:
    """A timer or a queued signal of a closed window asking for work starts no thread."""
    runner = JobRunner()
    runner.shutdown()
    got: list[int] = []
    runner.start("too late", lambda ctx: 7, got.append)
    assert runner._thread is None and not runner.running
    QApplication.processEvents()
    assert got == []
