"""The real ``latent-explorer gui`` process: SIGTERM is a quit; SIGKILL loses at most one autosave.

These start the app as a user does (``python -m latent_explorer gui``), with private state,
settings, cache and log folders, and stop it from outside. The kill test runs the app on a
virtual X screen of its own and types on it, so that work changes between autosaves.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.session.autosave import RecoveryStore
from latent_explorer.core.session.data import (
    DatasetRef,
    ModelRef,
    Selection,
    SessionData,
    SessionPath,
)
from latent_explorer.core.session.store import load_session, save_session
from tests.conftest import REPO

AUTOSAVE_S = 3.0  # qt.session_controller.AUTOSAVE_MS

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]


def _env(tmp_path: Path, display: str | None = None) -> dict[str, str]:
    screen = {"QT_QPA_PLATFORM": "offscreen"} if display is None else {
        "QT_QPA_PLATFORM": "xcb", "DISPLAY": display}
    return dict(os.environ, **screen,
                LATENT_EXPLORER_STATE=str(tmp_path / "state"),
                LATENT_EXPLORER_CONFIG=str(tmp_path / "config"),
                LATENT_EXPLORER_CACHE=str(tmp_path / "cache"),
                LATENT_EXPLORER_LOG=str(tmp_path / "log"),
                PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))


def _start(tmp_path: Path, *args: str, display: str | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "latent_explorer", "gui", *args],
                            env=_env(tmp_path, display), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


@contextlib.contextmanager
def _app(tmp_path: Path, *args: str) -> Iterator[subprocess.Popen[str]]:
    """The app running (offscreen) for the block; killed afterwards if it still runs."""
    proc = _start(tmp_path, *args)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def _sigterm(proc: subprocess.Popen[str]) -> str:
    """Quit the app as a logout or ``kill`` does; its stderr. It must end with status 0."""
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    return err


def _kill(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)


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
    with _app(tmp_path) as proc:
        _wait_for(lambda: bool(_recovery_files(state)), proc)  # the window autosaved
        err = _sigterm(proc)
    assert not list(state.glob("recovery-*")), "a quit leaves no recovery file or lock"
    assert "Traceback" not in err and "leaked" not in err, err
    assert RecoveryStore(state).pending() is None
    assert (tmp_path / "config" / "settings.ini").is_file()  # saved like any quit


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started (Linux: from /proc)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(n) for n in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_sigterm_while_a_map_is_computed_is_a_quit(tmp_path: Path) -> None:
    """SIGTERM while t-SNE runs in the app's child processes: the app quits (status 0), and
    the children end with it; ``latent-explorer bench --only startup`` times this
    (``quit_on_sigterm_s``)."""
    from latent_explorer.bench.shutdown import SAMPLES

    rng = np.random.default_rng(0)
    np.savez(tmp_path / "images.npz",
             images=rng.integers(0, 255, (SAMPLES, 8, 8), dtype=np.uint8))
    state = tmp_path / "state"
    with _app(tmp_path, "--dataset", str(tmp_path / "images.npz"),
              "--projection", "tsne") as proc:
        _wait_for(lambda: bool(_recovery_files(state)), proc)  # the window is up
        children = _children(proc.pid)
        assert children, "the map is computed in child processes"
        before = {child: _cpu_ticks(child) for child in children}
        time.sleep(0.5)
        assert any(_cpu_ticks(child) > ticks for child, ticks in before.items()), \
            "no child was busy computing the map"
        err = _sigterm(proc)
    assert "Traceback" not in err and "leaked" not in err, err
    deadline = time.monotonic() + 5
    while any(Path(f"/proc/{child}").exists() for child in children):
        assert time.monotonic() < deadline, "a child process outlived the app"
        time.sleep(0.05)
    assert RecoveryStore(state).pending() is None


def test_a_quit_while_the_restore_question_waits_keeps_the_crashed_work(
        tmp_path: Path) -> None:
    """A crashed run's work, offered at start, is not lost when this run quits (SIGTERM,
    a logout) before anyone answered: the next start offers it again."""
    from tests.core.test_session_recovery import dead_pid

    state = tmp_path / "state"
    crashed = RecoveryStore(state, pid=dead_pid())
    crashed.write(_work(_dataset(tmp_path)))
    left = RecoveryStore(state).pending()
    assert left is not None
    with _app(tmp_path) as proc:  # the question waits; the demo loads meanwhile
        _wait_for(lambda: any(f != left for f in _recovery_files(state)), proc)  # autosaved
        _sigterm(proc)
    assert RecoveryStore(state).pending() == left
    assert [s.name for s in load_session(left).selections] == [f"picked {i}" for i in range(6)]


def test_a_command_line_projection_applies_to_that_run_only(tmp_path: Path) -> None:
    """``gui --projection tsne`` then a quit: the next plain start opens with PCA (the flag
    is not stored as the default)."""
    from PySide6.QtCore import QSettings

    with _app(tmp_path, "--projection", "tsne") as proc:
        _wait_for(lambda: bool(_recovery_files(tmp_path / "state")), proc)
        _sigterm(proc)
    ini = tmp_path / "config" / "settings.ini"
    assert ini.is_file()
    assert QSettings(str(ini), QSettings.Format.IniFormat).value("projection/method") == "pca"


COUNT = 100_000
"""Samples in the dataset: big selections make each autosave take long enough to be caught."""

SLACK_S = 1.0
"""What a kill may lose beyond one autosave interval: the write itself (the snapshot is taken
when it starts) and the keys still queued in the app."""

KILL_CYCLES = 4
"""Kills of the real process, each after keys typed for a while; the run after each restores
through the window's question and goes on."""


def _dataset(tmp_path: Path) -> Path:
    path = tmp_path / "many.npz"
    if not path.exists():
        rng = np.random.default_rng(0)
        np.savez(path, images=rng.integers(0, 255, (COUNT, 8, 8), dtype=np.uint8),
                 labels=rng.integers(0, 10, COUNT))
    return path


def _work(dataset: Path) -> SessionData:
    """What the user opens at first: paths, selections, the sample and latent in view."""
    rng = np.random.default_rng(0)
    return SessionData(
        dataset=DatasetRef(str(dataset)), model=ModelRef("demo"),
        current_latent=rng.standard_normal(8).astype(np.float32),
        selected_index=int(rng.integers(0, COUNT)),
        selections=[Selection(f"picked {i}", np.arange(i, COUNT, 2)) for i in range(6)],
        paths=[SessionPath(name="walk", anchors=rng.standard_normal((3, 8)).astype(np.float32),
                           loop=True)],
        active_path=0)


@dataclass(frozen=True)
class _Made:
    """What the keys change: the sample in view (N, P) and the active path's keyframes (K)."""

    selected: int | None
    keyframes: tuple[int | None, ...]

    @classmethod
    def of(cls, session: SessionData) -> _Made:
        if not session.paths:
            return cls(session.selected_index, ())
        path = session.paths[session.active_path or 0]
        return cls(session.selected_index, tuple(path.indices or (None,) * len(path.anchors)))

    def after(self, key: str) -> _Made:
        if key == "k":
            return _Made(self.selected, (*self.keyframes, self.selected))
        step = 1 if key == "n" else -1
        start = -1 if self.selected is None and step > 0 else (self.selected or 0)
        return _Made((start + step) % COUNT, self.keyframes)


@dataclass(frozen=True)
class _Press:
    key: str
    at: float  # time.monotonic() once the X server has it


class _Screen:
    """A virtual X screen of its own (Xvfb) and a keyboard on it (the XTEST extension), so
    that keys reach the real app as a user's do."""

    def __init__(self) -> None:
        from Xlib import display

        read, write = os.pipe()
        self.server = subprocess.Popen(
            ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1200x24", "-nolisten",
             "tcp"], pass_fds=(write,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(write)
        number = b""
        while not number.endswith(b"\n"):
            chunk = os.read(read, 16)
            if not chunk:
                pytest.fail("Xvfb did not start")
            number += chunk
        os.close(read)
        self.name = f":{number.decode().strip()}"
        self.display = display.Display(self.name)

    def close(self) -> None:
        self.display.close()
        self.server.terminate()
        self.server.wait(timeout=30)

    def windows(self, pid: int) -> dict[str, Any]:
        """The shown top-level windows of process ``pid``, by title."""
        from Xlib import X
        from Xlib.error import XError

        d = self.display
        pid_atom, name_atom = d.intern_atom("_NET_WM_PID"), d.intern_atom("_NET_WM_NAME")
        found = {}
        for win in d.screen().root.query_tree().children:
            try:
                owner = win.get_full_property(pid_atom, X.AnyPropertyType)
                if owner is None or int(owner.value[0]) != pid:
                    continue
                if win.get_attributes().map_state != X.IsViewable:
                    continue
                title = win.get_full_property(name_atom, X.AnyPropertyType)
            except XError:  # closed meanwhile (a question answered)
                continue
            found[bytes(title.value).decode() if title is not None else ""] = win
        return found

    def window(self, pid: int, title: str, proc: subprocess.Popen[str]) -> Any:
        """Wait for ``pid``'s window whose title contains ``title`` and give it the keyboard."""
        from Xlib import X

        found: list[Any] = []

        def shown() -> bool:
            found[:] = [w for t, w in self.windows(pid).items() if title in t]
            return bool(found)

        _wait_for(shown, proc)
        found[0].set_input_focus(X.RevertToParent, X.CurrentTime)
        self.display.sync()
        return found[0]

    def press(self, key: str) -> _Press:
        """Type ``key`` (a letter) on the keyboard."""
        from Xlib import XK, X
        from Xlib.ext import xtest

        code = self.display.keysym_to_keycode(XK.string_to_keysym(key))
        xtest.fake_input(self.display, X.KeyPress, code)
        xtest.fake_input(self.display, X.KeyRelease, code)
        self.display.sync()
        return _Press(key, time.monotonic())


@pytest.fixture(scope="module")
def screen() -> Iterator[_Screen]:
    if shutil.which("Xvfb") is None:
        pytest.skip("needs Xvfb, a virtual X screen to type keys on (.ci/gl-deps.sh installs it)")
    pytest.importorskip("Xlib", reason="needs python-xlib (the test extra)")
    virtual = _Screen()
    yield virtual
    virtual.close()


def _own_recovery(state: Path, pid: int) -> Path | None:
    return next(iter(state.glob(f"recovery-{pid}-*.lxs")), None)


def _written(state: Path, pid: int, since: int | None = None) -> SessionData | None:
    """What process ``pid`` autosaved (only a write newer than ``since``, an mtime in ns)."""
    own = _own_recovery(state, pid)
    try:
        if own is None or (since is not None and own.stat().st_mtime_ns == since):
            return None
        return load_session(own)
    except (OSError, LatentExplorerError):  # replaced while read: read the new one next time
        return None


def _holds(state: Path, pid: int, expected: _Made | SessionData, since: int | None = None) -> bool:
    """Whether process ``pid`` has autosaved ``expected`` (after ``since``)."""
    written = _written(state, pid, since)
    if isinstance(expected, SessionData):
        expected = _Made.of(expected)
    return written is not None and _Made.of(written) == expected


def _type_until_killed(proc: subprocess.Popen[str], screen: _Screen, state: Path,
                       chance: random.Random, mid_write: bool) -> tuple[list[_Press], float, bool]:
    """Type N, P and K at a user's pace, then SIGKILL the app: at a random moment, or (with
    ``mid_write``) the moment an autosave is being written after a few seconds of typing.

    Returns the keys typed, the time of the kill and whether a write was under way.
    """
    presses: list[_Press] = []
    first = time.monotonic()
    deadline = first + chance.uniform(0.5, 2.5) * AUTOSAVE_S
    if mid_write:
        deadline = first + 4 * AUTOSAVE_S  # if no write is caught by then
    next_key = first
    writing = False
    while True:
        now = time.monotonic()
        writing = bool(list(state.glob(f".recovery-{proc.pid}-*.tmp")))
        if now >= deadline or (mid_write and writing and now - first >= AUTOSAVE_S):
            break
        if now >= next_key:
            presses.append(screen.press(chance.choice("nnnppk")))
            next_key = now + chance.uniform(0.08, 0.3)
        time.sleep(0.001)
    killed_at = time.monotonic()
    _kill(proc)
    return presses, killed_at, writing


def _restored_prefix(restored: _Made, before: _Made, presses: list[_Press]) -> int:
    """How many of ``presses`` the restored work holds (it must be the work as it was after
    some number of them: nothing invented, nothing out of order)."""
    states = [before]
    for press in presses:
        states.append(states[-1].after(press.key))
    held = [n for n, made in enumerate(states) if made == restored]
    assert held, f"restored {restored} is not the work after any number of {len(presses)} keys"
    return held[-1]


def _same_selections_and_paths(restored: SessionData, made: SessionData) -> None:
    assert [s.name for s in restored.selections] == [s.name for s in made.selections]
    for got, want in zip(restored.selections, made.selections, strict=True):
        np.testing.assert_array_equal(got.indices, want.indices)
    assert [p.name for p in restored.paths] == [p.name for p in made.paths]
    np.testing.assert_array_equal(restored.paths[0].anchors[:3], made.paths[0].anchors)
    assert restored.paths[0].loop == made.paths[0].loop


def _restore_through_the_window(tmp_path: Path, screen: _Screen, state: Path,
                                expected: _Made) -> subprocess.Popen[str]:
    """Start the app, answer its "Restore your last session?" with the Y key, and wait until
    it autosaved the restored work."""
    pending = RecoveryStore(state).pending()
    assert pending is not None, "the kill left no recovery file"
    since = pending.stat().st_mtime_ns  # adopting the file keeps its time
    proc = _start(tmp_path, display=screen.name)
    screen.window(proc.pid, "Restore your last session", proc)
    screen.press("y")
    _wait_for(lambda: _holds(state, proc.pid, expected, since), proc)
    return proc


def test_killed_app_loses_at_most_one_autosave_interval(tmp_path: Path, screen: _Screen) -> None:
    """Several cycles of real work and SIGKILL: keys typed into the real app between autosaves,
    a kill at a random moment or while an autosave is written, then the next start restores
    through the window's question and work goes on from what came back."""
    state = tmp_path / "state"
    first = _work(_dataset(tmp_path))
    session = save_session(tmp_path / "work.lxs", first)
    expected = _Made.of(first)
    chance = random.Random(17)
    caught_writing = 0
    for cycle in range(KILL_CYCLES):
        if cycle == 0:
            proc = _start(tmp_path, "--session", str(session), display=screen.name)
            _wait_for(partial(_holds, state, proc.pid, first), proc)
        else:
            proc = _restore_through_the_window(tmp_path, screen, state, expected)
        try:
            screen.window(proc.pid, "Latent Explorer", proc)
            presses, killed_at, writing = _type_until_killed(proc, screen, state, chance,
                                                             mid_write=cycle % 2 == 1)
        finally:
            _kill(proc)
        caught_writing += writing
        if writing:
            assert list(state.glob(".recovery-*.tmp")), "the kill came while a write was open"
        store = RecoveryStore(state)
        pending = store.pending()  # what the next start sees; it sweeps half-written files
        assert pending is not None
        assert not list(state.glob(".*.tmp")), "a killed write leaves no orphan behind"
        restored = load_session(pending)
        _same_selections_and_paths(restored, first)
        held = _restored_prefix(_Made.of(restored), expected, presses)
        lost = presses[held:]
        if lost:
            assert killed_at - lost[0].at <= AUTOSAVE_S + SLACK_S, (
                f"cycle {cycle}: {len(lost)} keys lost, the first typed "
                f"{killed_at - lost[0].at:.1f} s before the kill")
        assert held > 0 or killed_at - presses[0].at <= AUTOSAVE_S + SLACK_S
        expected = _Made.of(restored)
    assert caught_writing, "no kill came while an autosave was being written"

    # Killed while the restore waits on a question (the dataset was moved: "Locate it?"),
    # the window showing the command line's data meanwhile: the recovery file must still hold
    # the work after autosaves come and go, not what the window showed.
    dataset = _dataset(tmp_path)
    moved = dataset.rename(tmp_path / "moved.npz")
    pending = RecoveryStore(state).pending()
    assert pending is not None
    proc = _start(tmp_path, display=screen.name)
    try:
        screen.window(proc.pid, "Restore your last session", proc)
        screen.press("y")
        screen.window(proc.pid, "has moved", proc)
        asked = time.monotonic()
        _wait_for(lambda: time.monotonic() - asked > AUTOSAVE_S + SLACK_S, proc)
        assert _own_recovery(state, proc.pid) is not None, "the recovered file was adopted"
    finally:
        _kill(proc)
    pending = RecoveryStore(state).pending()
    assert pending is not None
    assert _Made.of(load_session(pending)) == expected, "the work was lost while restoring"
    moved.rename(dataset)

    # And a last run restores it, then quits on SIGTERM: nothing is left to recover.
    proc = _restore_through_the_window(tmp_path, screen, state, expected)
    _sigterm(proc)
    assert RecoveryStore(state).pending() is None
