"""The Python code beside a trusted file: what a trust grant covers besides the file itself.

A Python adapter file imports modules that lie next to it, and a pickled module names classes
defined in a ``.py`` file beside it. Trusting the file trusts that code too, as it was when the
user said yes. :func:`read_code_beside` reads every ``.py`` file of the file's folder (its
sub-folders too, so packages are covered) once, within limits that keep a download folder or a
home folder from being read whole; :func:`first_difference` names the first file that is new,
changed or gone compared with what a grant recorded.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

MAX_DEPTH = 4
"""Folder levels below the trusted file's folder that are read (``nets/blocks/conv.py`` is 2)."""
MAX_FILES = 400
"""At most this many ``.py`` files are covered; further ones cannot be imported."""
MAX_BYTES = 32 << 20
"""At most this many bytes of code are read."""
MAX_FOLDERS = 2000
"""At most this many folders are looked into."""
_SKIPPED = frozenset({"__pycache__", "site-packages", "dist-packages", "node_modules"})


@dataclass(frozen=True)
class CodeBeside:
    """The ``.py`` files around a trusted file, read once.

    Attributes
    ----------
    folder
        The trusted file's folder (resolved).
    sources
        Each file's path relative to :attr:`folder` (``"nets/__init__.py"``) and its bytes.
    """

    folder: Path
    sources: Mapping[str, bytes] = field(default_factory=dict)

    def digests(self) -> tuple[tuple[str, str], ...]:
        """``(relative path, SHA-256)`` of every file, in path order (what a grant records)."""
        return tuple((name, hashlib.sha256(data).hexdigest())
                     for name, data in sorted(self.sources.items()))

    def names(self) -> list[str]:
        """The files' relative paths, in order."""
        return sorted(self.sources)


def read_code_beside(folder: Path, exclude: Path | None = None) -> CodeBeside:
    """Read the ``.py`` files in ``folder`` and its sub-folders (within the module's limits),
    but ``exclude`` (the trusted file itself, which its grant covers by its own digest).

    Hidden folders, ``__pycache__``, installed packages and virtual environments are left out:
    nothing there is imported through the folder. Files that cannot be read are left out as
    well (they cannot be imported either).
    """
    folder = folder.resolve()
    sources: dict[str, bytes] = {}
    total = folders = 0
    for root, dirs, files in os.walk(folder):
        folders += 1
        here = Path(root)
        depth = len(here.relative_to(folder).parts)
        dirs[:] = sorted(d for d in dirs if _looked_into(here / d, depth))
        for name in sorted(files):
            if not name.endswith(".py") or name.startswith("."):
                continue
            if len(sources) >= MAX_FILES or total >= MAX_BYTES:
                return CodeBeside(folder, sources)
            path = here / name
            if path == exclude:
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            total += len(data)
            sources[path.relative_to(folder).as_posix()] = data
        if folders >= MAX_FOLDERS:
            break
    return CodeBeside(folder, sources)


def _looked_into(path: Path, depth: int) -> bool:
    name = path.name
    if depth >= MAX_DEPTH or name.startswith(".") or name in _SKIPPED or path.is_symlink():
        return False
    return not (path / "pyvenv.cfg").exists()


def first_difference(recorded: tuple[tuple[str, str], ...],
                     now: tuple[tuple[str, str], ...]) -> tuple[str, str] | None:
    """The first file (relative path) that differs, and how: ``"changed"``, ``"new"`` or
    ``"gone"``; ``None`` when ``now`` is what was ``recorded``."""
    before, after = dict(recorded), dict(now)
    for name in sorted(set(before) | set(after)):
        if name not in before:
            return name, "new"
        if name not in after:
            return name, "gone"
        if before[name] != after[name]:
            return name, "changed"
    return None
