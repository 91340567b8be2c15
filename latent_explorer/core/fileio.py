"""Writing files so that a crash never leaves a half-written one behind.

Every writer here writes to a temporary file in the target's own folder (so the final rename
never crosses a file system), flushes it to disk, and then renames it over the target with
``os.replace``, which is atomic on POSIX and Windows: a reader sees the old file or the new
one, never a mixture.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from latent_explorer.core.errors import ExportError

_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation


@contextlib.contextmanager
def atomic_writer(path: str | Path, mode: int = 0o666) -> Iterator[BinaryIO]:
    """Open a binary stream whose content replaces ``path`` only when the block succeeds.

    Parameters
    ----------
    path
        The file to (re)write; its folder is created when missing.
    mode
        Permissions of the new file, less the umask (unlike ``tempfile.mkstemp``'s 0600, the
        default gives what a normally created file gets).

    Yields
    ------
    BinaryIO
        A stream on a temporary file beside ``path``. If the block raises, the temporary
        file is removed and ``path`` keeps its old content.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _create_temp(target, mode)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _create_temp(target: Path, mode: int) -> tuple[int, str]:
    """Create a new, uniquely named hidden file beside ``target``; its descriptor and name."""
    for _ in range(100):
        candidate = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, mode), \
                str(candidate)
        except FileExistsError:
            continue
    raise FileExistsError(f"{target}: no free temporary name beside it")


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically and return the path.

    Raises
    ------
    OSError
        When the folder cannot be written; ``path`` is then unchanged.
    """
    with atomic_writer(path) as stream:
        stream.write(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically and return the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def reserve_temp_file(target: Path) -> Path:
    """Create an empty, uniquely named hidden file beside ``target`` and return its path.

    Unlike :func:`tempfile.mkstemp` (mode 0600) the file gets the permissions of a normally
    created file (0666 less the umask), which it keeps once renamed onto ``target``.
    """
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(100):
            candidate = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
            try:
                os.close(os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
            except FileExistsError:
                continue
            return candidate
    except OSError as exc:
        raise ExportError(f"{target}: cannot write here ({exc.strerror or exc})") from exc
    raise ExportError(f"{target}: cannot find a free temporary name beside it")


def reserve_temp_dir(target: Path) -> Path:
    """Like :func:`reserve_temp_file`, for a folder (permissions 0777 less the umask)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        for _ in range(100):
            candidate = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
            try:
                candidate.mkdir(0o777)
            except FileExistsError:
                continue
            return candidate
    except OSError as exc:
        raise ExportError(f"{target}: cannot write here ({exc.strerror or exc})") from exc
    raise ExportError(f"{target}: cannot find a free temporary name beside it")
