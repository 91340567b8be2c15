"""Temporary files carry their process id; those of dead processes are swept, nothing else."""

from __future__ import annotations

import os
import re
from pathlib import Path

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
