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
"""

from __future__ import annotations

import importlib
import multiprocessing
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Mapping
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt

from latent_explorer.core.compute.jobs import JobContext
from latent_explorer.core.errors import JobCancelled, LatentExplorerError

ChildFunction = Callable[..., dict[str, npt.NDArray[Any]]]
"""``fn(arrays, **kwargs) -> arrays``, importable by its qualified name in the child."""

_POLL_S = 0.1
_MESSAGE_EVERY_S = 1.0


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
    folder = Path(tempfile.mkdtemp(prefix="latent-explorer-job-"))
    mp = multiprocessing.get_context("spawn")
    receiver, sender = mp.Pipe(duplex=False)
    process = None
    try:
        for name, array in arrays.items():
            np.save(folder / f"in_{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        child = mp.Process(
            target=_child_main,
            args=(fn_qualified_name, str(folder), list(arrays), dict(kwargs), sender),
            name=f"latent-explorer {fn_qualified_name}",
            daemon=True,
        )
        child.start()
        process = child
        sender.close()  # the child holds the only writing end now, so EOF means it died
        status = _wait(process, receiver, ctx, message)
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
    finally:
        if process is not None:
            _stop(process)
        receiver.close()
        shutil.rmtree(folder, ignore_errors=True)


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


def _stop(process: multiprocessing.process.BaseProcess) -> None:
    """End the child at once if it still runs, and reap it."""
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
) -> None:
    """Entry point of the child: load inputs, call, save outputs, report."""
    try:
        module_name, _, attr = fn_qualified_name.partition(":")
        fn: ChildFunction = getattr(importlib.import_module(module_name), attr)
        base = Path(folder)
        arrays = {name: np.load(base / f"in_{name}.npy", mmap_mode="r") for name in names}
        result = fn(arrays, **kwargs)
        for name, array in result.items():
            np.save(base / f"out_{name}.npy", np.ascontiguousarray(array), allow_pickle=False)
        sender.send(("ok",))
    except BaseException as exc:  # everything must reach the parent
        kind = "LatentExplorerError" if isinstance(exc, LatentExplorerError) else type(exc).__name__
        sender.send(("error", kind, str(exc), traceback.format_exc()))
    finally:
        sender.close()
