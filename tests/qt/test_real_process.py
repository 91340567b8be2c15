"""The real ``latent-explorer gui`` process: SIGTERM is a quit; SIGKILL loses at most one autosave.

These start the app as a user does (``python -m latent_explorer gui``, offscreen), with private
state, settings, cache and log folders, and stop it from outside.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.session.autosave import RecoveryStore
from latent_explorer.core.session.data import (
    DatasetRef,
    ModelRef,
    Selection,
    SessionData,
    SessionPath,
)
from latent_explorer.core.session.store import save_session
from tests.conftest import REPO

AUTOSAVE_S = 3.0  # qt.session_controller.AUTOSAVE_MS
KILL_CYCLES = 3

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]


def _env(tmp_path: Path) -> dict[str, str]:
    return dict(os.environ, QT_QPA_PLATFORM="offscreen",
                LATENT_EXPLORER_STATE=str(tmp_path / "state"),
                LATENT_EXPLORER_CONFIG=str(tmp_path / "config"),
                LATENT_EXPLORER_CACHE=str(tmp_path / "cache"),
                LATENT_EXPLORER_LOG=str(tmp_path / "log"),
                PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _start(tmp_path: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "latent_explorer", "gui", *args],
                            env=_env(tmp_path), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _recovery_files(state: Path) -> list[Path]:
    return sorted(state.glob("recovery-*.lxs")) if state.is_dir() else []


def _wait_for(condition, proc: subprocess.Popen[str], timeout: float = 120.0) -> float:  # type: ignore[no-untyped-def]
    """Poll ``condition`` every few milliseconds; the time it became true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return time.monotonic()
        if proc.poll() is not None:
            _, err = proc.communicate()
            pytest.fail(f"the app ended early (status {proc.returncode}): {err[-2000:]}")
        time.sleep(0.002)
    pytest.fail("the app did not get there in time")


def test_sigterm_is_a_quit(tmp_path: Path) -> None:
    state = tmp_path / "state"
    proc = _start(tmp_path)
    try:
        _wait_for(lambda: bool(_recovery_files(state)), proc)  # the window autosaved
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert not list(state.glob("recovery-*")), "a quit leaves no recovery file or lock"
    assert "Traceback" not in err and "leaked" not in err, err
    assert RecoveryStore(state).pending() is None
    assert (tmp_path / "config" / "settings.ini").is_file()  # saved like any quit


COUNT = 100_000
"""Samples in the dataset: big selections make each autosave take long enough to be caught."""


def _dataset(tmp_path: Path) -> Path:
    path = tmp_path / "many.npz"
    if not path.exists():
        rng = np.random.default_rng(0)
        np.savez(path, images=rng.integers(0, 255, (COUNT, 8, 8), dtype=np.uint8),
                 labels=rng.integers(0, 10, COUNT))
    return path


def _work(cycle: int, dataset: Path) -> SessionData:
    """What the user made in one run: paths, selections, the sample and latent in view."""
    rng = np.random.default_rng(cycle)
    anchors = rng.standard_normal((3, 8)).astype(np.float32)
    return SessionData(
        dataset=DatasetRef(str(dataset)), model=ModelRef("demo"),
        current_latent=rng.standard_normal(8).astype(np.float32),
        selected_index=int(rng.integers(0, COUNT)),
        selections=[Selection(f"picked {cycle}.{i}", np.arange(i, COUNT, 2))
                    for i in range(6)],
        paths=[SessionPath(name=f"walk {cycle}", anchors=anchors, loop=bool(cycle % 2))],
        active_path=0)


def _same_work(restored: SessionData, made: SessionData) -> None:
    np.testing.assert_array_equal(restored.current_latent, made.current_latent)
    assert restored.selected_index == made.selected_index
    assert [s.name for s in restored.selections] == [s.name for s in made.selections]
    for got, want in zip(restored.selections, made.selections, strict=True):
        np.testing.assert_array_equal(got.indices, want.indices)
    assert [p.name for p in restored.paths] == [p.name for p in made.paths]
    np.testing.assert_array_equal(restored.paths[0].anchors, made.paths[0].anchors)
    assert restored.paths[0].loop == made.paths[0].loop


def _kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)


def _kill_mid_write(tmp_path: Path, session: Path, state: Path) -> bool:
    """Start the app and SIGKILL it the moment its first autosave is being written.

    True if caught mid-write; False if the write finished before it was seen (the process
    is killed just after it).
    """
    proc = _start(tmp_path, "--session", str(session))
    try:
        _wait_for(lambda: bool(list(state.glob(".recovery-*.lxs.*.tmp"))
                               or _recovery_files(state)), proc)
        proc.send_signal(signal.SIGKILL)
        return not _recovery_files(state)
    finally:
        _kill(proc)


def test_killed_app_loses_at_most_one_autosave_interval(tmp_path: Path) -> None:
    """Several cycles: open work in the real app, SIGKILL it at a random moment (one cycle
    while it writes its recovery file), and check what the next start gets back."""
    state = tmp_path / "state"
    dataset = _dataset(tmp_path)
    chance = random.Random(17)
    for cycle in range(KILL_CYCLES):
        made = _work(cycle, dataset)
        session = save_session(tmp_path / f"work{cycle}.lxs", made)
        if cycle == 0:
            for _ in range(3):  # a write takes some milliseconds: poll until one is caught
                if _kill_mid_write(tmp_path, session, state):
                    break
                for left in _recovery_files(state):
                    RecoveryStore(state).discard(left)
            else:
                pytest.fail("no autosave was caught while being written")
            # The next start sweeps the half-written file; no complete autosave of this run
            # exists, and what it had made is younger than one autosave interval.
            assert RecoveryStore(state).pending() is None
            assert not list(state.glob(".*.tmp")), "a killed write leaves no orphan behind"
            continue
        proc = _start(tmp_path, "--session", str(session))
        try:
            _wait_for(lambda: bool(_recovery_files(state)), proc)
            time.sleep(chance.uniform(0.0, 2 * AUTOSAVE_S))  # a random moment after that
        finally:
            _kill(proc)
        store = RecoveryStore(state)
        pending = store.pending()
        assert pending is not None
        _same_work(store.take(pending), made)
        store.close_cleanly()
