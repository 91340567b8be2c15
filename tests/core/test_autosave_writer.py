"""Autosaves written on a thread of their own: newest snapshot first, and never a stale one
over the work the file holds now (adopted after a crash, handed back, or removed at exit)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from latent_explorer.core.compute.background_writer import BackgroundWriter
from latent_explorer.core.session.autosave import RecoveryStore
from latent_explorer.core.session.store import load_session
from tests.core.test_session_recovery import dead_pid, session


def test_the_newest_waiting_write_replaces_the_others() -> None:
    entered, release = threading.Event(), threading.Event()
    written: list[int] = []
    done: list[object] = []

    def write(job: int) -> int:
        if job == 1:
            entered.set()
            assert release.wait(60)
        written.append(job)
        return job

    writer: BackgroundWriter[int] = BackgroundWriter(write, done.append, lambda exc: None)
    try:
        writer.submit(1)
        assert entered.wait(60)
        for job in (2, 3, 4):  # while the first is written
            writer.submit(job)
        release.set()
        assert writer.wait_idle(60)
    finally:
        writer.close()
    assert written == [1, 4] and done == [1, 4]
    assert not writer.is_alive


def test_a_failed_write_is_reported_and_the_writer_goes_on() -> None:
    errors: list[Exception] = []
    done: list[object] = []

    def write(job: int) -> int:
        if job == 1:
            raise OSError(28, "No space left on device")
        return job

    writer: BackgroundWriter[int] = BackgroundWriter(write, done.append, errors.append)
    try:
        writer.submit(1)
        assert writer.wait_idle(60)
        writer.submit(2)
        assert writer.wait_idle(60)
    finally:
        writer.close()
    assert [str(e) for e in errors] == ["[Errno 28] No space left on device"] and done == [2]


def test_a_snapshot_taken_before_the_file_was_adopted_is_not_written_over_it(
        tmp_path: Path) -> None:
    crashed = RecoveryStore(tmp_path, pid=dead_pid())
    crashed.write(session(3.0))
    store = RecoveryStore(tmp_path)
    epoch = store.epoch  # the window takes a snapshot of what it shows ...
    store.take()  # ... and, before it is written, the user restores the crashed work
    assert store.write(session(1.0), epoch=epoch) is False
    restored = load_session(store.path).current_latent
    assert restored is not None and restored[0] == 3.0
    assert store.write(session(1.0), epoch=store.epoch) is True


def test_nothing_is_written_after_a_clean_exit(tmp_path: Path) -> None:
    store = RecoveryStore(tmp_path)
    epoch = store.epoch
    assert store.write(session(1.0), epoch=epoch)
    store.close_cleanly()
    assert store.write(session(2.0), epoch=store.epoch) is False  # a write still on its way
    assert list(tmp_path.iterdir()) == []


def test_a_take_waits_for_the_write_under_way(tmp_path: Path) -> None:
    """The GUI thread adopting the crashed work while the writer thread writes: the take
    happens after the write, so the adopted work is what the file holds."""
    from latent_explorer.core.session import autosave

    crashed = RecoveryStore(tmp_path, pid=dead_pid())
    crashed.write(session(3.0))
    store = RecoveryStore(tmp_path)
    pending = store.pending()
    entered, release = threading.Event(), threading.Event()
    real = autosave.save_session

    def slow(path, data):  # type: ignore[no-untyped-def]
        entered.set()
        assert release.wait(60)
        return real(path, data)

    autosave.save_session = slow  # type: ignore[assignment]
    try:
        thread = threading.Thread(target=store.write, args=(session(1.0), store.epoch))
        thread.start()
        assert entered.wait(60)
        taker = threading.Thread(target=store.take, args=(pending,))
        taker.start()
        taker.join(1.0)  # time to adopt the file, were it not waiting for the write
        release.set()
        thread.join(60)
        taker.join(60)
    finally:
        autosave.save_session = real  # type: ignore[assignment]
        release.set()
    latent = load_session(store.path).current_latent
    assert latent is not None and np.all(latent == 3.0)
