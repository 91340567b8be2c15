"""A session file may not make the app hold more memory than it declares, every copy counted.

The attack: a small session whose forty bookmarks all name one large array. Each field that
refers to an array gets its own float32 copy, so counting each array once let a file of a few
hundred kilobytes ask for forty times the cap. Measured in a child process.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.session.schema import SessionError, referenced_arrays
from latent_explorer.core.session.store import load_session, save_session
from tests.core.test_session_store import full_session
from tests.memory_probe import probe

MiB = 1024**2


def write_npy_member(npz: zipfile.ZipFile, name: str, shape: tuple[int, ...],
                     dtype: str = "<f4") -> None:
    """An ``.npy`` member of zeros, streamed (the test never holds the array itself)."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": dtype, "fortran_order": False, "shape": shape})
    left = int(np.prod(shape)) * np.dtype(dtype).itemsize
    with npz.open(f"{name}.npy", "w", force_zip64=True) as out:
        out.write(header.getvalue())
        block = bytes(MiB)
        while left > 0:
            out.write(block[: min(left, MiB)])
            left -= MiB


def reference_bomb(path: Path, references: int, values: int) -> Path:
    """A session whose ``references`` bookmarks all name one float32 array of ``values``."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as npz:
        write_npy_member(npz, "big", (values,))
    doc = {"schema": "latent-explorer-session", "schema_version": 2,
           "dataset": {"spec": "digits"}, "model": {"spec": "demo"},
           "bookmarks": [{"name": f"b{i}", "latent": "big"} for i in range(references)]}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("session.json", json.dumps(doc))
        archive.writestr("arrays.npz", inner.getvalue())
    return path


def test_every_reference_is_counted() -> None:
    doc = {"bookmarks": [{"latent": "a"}, {"latent": "a"}],
           "selections": [{"indices": "i", "labels": "i"}], "projection": {"coords": "a"}}
    assert referenced_arrays(doc) == {"a": [4, 4, 4], "i": [8, 8]}
    # the research tools' part (schema 3): selection and clusters as int64, scores as float32
    doc["analysis"] = {"selection": "i", "clusters": "a", "scores": {"density": "a"}}
    assert referenced_arrays(doc) == {"a": [4, 4, 4, 8, 4], "i": [8, 8, 8]}


def test_forty_bookmarks_naming_one_array_are_refused_before_reading(tmp_path: Path) -> None:
    """64 MiB declared once, 2.5 GiB as forty copies: refused, the peak memory stays small."""
    path = reference_bomb(tmp_path / "bomb.lxs", references=40, values=16 * MiB)
    assert path.stat().st_size < 1 * MiB
    result = probe("from latent_explorer.core.session.store import load_session",
                   f"load_session({str(path)!r})", tmp_path, headroom=1536 * MiB)
    assert result.error == "SessionError", result.traceback or result.message
    assert str(path) in result.message
    assert "40 fields refer to big" in result.message
    assert "\n" not in result.message
    assert result.growth < 48 * MiB, f"refusing took {result.growth_mb:.0f} MB"


def test_one_reference_to_an_array_under_the_cap_still_opens(tmp_path: Path) -> None:
    """The count is of copies, not a lower cap: a few references to a small array open."""
    path = reference_bomb(tmp_path / "fine.lxs", references=3, values=1000)
    session = load_session(path)
    assert [b.latent.shape for b in session.bookmarks] == [(1000,)] * 3


def test_the_cap_counts_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Four bookmarks naming one 3 MiB array hold 15 MiB: over an 8 MiB cap, refused, while
    the array alone (3 MiB) is under it."""
    from latent_explorer.core.session import store

    monkeypatch.setattr(store, "MAX_ARRAYS_BYTES", 8 * MiB)
    path = reference_bomb(tmp_path / "four.lxs", references=4, values=3 * MiB // 4)
    with pytest.raises(SessionError, match="4 fields refer to big"):
        load_session(path)
    assert len(load_session(reference_bomb(tmp_path / "one.lxs", 1, 3 * MiB // 4)).bookmarks) == 1


def test_the_cap_follows_the_memory_this_machine_has(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With 1 KiB a file may take, a session of a few kilobytes of arrays is refused
    naming the budget; a full session saved by the app is far below any real machine's."""
    saved = save_session(tmp_path / "full.lxs", full_session())
    monkeypatch.setenv("LATENT_EXPLORER_MEMORY_LIMIT", "1K")
    with pytest.raises(SessionError, match=r"more than 1\.0 KiB of memory"):
        load_session(saved)
    monkeypatch.delenv("LATENT_EXPLORER_MEMORY_LIMIT")
    assert load_session(saved).projection.coords is not None
