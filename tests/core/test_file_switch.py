"""Several files switch as a whole: frame patterns, folders of frames and a model's two files,
killed (SIGKILL, at chosen steps) while they switch, are whole again after the next start's
sweep: the new version when the switch had begun, the old one when it had not."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.core.export.video import pattern_frames, write_png_frames
from latent_explorer.core.file_switch import begin_manifest_switch, finish_switch, switch_files
from latent_explorer.core.fileio import sweep_stale_temps
from tests.core.test_session_recovery import dead_pid
from tests.kill_points import app_env, hidden_leftovers, python, start_paused

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")

OLD, NEW = 10, 200
"""Grey values of the old render's frames (OLD + i) and the new one's (NEW + i)."""


def _render(out: Path, base: int, count: int) -> None:
    write_png_frames(iter([np.full((4, 4, 1), base + i, np.uint8) for i in range(count)]), out)


def _writer(out: Path, base: int, count: int) -> list[str]:
    """A process that writes ``count`` frames (grey ``base + i``) to ``out``."""
    return python("import numpy as np\n"
                  "from latent_explorer.core.export.video import write_png_frames\n"
                  f"frames = [np.full((4, 4, 1), {base} + i, np.uint8) for i in range({count})]\n"
                  f"write_png_frames(iter(frames), {str(out)!r})\n")


def _values(folder: Path, names: list[str]) -> list[int]:
    return [int(np.asarray(Image.open(folder / name))[0, 0]) for name in names]


def _pattern_folder(tmp_path: Path) -> Path:
    """An earlier render of six frames under f_%04d.png, beside files of the user's own."""
    folder = tmp_path / "renders"
    folder.mkdir()
    _render(folder / "f_%04d.png", OLD, 6)
    for name in ("notes.txt", "f_00001.png", "f_0001.jpg"):  # not the pattern's names
        (folder / name).write_bytes(b"the user's")
    return folder


def test_a_pattern_killed_while_its_frames_move_in_is_the_new_render_after_the_sweep(
        tmp_path: Path) -> None:
    folder = _pattern_folder(tmp_path)
    paused = start_paused(_writer(folder / "f_%04d.png", NEW, 3), "switch-moved#2",
                          app_env(tmp_path))
    paused.stop(signal.SIGKILL)
    frames = [f"f_{i:04d}.png" for i in range(1, 7)]
    # What the kill left: two new frames beside four old ones, and the switch's record.
    assert _values(folder, frames) == [NEW, NEW + 1, OLD + 2, OLD + 3, OLD + 4, OLD + 5]
    assert any(name.endswith(".switch") for name in hidden_leftovers(folder))

    sweep_stale_temps(folder)  # what the next start of any command does first

    assert pattern_frames(folder, "f_%04d.png") == frames[:3]
    assert _values(folder, frames[:3]) == [NEW, NEW + 1, NEW + 2]
    assert hidden_leftovers(folder) == []
    assert all((folder / n).read_bytes() == b"the user's"
               for n in ("notes.txt", "f_00001.png", "f_0001.jpg"))


def test_a_pattern_killed_before_its_switch_began_keeps_the_old_render(tmp_path: Path) -> None:
    folder = _pattern_folder(tmp_path)
    paused = start_paused(_writer(folder / "f_%04d.png", NEW, 3), "frames-written",
                          app_env(tmp_path))
    paused.stop(signal.SIGKILL)
    sweep_stale_temps(folder)
    frames = [f"f_{i:04d}.png" for i in range(1, 7)]
    assert pattern_frames(folder, "f_%04d.png") == frames
    assert _values(folder, frames) == [OLD + i for i in range(6)]
    assert hidden_leftovers(folder) == []


def test_a_folder_of_frames_killed_between_its_two_renames_is_the_new_one_after_the_sweep(
        tmp_path: Path) -> None:
    walk = tmp_path / "walk"
    _render(walk, OLD, 5)
    paused = start_paused(_writer(walk, NEW, 2), "switch-moved", app_env(tmp_path))
    paused.stop(signal.SIGKILL)
    # The old folder is aside and the new one not yet in place: both are hidden, and named so
    # that the sweep knows them (an .old folder with the writer's process id).
    assert not walk.exists()
    left = hidden_leftovers(tmp_path)
    assert {name.rsplit(".", 1)[1] for name in left} == {"old", "part", "switch"}, left
    sweep_stale_temps(tmp_path)
    assert sorted(p.name for p in walk.iterdir()) == ["walk_0001.png", "walk_0002.png"]
    assert _values(walk, ["walk_0001.png", "walk_0002.png"]) == [NEW, NEW + 1]
    assert hidden_leftovers(tmp_path) == []


def test_a_record_cut_short_throws_the_staged_files_away(tmp_path: Path) -> None:
    """A kill while the record itself was written: it does not parse, nothing had moved."""
    (tmp_path / "f_0001.png").write_bytes(b"old")
    stamp = f"{dead_pid()}-0badcafe"
    staging = tmp_path / f".f_%04d.png.{stamp}.part"
    staging.mkdir()
    (staging / "f_0001.png").write_bytes(b"new")
    (tmp_path / f".f_%04d.png.{stamp}.switch").write_text('{"version": 1, "kind": "fi')
    sweep_stale_temps(tmp_path)
    assert (tmp_path / "f_0001.png").read_bytes() == b"old"
    assert hidden_leftovers(tmp_path) == []


def test_a_switch_of_a_live_process_is_left_alone(tmp_path: Path) -> None:
    staging = tmp_path / f".f_%04d.png.{os.getpid()}-0badcafe.part"
    staging.mkdir()
    (staging / "f_0001.png").write_bytes(b"new")
    record = tmp_path / f".f_%04d.png.{os.getpid()}-0badcafe.switch"
    record.write_text(json.dumps({"version": 1, "kind": "files", "names": ["f_0001.png"],
                                  "remove": []}))
    assert sweep_stale_temps(tmp_path) == []
    assert record.exists() and (staging / "f_0001.png").exists()
    assert finish_switch(record) and (tmp_path / "f_0001.png").read_bytes() == b"new"
    assert hidden_leftovers(tmp_path) == []


def test_a_record_moves_only_plain_names_inside_its_folder(tmp_path: Path) -> None:
    """A record is only trusted to name files of its own folder: one naming a path or a
    hidden file (planted, or damaged) is thrown away, its staging folder with it."""
    outside = tmp_path / "victim.txt"
    outside.write_bytes(b"keep")
    folder = tmp_path / "renders"
    folder.mkdir()
    stamp = f"{dead_pid()}-0badcafe"
    (folder / f".x.{stamp}.part").mkdir()
    (folder / f".x.{stamp}.switch").write_text(json.dumps(
        {"version": 1, "kind": "files", "names": [], "remove": ["../victim.txt"]}))
    sweep_stale_temps(folder)
    assert outside.read_bytes() == b"keep" and hidden_leftovers(folder) == []


def test_switch_files_replaces_moves_and_removes(tmp_path: Path) -> None:
    for name in ("a.png", "b.png", "c.png"):
        (tmp_path / name).write_bytes(b"old")
    staging = tmp_path / f".p.{os.getpid()}-00000001.part"
    staging.mkdir()
    for name in ("a.png", "b.png"):
        (staging / name).write_bytes(b"new")
    switch_files(staging, ["a.png", "b.png"], ["b.png", "c.png"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png", "b.png"]
    assert (tmp_path / "b.png").read_bytes() == b"new"


@pytest.mark.parametrize("names", ["new", "old", "neither"])
def test_a_manifest_switch_keeps_the_file_the_manifest_names(tmp_path: Path,
                                                            names: str) -> None:
    """The model's two files: whatever ``model.json`` names when the switch ends stays, the
    other of the pair goes; files the record does not name are never touched."""
    for name in ("model-new.safetensors", "model-old.safetensors", "mine.safetensors"):
        (tmp_path / name).write_bytes(b"w")
    named = {"new": "model-new.safetensors", "old": "model-old.safetensors",
             "neither": "mine.safetensors"}[names]
    (tmp_path / "model.json").write_text(json.dumps({"weights": named}))
    record = begin_manifest_switch(tmp_path / "model.json", "model-new.safetensors",
                                   "model-old.safetensors")
    dead = record.with_name(record.name.replace(f".{os.getpid()}-", f".{dead_pid()}-"))
    record.rename(dead)  # left by a process that was killed
    sweep_stale_temps(tmp_path)
    kept = sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".safetensors")
    assert kept == sorted({named, "mine.safetensors"})
    assert hidden_leftovers(tmp_path) == []
