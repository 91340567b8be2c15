"""How long the app takes to quit on SIGTERM while it looks at a model file that never ends.

Before a model opens, the window finds out on a worker whether its opening runs code (the
file's kind, and the content a yes would cover). A huge file once held that look for most of a
minute on the GUI thread, and SIGTERM meanwhile took 43 s. Here the look is made endless (a
``sitecustomize`` module, on the child's ``PYTHONPATH`` only, holds the detection of one file
forever), and the quit is timed from the signal.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from latent_explorer.bench.shutdown import time_sigterm

ENDLESS_LOOK = """
import os
import threading
from pathlib import Path

import latent_explorer.core.models.detect as detect

_real = detect.detect_model


def _endless(path):
    if Path(path).name == "endless.pt":  # looking at it never ends (as a huge header's did)
        Path(os.environ["LATENT_EXPLORER_BENCH_LOOKING"]).touch()
        threading.Event().wait()
    return _real(path)


detect.detect_model = _endless
"""
"""The ``sitecustomize`` that makes looking at a file named ``endless.pt`` last forever."""


def start_looking(folder: Path, *args: str) -> tuple[subprocess.Popen[str], Path]:
    """Start ``latent-explorer gui <args>`` with :data:`ENDLESS_LOOK` (private state, config
    and cache in ``folder``); returns the process and the file that appears once it looks."""
    inject = folder / "inject"
    inject.mkdir(exist_ok=True)
    (inject / "sitecustomize.py").write_text(ENDLESS_LOOK, encoding="utf-8")
    looking = folder / "looking"
    package = Path(__file__).resolve().parents[2]
    env = dict(os.environ, LATENT_EXPLORER_BENCH_LOOKING=str(looking),
               LATENT_EXPLORER_STATE=str(folder / "state"),
               LATENT_EXPLORER_CONFIG=str(folder / "config"),
               LATENT_EXPLORER_CACHE=str(folder / "cache"),
               PYTHONPATH=os.pathsep.join([str(inject), str(package),
                                           os.environ.get("PYTHONPATH", "")]))
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    proc = subprocess.Popen([sys.executable, "-m", "latent_explorer", "gui", *args], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    return proc, looking


def endless_model(folder: Path) -> Path:
    """A small weights file named ``endless.pt`` (what it holds does not matter)."""
    import torch

    path = folder / "endless.pt"
    torch.save({"w": torch.zeros(2)}, path)
    return path


def bench_quit_while_looking(quick: bool = False) -> dict[str, Any]:
    """Start ``gui --model endless.pt``, wait until the window looks at it (and a few seconds
    more, so start-up work is done), send SIGTERM and time the exit.

    Raises ``RuntimeError`` if the app does not end with status 0 within 60 s.
    """
    if sys.platform == "win32":
        return {}
    times = []
    for _ in range(1 if quick else 3):
        with tempfile.TemporaryDirectory(prefix="le-look-") as tmp:
            folder = Path(tmp)
            proc, looking = start_looking(folder, "--model", str(endless_model(folder)))
            times.append(time_sigterm(proc, partial(_wait_looking, looking),
                                      " while it looked at a model"))
    return {"quit_on_sigterm_looking_s": round(float(np.median(times)), 3)}


def _wait_looking(looking: Path, proc: subprocess.Popen[str]) -> None:
    """Until the app has begun looking at the model (and a few seconds more, so start-up work
    is done)."""
    deadline = time.monotonic() + 120
    while not looking.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the app did not start looking at the model")
        time.sleep(0.02)
    time.sleep(5)
