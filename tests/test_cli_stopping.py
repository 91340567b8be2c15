"""Commands told to stop, and commands killed: the real ``latent-explorer`` process, stopped at
a chosen step of its write (``LATENT_EXPLORER_PAUSE_AT``, see ``tests/kill_points.py``).

SIGTERM and Ctrl-C end every command with one line and 128 + the signal's number, and remove
what it was writing. SIGKILL cannot be caught: what it leaves is finished or removed by the
next start of any command, and a set of frames or a model is never left half old, half new.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.cli import main
from latent_explorer.core.models import load_model
from latent_explorer.core.models.vae_io import vae_weights_path
from tests.kill_points import app_env, cli, hidden_leftovers, start_paused

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")]

TRAIN = ("train", "--dataset", "digits", "--latent-dim", "2", "--hidden", "8", "--epochs", "1")


def _anchors(tmp_path: Path, seed: int) -> Path:
    path = tmp_path / f"anchors{seed}.npy"
    np.save(path, np.random.default_rng(seed).standard_normal((2, 8)).astype(np.float32))
    return path


def _render(tmp_path: Path, out: Path, seed: int = 0, frames: int = 4) -> tuple[str, ...]:
    return ("render", "--anchors-file", str(_anchors(tmp_path, seed)), "--frames", str(frames),
            "--size", "16", "--out", str(out))


def _told_to_stop(err: str, line: str) -> None:
    """``err`` ends with the one line ``line``: no traceback, no other message."""
    said = [text for text in err.splitlines()
            if text.startswith("latent-explorer:") and "paused at" not in text]
    assert said == [line], err
    assert "Traceback" not in err and "Error" not in err, err


def _model_outputs(spec: Path) -> np.ndarray:
    model = load_model(str(spec))
    return model.decode(np.linspace(-1, 1, 2 * model.latent_dim, dtype=np.float32)
                        .reshape(2, -1))


@pytest.mark.parametrize("case", ["render-mp4", "render-frames", "encode", "train"])
def test_sigterm_stops_a_command_with_one_line_and_removes_what_it_was_writing(
        tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    old_model = None
    if case == "render-mp4":
        argv, step = _render(tmp_path, work / "walk.mp4"), "export-written"
    elif case == "render-frames":
        argv, step = _render(tmp_path, work / "walk"), "frames-written"
    elif case == "encode":
        argv, step = ("--no-cache", "encode", "--out", str(work / "z.npy")), "file-written"
    else:  # retraining over an earlier model: the earlier one stays, whole
        monkeypatch.setenv("LATENT_EXPLORER_STATE", str(tmp_path / "state"))
        assert main([*TRAIN, "--out", str(work / "vae")]) == 0
        old_model = _model_outputs(work / "vae")
        argv, step = (*TRAIN, "--seed", "1", "--out", str(work / "vae")), "model-weights-written"
    paused = start_paused(cli(*argv), step, app_env(tmp_path))
    status, err = paused.stop(signal.SIGTERM)
    assert status == 128 + signal.SIGTERM, err
    _told_to_stop(err, "latent-explorer: stopped by SIGTERM")
    for folder in (work, *work.iterdir()):
        if folder.is_dir():
            assert hidden_leftovers(folder) == [], folder
    if old_model is None:
        assert list(work.iterdir()) == []
    else:
        np.testing.assert_array_equal(_model_outputs(work / "vae"), old_model)
        assert sorted(p.name for p in (work / "vae").iterdir()) == \
            sorted(["model.json", vae_weights_path(work / "vae").name])


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_ctrl_c_while_ffmpeg_encodes_stops_both_and_leaves_no_part_file(tmp_path: Path) -> None:
    """Ctrl-C in a terminal reaches the whole foreground process group."""
    paused = start_paused(cli(*_render(tmp_path, tmp_path / "walk.mp4", frames=30)),
                          "frame-written#5", app_env(tmp_path))
    children = _children(paused.proc.pid)
    assert children, "ffmpeg runs while frames are written"
    status, err = paused.stop(signal.SIGINT, group=True)
    assert status == 128 + signal.SIGINT, err
    _told_to_stop(err, "latent-explorer: interrupted")
    assert not any(Path(f"/proc/{pid}").exists() for pid in children), "ffmpeg outlived it"
    assert list(tmp_path.glob("*.mp4")) == [] and hidden_leftovers(tmp_path) == []


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:  # a thread that just ended
            continue
    return found


def _ignores_ctrl_c(pid: int) -> bool:
    status = Path(f"/proc/{pid}/status").read_text()
    ignored = int(next(line.split()[1] for line in status.splitlines()
                       if line.startswith("SigIgn:")), 16)
    return bool(ignored & (1 << (signal.SIGINT - 1)))


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_ctrl_c_while_a_child_process_starts_gives_one_line(tmp_path: Path) -> None:
    """``project --method tsne`` computes the map in a child process; Ctrl-C the moment that
    child exists (it is still starting Python) reaches it too. The child stays quiet (no
    traceback of its own) and the command stops it and says one line."""
    import subprocess
    import time

    proc = subprocess.Popen(cli("--no-cache", "project", "--method", "tsne"),
                            env=app_env(tmp_path), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    children: list[int] = []
    deadline = time.monotonic() + 600
    while not children and proc.poll() is None and time.monotonic() < deadline:
        children = [pid for pid in _children(proc.pid) if b"spawn_main" in _cmdline(pid)]
        time.sleep(0.01)
    assert children, "the map is computed in a child process"
    # Whenever the Ctrl-C comes, the child never takes it: it is ignored there from the start
    # (a child still starting Python could not even catch it, and printed a traceback) ...
    assert _ignores_ctrl_c(children[0]), "the child can be interrupted by Ctrl-C"
    # ... while the command takes it once the child has started.
    while proc.poll() is None and _ignores_ctrl_c(proc.pid):
        assert time.monotonic() < deadline, "the command went on ignoring Ctrl-C"
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 128 + signal.SIGINT, err
    _told_to_stop(err, "latent-explorer: interrupted")
    assert not any(Path(f"/proc/{pid}").exists() for pid in children), "a child outlived it"


def test_a_frame_pattern_killed_while_its_frames_move_in_switches_as_a_whole(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``render --out f_%04d.png`` over an earlier, longer render, SIGKILLed after two of its
    frames were moved into place; the next command (any) finishes the switch: the pattern
    holds the new render alone, exactly as an uninterrupted render makes it."""
    monkeypatch.setenv("LATENT_EXPLORER_STATE", str(tmp_path / "state"))
    folder = tmp_path / "renders"
    pattern = folder / "f_%04d.png"
    assert main(list(_render(tmp_path, pattern, seed=0, frames=7))) == 0
    assert main(list(_render(tmp_path, tmp_path / "ref" / "f_%04d.png", seed=1))) == 0
    old = {p.name: p.read_bytes() for p in folder.iterdir()}
    want = {p.name: p.read_bytes() for p in (tmp_path / "ref").iterdir()}
    paused = start_paused(cli(*_render(tmp_path, pattern, seed=1)), "switch-moved#2",
                          app_env(tmp_path))
    paused.stop(signal.SIGKILL)
    now = {p.name: p.read_bytes() for p in folder.iterdir() if not p.name.startswith(".")}
    assert now["f_0001.png"] == want["f_0001.png"] and now["f_0003.png"] == old["f_0003.png"]

    assert main(["cache"]) == 0  # the next start of any command

    assert {p.name: p.read_bytes() for p in folder.iterdir()} == want
    assert hidden_leftovers(tmp_path) == []


def test_retraining_killed_between_the_weights_and_model_json_keeps_the_old_model(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LATENT_EXPLORER_STATE", str(tmp_path / "state"))
    out = tmp_path / "vae"
    assert main([*TRAIN, "--out", str(out)]) == 0
    before = _model_outputs(out)
    paused = start_paused(cli(*TRAIN, "--seed", "1", "--out", str(out)),
                          "model-weights-written", app_env(tmp_path))
    paused.stop(signal.SIGKILL)
    assert len(list(out.glob("model-*.safetensors"))) == 2  # the new weights are on disk
    np.testing.assert_array_equal(_model_outputs(out), before)  # model.json: the old ones

    assert main(["cache"]) == 0  # the next start of any command
    assert sorted(p.name for p in out.iterdir()) == sorted(["model.json",
                                                            vae_weights_path(out).name])
    np.testing.assert_array_equal(_model_outputs(out), before)


def test_what_a_killed_export_left_is_swept_by_the_next_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A video export SIGKILLed before its rename leaves its hidden ``.part`` file; any next
    command removes it (files of the user's own beside it stay)."""
    videos = tmp_path / "videos"
    videos.mkdir()
    (videos / ".walk.mp4.draft").write_bytes(b"the user's")
    paused = start_paused(cli(*_render(tmp_path, videos / "walk.mp4")), "export-written",
                          app_env(tmp_path))
    paused.stop(signal.SIGKILL)
    left = hidden_leftovers(videos)
    assert len(left) == 1 and left[0].startswith(".walk.mp4.") and left[0].endswith(".part")
    monkeypatch.setenv("LATENT_EXPLORER_STATE", str(tmp_path / "state"))
    assert main(["cache"]) == 0
    assert hidden_leftovers(videos) == []
    assert (videos / ".walk.mp4.draft").read_bytes() == b"the user's"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_the_arrays_a_killed_map_left_in_the_temporary_folder_are_swept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``project --method tsne`` hands its latents to a child process through a folder in the
    system's temporary folder (hundreds of MB for a big map, often in memory). Killed with
    SIGKILL, the command cannot remove it; the next start of any command does, and nothing
    else there (a live process's folder, a user's)."""
    import subprocess
    import tempfile
    import time

    temp = tmp_path / "tmp"
    temp.mkdir()
    (temp / "latent-explorer-notes").mkdir()  # a user's, named alike
    alive = temp / f"latent-explorer-job-{os.getppid()}-abcd"  # a running process's
    alive.mkdir()
    proc = subprocess.Popen(cli("--no-cache", "project", "--method", "tsne"),
                            env=app_env(tmp_path, TMPDIR=str(temp)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    mine = f"latent-explorer-job-{proc.pid}-"
    deadline = time.monotonic() + 600
    while not any(p.name.startswith(mine) for p in temp.iterdir()):
        assert proc.poll() is None and time.monotonic() < deadline, "no child was given a job"
        time.sleep(0.01)
    proc.kill()
    proc.wait(timeout=600)
    left = [p for p in temp.iterdir() if p.name.startswith(mine)]
    assert left and any(left[0].iterdir()), "the killed command left the child's arrays"

    monkeypatch.setenv("LATENT_EXPLORER_STATE", str(tmp_path / "state"))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    assert main(["cache"]) == 0  # the next start of any command
    assert sorted(p.name for p in temp.iterdir()) == sorted(["latent-explorer-notes", alive.name])


def test_sigterm_to_encode_distributed_keeps_the_earlier_store_and_says_one_line(
        tmp_path: Path) -> None:
    """Stopped with every chunk written, just before the new store would take the earlier
    one's place: the earlier store opens as before, the workers are gone, nothing is left
    beside it, and stderr holds the one line (no log lines of Dask's)."""
    pytest.importorskip("dask.distributed")
    zarr = pytest.importorskip("zarr")
    from latent_explorer.core.compute.latent_store import (
        create_latent_store,
        mark_complete,
        open_latent_store,
    )

    store = tmp_path / "latents.zarr"
    create_latent_store(store, 3, 2, metadata={"model": "earlier"})
    zarr.open_array(str(store / "latents"), mode="r+")[:] = np.ones((3, 2), np.float32)
    mark_complete(store)
    paused = start_paused(cli("encode-distributed", "--dataset", "digits", "--model", "demo",
                              "--workers", "1", "--chunk", "900", "--out", str(store)),
                          "store-written", app_env(tmp_path))
    status, err = paused.stop(signal.SIGTERM)
    assert status == 128 + signal.SIGTERM, err
    _told_to_stop(err, "latent-explorer: stopped by SIGTERM")
    assert "WARNING" not in err, err
    latents, _, meta = open_latent_store(store)
    assert meta["model"] == "earlier" and latents.shape == (3, 2)
    assert hidden_leftovers(tmp_path) == []


def test_what_a_killed_python_export_left_is_swept_by_the_next_command(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``Explorer.render`` from a script (or a notebook's kernel), killed before its rename:
    the folder was remembered as the commands' are, so any next command removes the
    ``.part`` file."""
    from tests.kill_points import python

    videos = tmp_path / "videos"
    videos.mkdir()
    script = ("import latent_explorer as lx\n"
              "explorer = lx.explore('demo', 'digits', block=False).wait_ready()\n"
              f"explorer.render({str(videos / 'walk.gif')!r}, anchors=[0, 5], frames=4, "
              "size=16)\n")
    paused = start_paused(python(script), "export-written",
                          app_env(tmp_path, QT_QPA_PLATFORM="offscreen"))
    paused.stop(signal.SIGKILL)
    left = hidden_leftovers(videos)
    assert len(left) == 1 and left[0].endswith(".part"), left
    monkeypatch.setenv("LATENT_EXPLORER_STATE", str(tmp_path / "state"))
    assert main(["cache"]) == 0
    assert list(videos.iterdir()) == []
