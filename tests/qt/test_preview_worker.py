"""The Open Model dialog's worker: the newest request wins, errors come back as messages, and
a closed worker can start again."""

from __future__ import annotations

import threading
from typing import Any

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.qt.dialogs.preview_worker import PreviewWorker


def collect(worker: PreviewWorker) -> list[tuple[int, str, object]]:
    heard: list[tuple[int, str, object]] = []
    worker.finished.connect(lambda *outcome: heard.append(outcome))
    return heard


def test_only_the_newest_request_is_heard(qtbot: Any) -> None:
    worker = PreviewWorker()
    heard = collect(worker)
    gate = threading.Event()
    ran: list[str] = []

    def slow() -> str:
        gate.wait(5)
        ran.append("slow")
        return "slow"

    first = worker.submit(slow)
    qtbot.waitUntil(lambda: worker._thread is not None and worker._thread.busy)
    worker.submit(lambda: ran.append("dropped"))  # replaced while it waits
    newest = worker.submit(lambda: "newest")
    gate.set()
    qtbot.waitUntil(lambda: len(heard) == 1)
    assert worker.wait_idle(5)
    qtbot.wait(50)
    assert ran == ["slow"]  # the middle one never ran
    assert first < newest and heard == [(newest, "ok", "newest")]  # the slow one is not heard
    worker.close()


def test_errors_come_back_as_one_line(qtbot: Any) -> None:
    worker = PreviewWorker()
    heard = collect(worker)

    def app_error() -> None:
        raise LatentExplorerError("model.pt: not a PyTorch checkpoint")

    def user_error() -> None:
        raise KeyError("decoder.conv_in.weight")

    worker.submit(app_error)
    qtbot.waitUntil(lambda: len(heard) == 1)
    second = worker.submit(user_error)
    qtbot.waitUntil(lambda: len(heard) == 2)
    assert heard[0][1:] == ("error", "model.pt: not a PyTorch checkpoint")
    assert heard[1] == (second, "error", "KeyError: 'decoder.conv_in.weight'")
    worker.close()


def test_a_closed_worker_delivers_nothing_more_and_starts_again(qtbot: Any) -> None:
    worker = PreviewWorker()
    heard = collect(worker)
    gate = threading.Event()
    started = threading.Event()

    def running_at_close() -> str:
        started.set()
        gate.wait(5)
        return "late"

    worker.submit(running_at_close)
    assert started.wait(5)
    old = worker._thread
    closing = threading.Thread(target=worker.close)
    closing.start()
    qtbot.waitUntil(lambda: old is not None and old._closed)
    gate.set()
    closing.join(5)
    assert old is not None and not old.is_alive
    qtbot.wait(50)
    assert heard == []  # the job that ran through close() is not heard

    again = worker.submit(lambda: "again")
    qtbot.waitUntil(lambda: len(heard) == 1)
    assert heard == [(again, "ok", "again")]
    worker.close()
