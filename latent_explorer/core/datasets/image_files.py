"""Where image files come from: a folder on disk or a zip archive, and the labels their paths give.

Both are read the same way: a sorted list of relative names (``cats/a.png``), and a way to
open one of them as a binary stream. A zip archive is read member by member straight from the
archive, never extracted to disk. Labels come from the first sub-folder below the root; when
the root holds exactly one sub-folder and no images of its own (``photos/train/cats/...``),
the labels come from the level below it.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import DatasetError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")
ROOT_LABEL = "(root)"
MAX_MEMBER_BYTES = 256 << 20
"""Largest image file a zip archive may declare for one member (256 MiB); bigger ones are
skipped unread, so a member that expands to gigabytes never reaches memory."""

ZIP_ERRORS = (OSError, EOFError, zlib.error, zipfile.BadZipFile, NotImplementedError,
              RuntimeError, ValueError)
"""What zipfile raises for damaged, encrypted or unsupported archives and members."""


def is_image_name(name: str) -> bool:
    """Whether a relative path names a visible image file (by suffix; hidden parts skipped)."""
    parts = name.split("/")
    return (
        name.lower().endswith(IMAGE_SUFFIXES)
        and not any(part.startswith(".") for part in parts)
        and parts[0] != "__MACOSX"
    )


class ImageFiles:
    """The image files of a folder or a zip archive, by relative name."""

    root: Path
    """The folder or the archive."""
    names: list[str]
    """Relative paths (``/``-separated), sorted."""

    def open(self, name: str) -> IO[bytes]:
        """A seekable binary stream of one file (raises ``OSError`` and friends)."""
        raise NotImplementedError

    def open_header(self, name: str) -> IO[bytes]:
        """A stream of one file for reading just its header (nothing more is read)."""
        return self.open(name)

    def stamp(self) -> str:
        """Changes whenever a file is added, removed or rewritten (for the thumbnail cache)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release open handles."""


class FolderFiles(ImageFiles):
    """The image files under a folder, searched recursively."""

    def __init__(self, folder: Path) -> None:
        self.root = folder
        found = []
        for path in folder.rglob("*"):
            name = path.relative_to(folder).as_posix()
            if is_image_name(name) and path.is_file():
                found.append(name)
        self.names = sorted(found)

    def open(self, name: str) -> IO[bytes]:
        return (self.root / name).open("rb")

    def stamp(self) -> str:
        rows = []
        for name in self.names:
            try:
                stat = (self.root / name).stat()
            except OSError:
                rows.append(f"{name}\0-")
                continue
            rows.append(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}")
        return "\n".join(rows)


class ZipFiles(ImageFiles):
    """The image members of a zip archive, read one at a time without extracting anything."""

    def __init__(self, archive: Path) -> None:
        self.root = archive
        try:
            self._zip = zipfile.ZipFile(archive)
            infos = self._zip.infolist()
        except ZIP_ERRORS as exc:
            raise DatasetError(archive, f"cannot be read as a zip archive ({exc})") from exc
        self._infos = {info.filename: info for info in infos
                       if not info.is_dir() and is_image_name(info.filename)}
        self.names = sorted(self._infos)
        self.other_names = [info.filename for info in infos if not info.is_dir()
                            and info.filename not in self._infos]

    def open(self, name: str) -> IO[bytes]:
        info = self._infos[name]
        if info.file_size > MAX_MEMBER_BYTES:
            raise OSError(f"declares {info.file_size:,} bytes, more than an image may take")
        # One member in memory at a time: image decoders seek, and seeking backwards in a
        # compressed member would decompress it again from the start.
        with self._zip.open(info) as member:
            data = member.read(info.file_size + 1)
        if len(data) != info.file_size:
            raise OSError(f"holds {len(data):,} bytes but declares {info.file_size:,}")
        return io.BytesIO(data)

    def open_header(self, name: str) -> IO[bytes]:
        info = self._infos[name]
        if info.file_size > MAX_MEMBER_BYTES:
            raise OSError(f"declares {info.file_size:,} bytes, more than an image may take")
        return self._zip.open(info)  # decompresses only as far as the header is read

    def stamp(self) -> str:
        stat = self.root.stat()
        return f"{stat.st_size}\0{stat.st_mtime_ns}\0{len(self.names)}"

    def close(self) -> None:
        self._zip.close()


@dataclass(frozen=True)
class FolderLabels:
    """Labels read from relative paths."""

    labels: npt.NDArray[np.int64] | None
    names: list[str] | None
    depth: int
    """How many single sub-folders were stepped over to find the classes (0 for none)."""


def labels_from_paths(relative: list[str]) -> FolderLabels:
    """Class of each file from its first sub-folder, below any lone wrapping folders.

    ``photos/cats/a.png`` and ``photos/dogs/b.png`` have one wrapping folder (``photos``) and
    the classes ``cats`` and ``dogs``. Files directly at the class level get ``(root)``; when
    every file is there, there are no labels.
    """
    parts = [name.split("/") for name in relative]
    depth = 0
    while True:
        tops = {p[depth] for p in parts if len(p) > depth + 1}
        loose = any(len(p) == depth + 1 for p in parts)
        if len(tops) != 1 or loose:
            break
        depth += 1
    classes = [p[depth] if len(p) > depth + 1 else ROOT_LABEL for p in parts]
    if all(name == ROOT_LABEL for name in classes):
        return FolderLabels(None, None, depth)
    names = sorted(set(classes))
    lookup = {name: index for index, name in enumerate(names)}
    ids = np.array([lookup[name] for name in classes], dtype=np.int64)
    return FolderLabels(ids, names, depth)
