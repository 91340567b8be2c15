"""Hostile model files, built as a file's author would, for the tests of the trust gate.

Each writes a marker file when its code runs, so a test asserts on the outcome (the marker is
there or not), not merely that nothing crashed.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from pathlib import Path

import torch


class _Generator(torch.nn.Module):
    """A 4x4 grey decoder of 6 latent values, scripted as the attack's carrier."""

    def __init__(self) -> None:
        super().__init__()
        self.latent_shape = [6]
        self.w = torch.nn.Parameter(torch.linspace(-1.0, 1.0, 96).reshape(6, 16))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(z @ self.w).reshape(-1, 4, 4)

    @torch.jit.export
    def __getstate__(self) -> tuple[list[int], torch.Tensor, bool]:
        return (self.latent_shape, self.w, self.training)

    @torch.jit.export
    def __setstate__(self, state: tuple[list[int], torch.Tensor, bool]) -> None:
        self.latent_shape = state[0]
        self.w = state[1]
        self.training = state[2]


_STATE_CODE = """    self.w = (state)[1]"""


def torchscript_that_writes(path: Path, marker: Path) -> Path:
    """A TorchScript archive whose ``__setstate__`` (run by ``torch.jit.load``) writes
    ``marker`` through ``torch.from_file(..., shared=True)``: any file, with no Python."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.jit.script(_Generator().eval()).save(str(path))
    _rewrite_setstate(path, marker)
    assert not marker.exists()  # building it ran nothing
    return path


def _rewrite_setstate(path: Path, marker: Path) -> None:
    """Put the write into the archive's code, as an author would (the code is plain text)."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    # The mapped file feeds the weights (times 0), so the write is no dead code.
    attack = (f"    _w = torch.from_file({str(marker)!r}, True, 6, dtype=0)\n"
              "    _x = torch.fill_(_w, 65)\n"
              "    _y = torch.mul(torch.to(torch.sum(_x), 6), 0)\n"
              "    self.w = torch.detach(torch.add((state)[1], _y))\n")
    tmp = path.with_suffix(".tmp")
    rewritten = 0
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_STORED) as out:
        for info, data in members:
            if "/code/" in info.filename and info.filename.endswith(".py"):
                text = data.decode()
                if _STATE_CODE in text:
                    data = text.replace(_STATE_CODE, attack).encode()
                    rewritten += 1
            out.writestr(info, data)
    assert rewritten == 1
    os.replace(tmp, path)


ADAPTER = """
import torch
LATENT_SHAPE = (2,)
OUTPUT_RANGE = "0,1"

class Decoder(torch.nn.Module):
    def decode(self, z):
        return torch.sigmoid(z.sum(dim=1, keepdim=True)).expand(-1, 16).reshape(-1, 4, 4)

def load(checkpoint_dir):
    return Decoder()
"""


def touching(marker: Path) -> str:
    """A line of Python that creates ``marker``."""
    return f"open({str(marker)!r}, 'a').close()\n"


def planted_pyc(source: Path, evil: str) -> Path:
    """A ``__pycache__`` entry for ``source`` holding the code of ``evil`` (the same length as
    the source) and stamped with the source's modification time and size: the import system
    takes it for the compiled source."""
    text = source.read_text()
    evil = evil.ljust(len(text), "#") if len(evil) < len(text) else evil
    assert len(evil.encode()) == len(text.encode()), "the planted code must match the size"
    stat = source.stat()
    code = compile(evil, str(source), "exec")
    cached = Path(importlib.util.cache_from_source(str(source)))
    cached.parent.mkdir(exist_ok=True)
    from importlib._bootstrap_external import _code_to_timestamp_pyc  # type: ignore[attr-defined]

    cached.write_bytes(bytes(_code_to_timestamp_pyc(code, int(stat.st_mtime), stat.st_size)))
    return cached


class _Touch:
    """Unpickling this creates a file: what a hostile pickle does."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (open, (str(self.marker), "a"))


def pickle_that_writes(path: Path, marker: Path) -> Path:
    """A checkpoint whose unpickling creates ``marker`` (and holds nothing useful)."""
    torch.save({"model": _Touch(marker)}, path)
    assert not marker.exists()
    return path


def swap_after_hash(monkeypatch, module: object, path: Path, content: bytes) -> list[bool]:  # type: ignore[no-untyped-def]
    """Replace ``path``'s content with ``content`` the moment after ``module``'s next SHA-256
    of it is taken: the race between a trust check and the load, made deterministic.

    Returns a list that holds ``True`` once the swap happened.
    """
    import hashlib

    swapped: list[bool] = []

    class _Digest:
        def __init__(self, *data: bytes) -> None:
            self._real = hashlib.sha256(*data)

        def update(self, data: bytes) -> None:
            self._real.update(data)

        def hexdigest(self) -> str:
            digest = self._real.hexdigest()
            if not swapped:
                swapped.append(True)
                path.write_bytes(content)
            return digest

    class _Hashlib:
        sha256 = _Digest

    monkeypatch.setattr(module, "hashlib", _Hashlib)
    return swapped
