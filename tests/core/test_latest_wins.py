"""The thread life shared by the newest-wins workers, tested on a worker of its own (no sleeps)."""

from __future__ import annotations

import threading

from latent_explorer.core.compute.atlas import AtlasBuilder
from latent_explorer.core.compute.decoder import LatestWinsDecoder
from latent_explorer.core.compute.latest_wins import LatestWinsWorker


class Recorder(LatestWinsWorker[int]):
    """Records the jobs it does; the first one blocks until released."""

    def __init__(self) -> None:
        super().__init__("test-latest-wins")
        self.done: list[int] = []
        self.finished = 0
        self.entered = threading.Event()
        self.release = threading.Event()
        self.thread_names: list[str] = []
        self._start()

    def submit(self, job: int) -> None:
        with self._cond:
            self._next_id += 1
            self._pending = job
            self._cond.notify_all()

    def _thread_started(self) -> None:
        self.thread_names.append(threading.current_thread().name)

    def _work(self, job: int) -> None:
        self.entered.set()
        assert self.release.wait(5)
        self.done.append(job)

    def _job_done(self) -> None:
        self.finished += 1


def test_a_waiting_job_is_replaced_and_wait_idle_waits_for_the_last() -> None:
    worker = Recorder()
    try:
        worker.submit(1)
        assert worker.entered.wait(5)  # job 1 runs (blocked): the others wait their turn
        assert worker.busy
        worker.submit(2)
        worker.submit(3)
        assert not worker.wait_idle(0.05)  # job 1 still runs, job 3 waits
        worker.release.set()
        assert worker.wait_idle(5)
    finally:
        worker.close()
    assert worker.done == [1, 3]
    assert worker.finished == 2
    assert worker.latest_id == 3
    assert worker.thread_names == ["test-latest-wins"]
    assert not worker.is_alive and not worker.busy


def test_close_drops_the_waiting_job_and_ends_the_thread() -> None:
    worker = Recorder()
    worker.submit(1)
    assert worker.entered.wait(5)
    worker.submit(2)
    closer = threading.Thread(target=worker.close)
    closer.start()  # close waits for the running job ...
    worker.release.set()  # ... which may end now
    closer.join(5)
    assert not closer.is_alive() and not worker.is_alive
    assert worker.done == [1]  # job 2 was dropped


def test_both_workers_of_the_app_use_it() -> None:
    decoder = LatestWinsDecoder(None, lambda result: None)
    builder = AtlasBuilder(lambda level: None)
    try:
        assert isinstance(decoder, LatestWinsWorker) and isinstance(builder, LatestWinsWorker)
        assert decoder.wait_idle() and builder.wait_idle()
    finally:
        decoder.close()
        builder.close()
    assert not decoder.is_alive and not builder.is_alive
