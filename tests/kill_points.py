"""Real processes stopped at a chosen step of a write: started with
``LATENT_EXPLORER_PAUSE_AT`` (see :mod:`latent_explorer.core.pause_points`), they print
``latent-explorer: paused at <step>`` and wait there, so a test kills them exactly there, not
after a sleep that misses the step on a busy machine."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import REPO

WAIT_S = 600.0
"""How long a process may take to reach its step (a loaded two-core machine is slow)."""


def app_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a command run as a user runs it, with private state, settings and
    cache folders under ``tmp_path``."""
    return dict(os.environ, LATENT_EXPLORER_STATE=str(tmp_path / "state"),
                LATENT_EXPLORER_CONFIG=str(tmp_path / "config"),
                LATENT_EXPLORER_CACHE=str(tmp_path / "cache"),
                LATENT_EXPLORER_LOG=str(tmp_path / "log"),
                PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
                PYTHONDONTWRITEBYTECODE="1", **extra)


@dataclass
class Paused:
    """A process waiting at a pause point; its stderr is collected as it comes."""

    proc: subprocess.Popen[str]
    lines: queue.Queue[str | None] = field(default_factory=queue.Queue)
    err: list[str] = field(default_factory=list)

    def stop(self, signum: int, group: bool = False) -> tuple[int, str]:
        """Send ``signum`` (to the process group with ``group``); its exit status (negative:
        ended by that signal) and everything it wrote on stderr."""
        if group:
            os.killpg(self.proc.pid, signum)
        else:
            self.proc.send_signal(signum)
        status = self.proc.wait(timeout=WAIT_S)
        while (line := self.lines.get(timeout=WAIT_S)) is not None:
            self.err.append(line)
        return status, "".join(self.err)


def start_paused(argv: list[str], at: str, env: dict[str, str],
                 cwd: Path | None = None) -> Paused:
    """Run ``argv`` and wait until it is paused at the step ``at`` (``name`` or ``name#n``).

    Fails the test (quoting its stderr) when the process ends before it gets there.
    """
    proc = subprocess.Popen(argv, env={**env, "LATENT_EXPLORER_PAUSE_AT": at}, cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    paused = Paused(proc)

    def read() -> None:
        assert proc.stderr is not None
        with proc.stderr:
            for line in proc.stderr:
                paused.lines.put(line)
        paused.lines.put(None)

    threading.Thread(target=read, name="stderr reader", daemon=True).start()
    deadline = time.monotonic() + WAIT_S
    step = at.partition("#")[0]
    while True:
        try:
            line = paused.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            proc.kill()
            pytest.fail(f"{' '.join(argv)} did not reach {at} in {WAIT_S:.0f} s")
        if line is None:
            proc.wait()
            paused.lines.put(None)
            pytest.fail(f"{' '.join(argv)} ended (status {proc.returncode}) before it reached "
                        f"{at}: {''.join(paused.err)[-3000:]}")
        paused.err.append(line)
        if line.strip() == f"latent-explorer: paused at {step}":
            return paused


def cli(*args: str) -> list[str]:
    """The command line of ``latent-explorer <args>`` as a user runs it."""
    return [sys.executable, "-m", "latent_explorer", *args]


def python(code: str) -> list[str]:
    """The command line of a Python script (for a core writer run on its own)."""
    return [sys.executable, "-c", code]


def hidden_leftovers(folder: Path) -> list[str]:
    """The app's temporary names in ``folder`` (whatever a killed writer may leave)."""
    from latent_explorer.core.fileio import _TEMP_NAME

    return sorted(p.name for p in folder.iterdir() if _TEMP_NAME.match(p.name))


SIGKILL = getattr(signal, "SIGKILL", signal.SIGTERM)
