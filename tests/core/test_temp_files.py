"""Temporary files carry their process id; those of dead processes are swept, nothing else."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from latent_explorer.core.fileio import (
    atomic_writer,
    reserve_temp_dir,
    reserve_temp_file,
    sweep_stale_temps,
)
from latent_explorer.core.session.autosave import RecoveryStore
from latent_explorer.core.session.data import SessionData
from latent_explorer.core.session.schema import SessionError
from tests.core.test_session_recovery import dead_pid


def test_temporary_names_carry_the_process_id(tmp_path: Path) -> None:
    target = tmp_path / "out.npy"
    with atomic_writer(target) as stream:
        stream.write(b"x")
        (temp,) = [p.name for p in tmp_path.iterdir()]
    assert re.fullmatch(rf"\.out\.npy\.{os.getpid()}-[0-9a-f]{{8}}\.tmp", temp)
    assert reserve_temp_file(tmp_path / "walk.mp4").name.startswith(f".walk.mp4.{os.getpid()}-")
    assert reserve_temp_dir(tmp_path / "frames").name.startswith(f".frames.{os.getpid()}-")


def _leftovers(folder: Path, pid: int) -> list[Path]:
    frames = folder / f".walk.{pid}-0123abcd.part"
    frames.mkdir()
    for i in range(3):
        (frames / f"walk_{i:04d}.png").write_bytes(b"png")
    files = [folder / f".walk.mp4.{pid}-89abcdef.part",
             folder / f".recovery-1-abc.lxs.{pid}-00ff00ff.tmp"]
    for file in files:
        file.write_bytes(b"half")
    return [frames, *files]


def test_sweep_removes_only_what_dead_processes_of_this_app_left(tmp_path: Path) -> None:
    dead = _leftovers(tmp_path, dead_pid())
    (tmp_path / "mine").mkdir()
    alive = _leftovers(tmp_path / "mine", os.getpid())
    users = [tmp_path / ".notes.tmp", tmp_path / ".draft.123.tmp",
             tmp_path / f"walk.mp4.{dead_pid()}-89abcdef.part",  # not hidden
             tmp_path / f".walk.mp4.{dead_pid()}-xyz.part"]  # not our token
    for file in users:
        file.write_bytes(b"mine")
    removed = sweep_stale_temps(tmp_path)
    assert sorted(removed) == sorted(dead)
    assert not any(p.exists() for p in dead)
    assert all(p.exists() for p in users)
    assert sweep_stale_temps(tmp_path / "mine") == [] and all(p.exists() for p in alive)


def test_an_export_sweeps_what_a_killed_export_to_the_same_target_left(tmp_path: Path) -> None:
    stale = _leftovers(tmp_path, dead_pid())
    reserve_temp_file(tmp_path / "walk.mp4")
    assert not stale[1].exists() and stale[0].exists()  # only walk.mp4's leftovers
    reserve_temp_dir(tmp_path / "walk")
    assert not stale[0].exists()


def test_start_up_sweeps_the_state_folder(tmp_path: Path) -> None:
    stale = tmp_path / f".recovery-1-abc.lxs.{dead_pid()}-00ff00ff.tmp"
    stale.write_bytes(b"\0" * 1000)
    RecoveryStore(tmp_path).pending()
    assert not stale.exists()


def test_a_recovery_file_taken_meanwhile_is_a_clear_error(tmp_path: Path) -> None:
    crashed = RecoveryStore(tmp_path, pid=dead_pid())
    crashed.write(SessionData(current_latent=np.zeros(3, np.float32)))
    pending = RecoveryStore(tmp_path).pending()
    assert pending is not None
    RecoveryStore(tmp_path).take(pending)  # a second window took it
    with pytest.raises(SessionError, match="another Latent Explorer window has restored it"):
        RecoveryStore(tmp_path).take(pending)


def test_user_files_go_through_the_atomic_writer(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Model cards, PNGs, path files and the CLI's --out files: temp + fsync + rename."""
    from latent_explorer.cli import main
    from latent_explorer.core import fileio
    from latent_explorer.core.export.images import save_png
    from latent_explorer.core.export.path_file import PathFile, save_path_file
    from latent_explorer.core.models import ModelOptions, write_model_card

    written: list[str] = []
    real = fileio._create_temp

    def spy(target: Path, mode: int) -> tuple[int, str]:
        if target.parent == tmp_path:  # not the cache
            written.append(target.name)
        return real(target, mode)

    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(fileio, "_create_temp", spy)
    monkeypatch.setattr(fileio.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    (tmp_path / "gen.pt").write_bytes(b"x")
    write_model_card(tmp_path / "card.json", "torchscript", tmp_path / "gen.pt",
                     ModelOptions(latent_shape=(2,)))
    save_png(tmp_path / "a.png", np.zeros((4, 4), np.uint8))
    save_path_file(tmp_path / "walk.json", PathFile(anchors=np.eye(2, 8, dtype=np.float32)))
    assert main(["encode", "--out", str(tmp_path / "z.npz")]) == 0
    assert main(["project", "--out", str(tmp_path / "map.csv")]) == 0
    assert main(["project", "--out", str(tmp_path / "map.npy")]) == 0
    assert written == ["card.json", "a.png", "walk.json", "z.npz", "map.csv", "map.npy"]
    assert len(synced) >= len(written)


def test_exports_killed_mid_write_are_swept_from_their_folders_at_the_next_start(
        tmp_path: Path) -> None:
    import subprocess
    import sys

    from latent_explorer.core import fileio

    state, exports = tmp_path / "state", tmp_path / "videos"
    exports.mkdir()
    fileio.track_write_folders(state)
    try:
        part = fileio.reserve_temp_file(exports / "walk.mp4")  # an export starts writing
    finally:
        fileio.track_write_folders(None)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    # What a run killed mid-export leaves: its part file, named with its (now dead) pid.
    left = exports / part.name.replace(f".{os.getpid()}-", f".{int(dead.stdout)}-")
    part.rename(left)
    frames = exports / f".frames.{int(dead.stdout)}-0badcafe.part"
    frames.mkdir()
    (frames / "frame_0001.png").write_bytes(b"png")
    mine = exports / "walk_final.mp4"
    mine.write_bytes(b"the user's own file")
    assert sorted(fileio.sweep_write_folders(state)) == sorted([left, frames])
    assert not left.exists() and not frames.exists()
    assert mine.read_bytes() == b"the user's own file"


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(),
                    reason="names open files through /proc (Linux)")
def test_exports_and_trained_models_are_on_disk_before_they_are_renamed_into_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Videos, GIFs, PNG frames, SVG maps, selections and trained models: each is written
    under one of the app's temporary names, flushed to disk (fsync), then renamed."""
    import torch

    from latent_explorer.core import fileio
    from latent_explorer.core.analysis.selection_export import (
        export_selection_csv,
        export_selection_npz,
    )
    from latent_explorer.core.datasets.base import ArrayDataset
    from latent_explorer.core.export.map_svg import write_map_svg
    from latent_explorer.core.export.video import write_export, write_png_frames
    from latent_explorer.core.models.training import save_vae
    from latent_explorer.core.models.vae import VAEConfig, build_vae

    synced: set[str] = set()
    renamed: list[tuple[str, str, bool]] = []  # (temporary, target, synced before)
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        synced.add(os.path.realpath(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    def replace(src: Any, dst: Any) -> None:
        src_path = os.path.realpath(src)
        inside = [p for p in synced if p == src_path or p.startswith(src_path + os.sep)]
        renamed.append((Path(src).name, Path(dst).name, bool(inside)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    frames = [np.full((16, 16, 3), 40 * i, np.uint8) for i in range(3)]
    write_export(iter(frames), tmp_path / "walk.mp4", 10)
    write_export(iter(frames), tmp_path / "walk.gif", 10)
    write_png_frames(iter(frames), tmp_path / "frames")
    write_map_svg(tmp_path / "map.svg", np.zeros((3, 2)), np.zeros((3, 4)))
    dataset = ArrayDataset("tiny", "tiny", np.zeros((3, 4, 4, 1), np.uint8))
    export_selection_csv(tmp_path / "picked.csv", [0, 2], dataset, np.zeros((3, 2)))
    export_selection_npz(tmp_path / "picked.npz", [0, 2], dataset, np.zeros((3, 2)))
    config = VAEConfig(image_shape=(8, 8, 1), latent_dim=3, hidden=(8,))
    torch.manual_seed(0)
    save_vae(build_vae(config), config, tmp_path / "model")

    targets = {target for _, target, _ in renamed}
    assert {"walk.mp4", "walk.gif", "frames", "map.svg", "picked.csv", "picked.npz",
            "model.json"} <= targets, targets
    assert any(t.startswith("model-") and t.endswith(".safetensors") for t in targets)
    for temporary, target, was_synced in renamed:
        assert fileio._TEMP_NAME.match(temporary), (temporary, target)  # swept if killed
        assert was_synced, f"{target} was renamed into place before it was on disk"
