"""How long the app takes to quit on SIGTERM (a logout, ``kill``, a service manager) while a
map is being computed in its child processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

SAMPLES = 20_000
"""Enough 8x8 images that a t-SNE map of them is still running when SIGTERM comes."""


def bench_quit_on_sigterm(quick: bool = False) -> dict[str, Any]:
    """Start ``latent-explorer gui --projection tsne`` on :data:`SAMPLES` images, wait for its
    first autosave (the window is up, the t-SNE job runs), send SIGTERM and time the exit.

    Raises ``RuntimeError`` if the app does not end with status 0 (a quit, not a crash).
    """
    if sys.platform == "win32":
        return {}
    runs = 1 if quick else 3
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="le-quit-") as tmp:
            folder = Path(tmp)
            rng = np.random.default_rng(0)
            np.savez(folder / "images.npz",
                     images=rng.integers(0, 255, (SAMPLES, 8, 8), dtype=np.uint8))
            env = dict(os.environ, LATENT_EXPLORER_CACHE=str(folder / "cache"),
                       LATENT_EXPLORER_CONFIG=str(folder / "config"),
                       LATENT_EXPLORER_STATE=str(folder / "state"))
            env.setdefault("QT_QPA_PLATFORM", "offscreen")
            proc = subprocess.Popen(
                [sys.executable, "-m", "latent_explorer", "gui", "--dataset",
                 str(folder / "images.npz"), "--projection", "tsne"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            times.append(time_sigterm(proc, partial(_wait_for_autosave, folder / "state"), ""))
    return {"quit_on_sigterm_s": round(float(np.median(times)), 3)}


def _wait_for_autosave(state: Path, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the app ended before its first autosave "
                               f"(status {proc.returncode})")
        if state.is_dir() and any(state.glob("recovery-*.lxs")):
            return
        time.sleep(0.01)
    raise RuntimeError("the app did not autosave within 120 s")


def time_sigterm(proc: subprocess.Popen[str], ready: Callable[[subprocess.Popen[str]], None],
                 doing: str) -> float:
    """Seconds from SIGTERM to the end of ``proc`` once ``ready(proc)`` returned; raises when the
    app did not quit cleanly (``doing`` says what it was doing, e.g. " while it looked at a
    model"). The process never outlives the call."""
    try:
        ready(proc)
        started = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
        took = time.perf_counter() - started
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"the app did not quit cleanly on SIGTERM{doing} "
                           f"(status {proc.returncode}): {err[-2000:]}")
    return took
