"""In the window, a file too large for memory is a message; the window keeps what it shows."""

from __future__ import annotations

from pathlib import Path

import pytest

from latent_explorer.qt.bridges import JobRunner
from tests.core.test_dataset_bounds import header_only_npz


def test_a_dataset_declaring_93_gib_is_refused_in_one_message(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path) -> None:
    window = make_window("digits", "demo")
    bomb = header_only_npz(tmp_path / "bomb.npz", (100_000, 1000, 1000))
    with qtbot.waitSignal(window.jobs.failed, timeout=60_000):
        window.open(str(bomb), "demo")
    assert window.last_error.startswith("bomb.npz: ") or str(bomb) in window.last_error
    assert "93.1 GiB" in window.last_error and "\n" not in window.last_error
    assert len(window.workspace.dataset) == 1797  # the digits map is still there


def test_an_unforeseen_memory_error_in_a_job_is_one_sentence(qtbot) -> None:  # type: ignore[no-untyped-def]
    runner = JobRunner()

    def job(ctx: object) -> None:
        raise MemoryError("Unable to allocate 5.00 GiB for an array with shape (5, 1073741824) "
                          "and data type uint8")

    with qtbot.waitSignal(runner.failed, timeout=10_000) as failed:
        runner.start("Computing the map", job)
    _, message, details = failed.args
    assert message == ("Computing the map failed: not enough memory: it asked for 5.00 GiB at "
                       "once. Choose smaller sizes or fewer items, or close other programs")
    assert "MemoryError" in details  # the whole trace still goes to the log
    runner.shutdown()


@pytest.mark.parametrize("text", ["DefaultCPUAllocator: can't allocate memory: you tried to "
                                  "allocate 102400000000 bytes. Error code 12"])
def test_torch_running_out_of_memory_is_named_too(qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    runner = JobRunner()

    def job(ctx: object) -> None:
        raise RuntimeError(text)

    with qtbot.waitSignal(runner.failed, timeout=10_000) as failed:
        runner.start("Training", job)
    assert failed.args[1].startswith("Training failed: not enough memory: it asked for 95.4 GiB")
    runner.shutdown()
