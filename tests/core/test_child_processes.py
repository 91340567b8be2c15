"""The projection worker process ends quietly: on a clean quit and when its parent is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def sleep_holding_a_semaphore(arrays: dict[str, Any], seconds: float) -> dict[str, Any]:
    """Runs in the child: registers a semaphore (as umap's imports do), then works a while."""
    import multiprocessing

    lock = multiprocessing.get_context("spawn").Lock()
    with lock:
        time.sleep(seconds)
    return {"done": np.ones(1)}


_PARENT = """
import sys, time
import numpy as np
from latent_explorer.core.projection.subprocess_runner import WarmChild

if __name__ == "__main__":
    child = WarmChild("latent-explorer test")
    child.warm_up("tests.core.test_child_processes:sleep_holding_a_semaphore",
                  {{"x": np.zeros(2)}}, {{"seconds": {seconds}}})
    time.sleep(1.5)  # the child has imported and holds its semaphore
    print(child._process.pid, flush=True)
    if sys.argv[1] == "quit":
        child.close()
    else:
        time.sleep(60)  # killed meanwhile
"""


def _run_parent(mode: str, seconds: float, tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    script = tmp_path / "parent.py"
    script.write_text(_PARENT.format(seconds=seconds))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get(
        "PYTHONPATH", "")])}
    process = subprocess.Popen([sys.executable, str(script), mode], cwd=REPO, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout is not None
    child_pid = int(process.stdout.readline())
    return process, child_pid


def _gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_a_clean_quit_leaks_no_semaphore(tmp_path: Path) -> None:
    process, child = _run_parent("quit", 30.0, tmp_path)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0
    assert _gone(child, 5)
    assert "leaked" not in err and "Traceback" not in err, err


def test_the_child_leaves_quietly_when_its_parent_is_killed(tmp_path: Path) -> None:
    process, child = _run_parent("kill", 3.0, tmp_path)
    process.send_signal(signal.SIGKILL)
    # stderr closes once the child (and the resource tracker) have gone too.
    _, err = process.communicate(timeout=30)
    assert _gone(child, 10)
    assert "BrokenPipeError" not in err and "Traceback" not in err, err
    assert "leaked" not in err, err
