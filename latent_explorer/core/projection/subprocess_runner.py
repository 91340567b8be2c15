"""Run an uninterruptible numeric function in a child process that can be stopped.

umap-learn and scikit-learn's t-SNE neither report progress nor check for cancel. Running them
in a child process (``multiprocessing`` "spawn" context, the same on every platform) lets the
job report indeterminate progress while it waits and kill the child when the user cancels.

Arrays travel as ``.npy`` files in a temporary folder (memory-mapped by the child) rather than
being pickled through the pipe; the pipe carries only a short status message.

Starting a child costs a fresh interpreter (about half a second) plus whatever the function
imports: umap-learn with numba takes several seconds to import and JIT-compile in each child.
A program that freezes itself into a bundle must call ``multiprocessing.freeze_support()``, and
its entry module must not start the app on import (guard with ``if __name__ == "__main__"``).

:class:`WarmChild` keeps one child alive across calls, so the import and JIT compile are paid
once per session (or ahead of time with :meth:`WarmChild.warm_up`) instead of once per fit.
Cancel still kills it; the next call starts a fresh one.
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import re
import shutil
import signal
import tempfile
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import JobCancelled, LatentExplorerError
from latent_explorer.core.jobs import JobContext

ChildFunction = Callable[..., dict[str, npt.NDArray[Any]]]
"""``fn(arrays, **kwargs) -> arrays``, importable by its qualified name in the child."""

_POLL_S = 0.1
_MESSAGE_EVERY_S = 1.0


_FOLDER_NAME = re.compile(r"^latent-explorer-(?:job|warm)-(?P<pid>[0-9]+)-")


def _job_folder(kind: str) -> Path:
    """A fresh folder in the system's temporary folder for one request's arrays, named with
    this process's id so that :func:`sweep_job_folders` knows when it was left behind."""
    return Path(tempfile.mkdtemp(prefix=f"latent-explorer-{kind}-{os.getpid()}-"))


def sweep_job_folders(parent: str | Path | None = None) -> list[Path]:
    """Remove the arrays' folders that killed processes of the app left in ``parent`` (the
    system's temporary folder by default): a map of a million points leaves hundreds of MB
    there, often in memory (tmpfs). Only folders named by :func:`_job_folder` whose process is
    gone; returns what was removed; never raises."""
    from latent_explorer.core.fileio import pid_alive

    removed: list[Path] = []
    try:
        entries = list(os.scandir(parent or tempfile.gettempdir()))
    except OSError:
        return removed
    for entry in entries:
        match = _FOLDER_NAME.match(entry.name)
        if match is None or not entry.is_dir(follow_symlinks=False):
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or pid_alive(pid):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        if not os.path.lexists(entry.path):
            removed.append(Path(entry.path))
    return removed


def run_in_child(
    fn_qualified_name: str,
    arrays: Mapping[str, npt.NDArray[Any]],
    kwargs: Mapping[str, Any],
    ctx: JobContext,
    message: str,
) -> dict[str, npt.NDArray[Any]]:
    """Call a function in a child process, cancellably; return the arrays it returns.

    Parameters
    ----------
    fn_qualified_name
        ``"package.module:function"``. The function is called as ``fn(arrays, **kwargs)``
        and must return a ``dict`` of numpy arrays.
    arrays
        Input arrays, passed through ``.npy`` files (read-only memory maps in the child).
    kwargs
        Small picklable keyword arguments.
    ctx
        Receives indeterminate progress with ``message`` and the elapsed time; its cancel
        terminates the child.
    message
        What the user sees while the child runs, e.g. ``"UMAP: fitting 70,000 points"``.

    Raises
    ------
    JobCancelled
        When ``ctx`` was cancelled; the child is terminated before this is raised.
    LatentExplorerError
        When the function raised in the child or the child died (e.g. out of memory).
    """
    ctx.progress(None, message)
    folder = _job_folder("job")
    mp = multiprocessing.get_context("spawn")
    receiver, sender = mp.Pipe(duplex=False)
    stop_reader, stop_writer = mp.Pipe(duplex=False)
    process = None
    try:
        for name, array in arrays.items():
            np.save(folder / f"in_{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        child = mp.Process(
            target=_child_main,
            args=(fn_qualified_name, str(folder), list(arrays), dict(kwargs), sender,
                  stop_reader),
            name=f"latent-explorer {fn_qualified_name}",
            daemon=True,
        )
        _start_deaf_to_ctrl_c(child)
        process = child
        sender.close()  # the child holds the only writing end now, so EOF means it died
        stop_reader.close()
        status = _wait(process, receiver, ctx, message)
        return _finish(status, folder, message)
    finally:
        stop_writer.close()  # tells a child still running to leave
        if process is not None:
            _stop(process, grace_s=2.0)
        receiver.close()
        shutil.rmtree(folder, ignore_errors=True)


def _start_deaf_to_ctrl_c(process: multiprocessing.process.BaseProcess) -> None:
    """Start ``process`` with Ctrl-C ignored in it.

    A terminal's Ctrl-C reaches every process of the command; the parent then stops its
    children itself, quietly, while a child that took the Ctrl-C too would print a traceback
    of its own (one still starting Python cannot even catch it). A fresh interpreter keeps
    an ignored SIGINT ignored (and installs no Ctrl-C handler), so SIGINT is ignored while
    the child is started: a few milliseconds, during which a Ctrl-C is lost (pressed again,
    it stops the command). A signal mask would lose nothing, but children do not inherit it.
    Only the main thread may change handlers; elsewhere (the window's job threads, whose
    process takes no Ctrl-C) the child starts as it is.
    """
    if threading.current_thread() is not threading.main_thread() or os.name != "posix":
        process.start()
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        process.start()
    finally:
        signal.signal(signal.SIGINT, previous)


def _wait(
    process: multiprocessing.process.BaseProcess,
    receiver: Connection,
    ctx: JobContext,
    message: str,
) -> tuple[Any, ...]:
    started = last_message = time.monotonic()
    while True:
        if receiver.poll(0):
            try:
                status: tuple[Any, ...] = receiver.recv()
            except EOFError:
                status = ()
            if status:
                return status
            _raise_died(process, message)
        if not process.is_alive() and not receiver.poll(0):
            _raise_died(process, message)
        if ctx.wait_cancelled(_POLL_S):
            raise JobCancelled()
        now = time.monotonic()
        if now - last_message >= _MESSAGE_EVERY_S:
            last_message = now
            ctx.progress(None, f"{message} ({now - started:.0f} s)")


def _raise_died(process: multiprocessing.process.BaseProcess, message: str) -> NoReturn:
    process.join()
    code = process.exitcode
    hint = "; the machine may have run out of memory" if code is not None and code < 0 else ""
    raise LatentExplorerError(
        f"{message}: the worker process stopped unexpectedly (exit code {code}){hint}"
    )


def _stop(process: multiprocessing.process.BaseProcess, grace_s: float = 0.0) -> None:
    """Reap the child, giving it ``grace_s`` to leave on its own (it has been told to), and
    end it by force only if it does not."""
    if grace_s > 0 and process.is_alive():
        process.join(grace_s)
    if process.is_alive():
        process.terminate()
        process.join(2.0)
        if process.is_alive():
            process.kill()
    process.join()
    process.close()


def _child_main(
    fn_qualified_name: str,
    folder: str,
    names: list[str],
    kwargs: dict[str, Any],
    sender: Connection,
    stop: Connection,
) -> None:
    """Entry point of a one-shot child: load inputs, call, save outputs, report."""
    _leave_when_told(stop)
    try:
        sender.send(_serve_one(fn_qualified_name, folder, names, kwargs))
    except OSError:  # the parent is gone (BrokenPipeError): nobody to report to
        pass
    finally:
        sender.close()


def _leave_when_told(stop: Connection) -> None:
    """In a child: leave at once, quietly and cleanly, when ``stop`` closes.

    The parent holds the only other end of ``stop``: it closes when the parent asks the child
    to stop, and when the parent process ends, however it ended (a kill included). A thread
    waits for that, so it is noticed even while the main thread is deep in compiled code
    (numba, LLVM). The child then releases what it registered (semaphores of the libraries
    it imported, which would otherwise be reported as leaked) and ends without unwinding the
    busy main thread: no traceback, no broken pipe.
    """
    def wait() -> None:
        with contextlib.suppress(EOFError, OSError):
            stop.recv()
        _leave()

    threading.Thread(target=wait, name="latent-explorer stop", daemon=True).start()


def _leave() -> None:
    from multiprocessing import util

    with contextlib.suppress(Exception):
        util._run_finalizers(0)  # type: ignore[attr-defined]  # unregisters semaphores
    os._exit(0)


def _serve_one(
    fn_qualified_name: str, folder: str, names: list[str], kwargs: dict[str, Any]
) -> tuple[Any, ...]:
    """Run one request in this (child) process; returns the status tuple for the parent."""
    try:
        module_name, _, attr = fn_qualified_name.partition(":")
        fn: ChildFunction = getattr(importlib.import_module(module_name), attr)
        base = Path(folder)
        arrays = {name: np.load(base / f"in_{name}.npy", mmap_mode="r") for name in names}
        result = fn(arrays, **kwargs)
        for name, array in result.items():
            np.save(base / f"out_{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        return ("ok",)
    except BaseException as exc:  # everything must reach the parent
        kind = "LatentExplorerError" if isinstance(exc, LatentExplorerError) else type(exc).__name__
        return ("error", kind, str(exc), traceback.format_exc())


def _warm_main(connection: Connection, stop: Connection) -> None:
    """Entry point of a long-lived child: serve requests until the pipe closes."""
    _leave_when_told(stop)
    while True:
        try:
            request = connection.recv()
        except (EOFError, OSError):
            return
        try:
            connection.send(_serve_one(*request))
        except OSError:  # the parent is gone (BrokenPipeError): leave quietly
            return


class WarmChild:
    """One long-lived child process that runs requests one at a time, cancellably.

    The child starts on the first :meth:`call` (or :meth:`warm_up`) and stays alive, so
    modules it imported and functions numba compiled stay loaded for the next call. Cancelling
    a call kills the child; the next call starts a fresh one. Thread-safe: calls queue up.
    """

    def __init__(self, name: str = "latent-explorer warm worker") -> None:
        self.name = name
        self._lock = threading.Lock()
        self._process: multiprocessing.process.BaseProcess | None = None
        self._connection: Connection | None = None
        self._stop_writer: Connection | None = None
        self._pending: list[Path] = []  # warm-up calls whose replies were not read yet
        self.starts = 0
        """How many child processes were started (for tests and benchmarks)."""

    @property
    def alive(self) -> bool:
        """Whether the child process is running."""
        return self._process is not None and self._process.is_alive()

    def _ensure_started(self) -> tuple[multiprocessing.process.BaseProcess, Connection]:
        if self._process is None or not self._process.is_alive():
            self._stop_locked()
            mp = multiprocessing.get_context("spawn")
            parent_end, child_end = mp.Pipe(duplex=True)
            stop_reader, stop_writer = mp.Pipe(duplex=False)
            process = mp.Process(target=_warm_main, args=(child_end, stop_reader),
                                 name=self.name, daemon=True)
            _start_deaf_to_ctrl_c(process)
            child_end.close()
            stop_reader.close()
            self._process, self._connection = process, parent_end
            self._stop_writer = stop_writer
            self.starts += 1
        assert self._process is not None and self._connection is not None
        return self._process, self._connection

    def warm_up(self, fn_qualified_name: str, arrays: Mapping[str, npt.NDArray[Any]],
                kwargs: Mapping[str, Any]) -> None:
        """Start the child (if needed) and let it run one call in the background.

        Use a tiny input that exercises the same code paths as the real calls (e.g. a UMAP fit
        of a few hundred points), so imports and JIT compilation happen now. Returns at once.
        """
        with self._lock:
            _, connection = self._ensure_started()
            folder = _job_folder("warm")
            for name, array in arrays.items():
                np.save(folder / f"in_{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
            connection.send((fn_qualified_name, str(folder), list(arrays), dict(kwargs)))
            self._pending.append(folder)

    def call(
        self,
        fn_qualified_name: str,
        arrays: Mapping[str, npt.NDArray[Any]],
        kwargs: Mapping[str, Any],
        ctx: JobContext,
        message: str,
    ) -> dict[str, npt.NDArray[Any]]:
        """Like :func:`run_in_child`, in the long-lived child (started if needed)."""
        ctx.progress(None, message)
        with self._lock:
            folder = _job_folder("job")
            try:
                for name, array in arrays.items():
                    np.save(folder / f"in_{name}.npy", np.ascontiguousarray(array),
                            allow_pickle=False)
                process, connection = self._ensure_started()
                connection.send((fn_qualified_name, str(folder), list(arrays), dict(kwargs)))
                try:
                    while self._pending:  # the warm-up's reply comes first
                        _wait(process, connection, ctx, message)
                        shutil.rmtree(self._pending.pop(0), ignore_errors=True)
                    status = _wait(process, connection, ctx, message)
                except (JobCancelled, LatentExplorerError):
                    self._stop_locked()
                    raise
                return _finish(status, folder, message)
            finally:
                shutil.rmtree(folder, ignore_errors=True)

    def close(self) -> None:
        """Stop the child process (it leaves at once, cleanly, whatever it was doing)."""
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._stop_writer is not None:
            self._stop_writer.close()  # the child leaves at once, busy or not
            self._stop_writer = None
        if self._process is not None:
            _stop(self._process, grace_s=2.0)
            self._process = None
        for folder in self._pending:
            shutil.rmtree(folder, ignore_errors=True)
        self._pending = []


def _finish(status: tuple[Any, ...], folder: Path, message: str) -> dict[str, npt.NDArray[Any]]:
    """Raise for an error status, else load the child's output arrays from ``folder``."""
    if status[0] != "ok":
        _, kind, text, trace = status
        if kind == "LatentExplorerError":
            raise LatentExplorerError(text)
        error = LatentExplorerError(f"{message} failed: {kind}: {text}")
        error.add_note(f"traceback in the worker process:\n{trace}")
        raise error
    return {
        path.stem[len("out_") :]: np.load(path, allow_pickle=False)
        for path in sorted(folder.glob("out_*.npy"))
    }
