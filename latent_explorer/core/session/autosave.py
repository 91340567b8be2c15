"""Autosave and crash recovery, without Qt: the window calls :meth:`RecoveryStore.write` from a
timer and asks :meth:`RecoveryStore.pending` at start-up.

Protocol. Each running app owns two files in the state folder, named with its process id and
a random token: ``recovery-<pid>-<token>.lxs`` (the latest autosave, replaced atomically, so
the last good one survives a crash mid-write) and ``recovery-<pid>-<token>.lock`` (JSON with
the pid and host name, written at the first autosave). A normal exit calls
:meth:`~RecoveryStore.close_cleanly`, which removes both. So a recovery file found later whose
lock names a process that is no longer running (or whose lock is gone or unreadable) was left
by a session that did not end cleanly: it is *pending*. A lock without a recovery file is
stale and is removed. A run that adopts pending work (:meth:`~RecoveryStore.take`) and ends
before showing it hands the file back (:meth:`~RecoveryStore.release`), pending again.

Threads. The window writes its autosaves on a thread of its own
(:class:`~latent_explorer.core.compute.background_writer.BackgroundWriter`) while the GUI thread
may take, hand back or remove the file. A lock keeps each of these whole, and every write
carries the :attr:`~RecoveryStore.epoch` in which its snapshot was taken: a snapshot taken
before the file was adopted, handed back or removed is dropped, never written over it.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import time
import uuid
from pathlib import Path

from latent_explorer.core.fileio import atomic_write_text, pid_alive, sweep_stale_temps
from latent_explorer.core.session.data import SessionData
from latent_explorer.core.session.schema import SessionError
from latent_explorer.core.session.store import load_session, save_session, session_digest

STATE_ENV = "LATENT_EXPLORER_STATE"
_PREFIX = "recovery-"


def default_state_dir() -> Path:
    """The user's state folder (``$LATENT_EXPLORER_STATE`` overrides it)."""
    override = os.environ.get(STATE_ENV)
    if override:
        return Path(override)
    from platformdirs import user_state_dir

    return Path(user_state_dir("latent-explorer", appauthor=False))


class RecoveryStore:
    """This app's autosave file, and the ones crashed sessions left behind.

    Parameters
    ----------
    folder
        Where recovery files live; ``None`` uses :func:`default_state_dir`. Created on the
        first write.
    pid
        The process id to record in the lock (tests pass another); defaults to this one.
    """

    def __init__(self, folder: str | Path | None = None, pid: int | None = None) -> None:
        self.folder = Path(folder) if folder is not None else default_state_dir()
        self.pid = os.getpid() if pid is None else int(pid)
        stem = f"{_PREFIX}{self.pid}-{uuid.uuid4().hex[:8]}"
        self.path = self.folder / f"{stem}.lxs"
        """This process's recovery file."""
        self.lock_path = self.folder / f"{stem}.lock"
        self._digest: str | None = None
        self._lock = threading.RLock()
        self._epoch = 0
        self._closed = False

    @property
    def epoch(self) -> int:
        """Counts the times the file was adopted, handed back or removed; pass the value read
        when a snapshot was taken to :meth:`write`, so that a stale snapshot is dropped."""
        return self._epoch

    def write(self, session: SessionData, epoch: int | None = None) -> bool:
        """Autosave ``session``; return ``False`` when it equals the last write (no I/O), or
        when ``epoch`` is not the current :attr:`epoch` or the store was closed (dropped).

        Safe to call from a thread other than the one that takes, releases or closes.

        Raises
        ------
        OSError
            If the state folder cannot be written; the last good recovery file is kept.
        SessionError
            If the session holds something that cannot be saved (e.g. a NaN latent).
        """
        with self._lock:
            if self._closed or (epoch is not None and epoch != self._epoch):
                return False
            digest = session_digest(session)
            if digest == self._digest and self.path.is_file():
                return False
            self._claim()
            save_session(self.path, session)
            self._digest = digest
            return True

    def pending(self) -> Path | None:
        """The newest recovery file left by a session that did not end cleanly, or ``None``.

        Stale locks (whose recovery file is gone and whose process is dead) are removed.
        """
        if not self.folder.is_dir():
            return None
        sweep_stale_temps(self.folder)  # half-written autosaves of killed runs
        found: list[tuple[float, Path]] = []
        for lock in self.folder.glob(f"{_PREFIX}*.lock"):
            if lock != self.lock_path and not lock.with_suffix(".lxs").exists() \
                    and not _owner_alive(lock):
                with contextlib.suppress(OSError):
                    lock.unlink()
        for file in self.folder.glob(f"{_PREFIX}*.lxs"):
            lock = file.with_suffix(".lock")
            if file == self.path or (lock.exists() and _owner_alive(lock)):
                continue
            with contextlib.suppress(OSError):
                found.append((file.stat().st_mtime, file))
        return max(found)[1] if found else None

    def take(self, path: Path | None = None) -> SessionData:
        """Open a pending recovery file and adopt it as this process's own autosave.

        Adopting (rather than deleting) keeps it safe should this run crash too, until the
        next write or :meth:`close_cleanly` replaces it. A recovery file that does not open
        is renamed ``*.broken`` (so it is not offered again) and the error is raised.

        Raises
        ------
        FileNotFoundError
            If nothing is pending (and no ``path`` was given).
        SessionError
            If the recovery file is damaged, or vanished (another window took it).
        """
        source = path if path is not None else self.pending()
        if source is None:
            raise FileNotFoundError("no recovery file is pending")
        with self._lock:
            self._epoch += 1
            self._claim()
            try:
                os.replace(source, self.path)
            except FileNotFoundError:
                raise SessionError(source, "is gone: another Latent Explorer window has "
                                           "restored it meanwhile") from None
            with contextlib.suppress(OSError):
                source.with_suffix(".lock").unlink()
            self._digest = None
        try:
            return load_session(self.path)
        except Exception:
            with contextlib.suppress(OSError):
                os.replace(self.path, self.folder / f"{source.stem}.broken")
            raise

    def _claim(self) -> None:
        """Create the folder (private to the user) and this process's lock, once."""
        if not self.lock_path.is_file():
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            lock = {"pid": self.pid, "host": socket.gethostname(), "started": time.time()}
            atomic_write_text(self.lock_path, json.dumps(lock))

    def discard(self, path: Path | None = None) -> None:
        """Delete a pending recovery file (default: the one :meth:`pending` returns)."""
        source = path if path is not None else self.pending()
        if source is None:
            return
        for file in (source, source.with_suffix(".lock")):
            with contextlib.suppress(FileNotFoundError):
                file.unlink()

    def release(self) -> Path | None:
        """Hand this process's recovery file back as pending work; return its new path.

        For a run that adopted a crashed session's work (:meth:`take`) and ends, or gives up
        restoring it, before the work was shown: the file is renamed to a name no running
        process owns, so the next start offers it again, and this run's later autosaves go
        to a new file. ``None`` when there is no file to hand back.
        """
        with self._lock:
            self._epoch += 1
            if not self.path.is_file():
                return None
            target = self.folder / f"{_PREFIX}{self.pid}-{uuid.uuid4().hex[:8]}.lxs"
            os.replace(self.path, target)  # no lock names it: pending for the next start
            self._digest = None
            return target

    def close_cleanly(self) -> None:
        """On a normal exit: remove this process's recovery file and lock; later writes
        (a snapshot still on its way) are dropped."""
        with self._lock:
            self._epoch += 1
            self._closed = True
            for file in (self.path, self.lock_path):
                with contextlib.suppress(FileNotFoundError):
                    file.unlink()
            self._digest = None


def _owner_alive(lock: Path) -> bool:
    """Whether the process named in ``lock`` still runs (a lock from another host: assume so).

    An unreadable or malformed lock counts as dead: it cannot protect anything.
    """
    try:
        data = json.loads(lock.read_text(encoding="utf-8"))
        pid, host = data["pid"], data.get("host")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False
    if not isinstance(pid, int) or isinstance(pid, bool):
        return False
    if isinstance(host, str) and host != socket.gethostname():
        return True
    return pid_alive(pid)
