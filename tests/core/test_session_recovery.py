"""Autosave and crash recovery: the lock-file protocol, and the crash log."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.session import autosave
from latent_explorer.core.session.autosave import RecoveryStore, default_state_dir, pid_alive
from latent_explorer.core.session.crash_log import (
    default_log_dir,
    log_exception,
    short_message,
)
from latent_explorer.core.session.data import Bookmark, SessionData
from latent_explorer.core.session.schema import SessionError


def dead_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not pid_alive(proc.pid)
    return proc.pid


def session(value: float = 0.0) -> SessionData:
    return SessionData(current_latent=np.full(4, value, np.float32),
                       bookmarks=[Bookmark("b", np.ones(4, np.float32))])


def test_write_skips_unchanged_and_keeps_one_file(tmp_path: Path) -> None:
    store = RecoveryStore(tmp_path)
    assert store.write(session(1.0)) is True
    assert store.write(session(1.0)) is False  # same content: no I/O
    assert store.write(session(2.0)) is True
    files = sorted(p.suffix for p in tmp_path.iterdir())
    assert files == [".lock", ".lxs"]
    assert json.loads(store.lock_path.read_text())["pid"] == os.getpid()
    store.close_cleanly()
    assert list(tmp_path.iterdir()) == []


def test_own_and_live_recovery_files_are_not_pending(tmp_path: Path) -> None:
    mine = RecoveryStore(tmp_path)
    mine.write(session())
    assert mine.pending() is None
    other = RecoveryStore(tmp_path)  # another window of a running app (same live pid)
    assert other.pending() is None


def test_crash_leaves_a_pending_file_that_is_taken(tmp_path: Path) -> None:
    crashed = RecoveryStore(tmp_path, pid=dead_pid())
    crashed.write(session(3.0))  # ... and the process "died" without close_cleanly
    store = RecoveryStore(tmp_path)
    assert store.pending() == crashed.path
    restored = store.take()
    assert restored.current_latent is not None and restored.current_latent[0] == 3.0
    # adopted as this run's own autosave: not pending any more, still on disk
    assert store.pending() is None and store.path.is_file()
    assert not crashed.path.exists() and not crashed.lock_path.exists()
    assert store.write(session(3.0)) is True  # first write after take always writes
    store.close_cleanly()
    assert list(tmp_path.iterdir()) == []


def test_adopted_work_handed_back_is_pending_again(tmp_path: Path) -> None:
    crashed = RecoveryStore(tmp_path, pid=dead_pid())
    crashed.write(session(3.0))
    store = RecoveryStore(tmp_path)
    store.take()
    handed = store.release()
    assert handed is not None and handed != store.path and not store.path.exists()
    # This run goes on autosaving its own work; the handed-back file is left alone.
    store.write(session(9.0))
    store.close_cleanly()
    later = RecoveryStore(tmp_path)
    assert later.pending() == handed
    latent = later.take().current_latent
    assert latent is not None and latent[0] == 3.0
    assert RecoveryStore(tmp_path).release() is None  # nothing adopted: nothing to hand back


def test_discard_and_orphans(tmp_path: Path) -> None:
    crashed = RecoveryStore(tmp_path, pid=dead_pid())
    crashed.write(session())
    crashed.lock_path.unlink()  # a recovery file without its lock is an orphan: pending
    store = RecoveryStore(tmp_path)
    assert store.pending() == crashed.path
    store.discard()
    assert store.pending() is None and list(tmp_path.iterdir()) == []


def test_stale_and_garbage_locks(tmp_path: Path) -> None:
    stale = tmp_path / "recovery-1-deadbeef.lock"
    stale.write_text(json.dumps({"pid": dead_pid(), "host": "x"}))
    garbage = RecoveryStore(tmp_path, pid=dead_pid())
    garbage.write(session())
    garbage.lock_path.write_text("not json")
    other_host = RecoveryStore(tmp_path, pid=dead_pid())
    other_host.write(session())
    other_host.lock_path.write_text(json.dumps({"pid": 1, "host": "elsewhere.invalid"}))
    stale.write_text(json.dumps({"pid": dead_pid()}))  # no recovery file, dead: stale
    store = RecoveryStore(tmp_path)
    assert store.pending() == garbage.path
    assert not stale.exists()
    store.discard()
    assert store.pending() is None  # the other host's file is left alone
    assert other_host.path.exists()


def test_broken_recovery_file_is_set_aside(tmp_path: Path) -> None:
    crashed = RecoveryStore(tmp_path, pid=dead_pid())
    crashed.write(session())
    crashed.path.write_bytes(b"half written")
    store = RecoveryStore(tmp_path)
    with pytest.raises(SessionError):
        store.take()
    assert store.pending() is None
    left = sorted(p.suffix for p in tmp_path.iterdir() if p != store.lock_path)
    assert left == [".broken"]
    with pytest.raises(FileNotFoundError):
        store.take()


def test_write_failure_keeps_last_good_file(tmp_path: Path) -> None:
    store = RecoveryStore(tmp_path)
    store.write(session(1.0))
    good = store.path.read_bytes()
    with pytest.raises(SessionError):
        store.write(SessionData(current_latent=np.array([np.inf], np.float32)))
    assert store.path.read_bytes() == good


def test_default_folders_follow_the_environment(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(autosave.STATE_ENV, str(tmp_path / "state"))
    monkeypatch.setenv("LATENT_EXPLORER_LOG", str(tmp_path / "logs"))
    assert default_state_dir() == tmp_path / "state"
    assert RecoveryStore().folder == tmp_path / "state"
    assert default_log_dir() == tmp_path / "logs"
    monkeypatch.delenv(autosave.STATE_ENV)
    assert "latent-explorer" in str(default_state_dir())


def _raise(exc: BaseException) -> tuple[type[BaseException], BaseException, object]:
    try:
        raise exc
    except BaseException as caught:
        return type(caught), caught, caught.__traceback__


def test_log_exception_appends_tracebacks(tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATENT_EXPLORER_LOG", str(tmp_path))
    exc_type, exc, tb = _raise(ValueError("first"))
    path = log_exception(exc_type, exc, tb)  # type: ignore[arg-type]
    log_exception(*_raise(KeyError("second")))  # type: ignore[arg-type]
    text = path.read_text()
    assert path == tmp_path / "crash.log"
    assert "ValueError: first" in text and "KeyError: 'second'" in text
    assert "Traceback" in text and "_raise" in text and text.count("=== ") == 2


def test_log_rotates_at_the_limit(tmp_path: Path) -> None:
    exc_info = _raise(RuntimeError("x" * 400))
    for _ in range(40):
        path = log_exception(*exc_info, folder=tmp_path, max_bytes=2000,  # type: ignore[misc]
                             backups=2)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["crash.log", "crash.log.1", "crash.log.2"]
    assert all(p.stat().st_size <= 2000 for p in tmp_path.iterdir())
    assert path.stat().st_size > 0


def test_log_falls_back_when_the_folder_is_unwritable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    path = log_exception(*_raise(OSError("disk")), folder=blocker)  # type: ignore[misc]
    assert path.parent != blocker and "OSError: disk" in path.read_text()


def test_short_message() -> None:
    assert short_message(SessionError("/x/y/s.lxs", "is damaged")) == "s.lxs: is damaged"
    assert short_message(LatentExplorerError("plain")) == "plain"
    assert short_message(ValueError("bad\nsecond line")) == "Unexpected error (ValueError: bad)"
    assert short_message(KeyError()) == "Unexpected error (KeyError)"
    assert short_message(MemoryError()) == "Out of memory"
    long = short_message(RuntimeError("y" * 1000))
    assert len(long) == 200 and "\n" not in long
