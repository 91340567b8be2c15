"""Writing files so that a crash never leaves a half-written one behind.

Every writer here writes to a temporary file in the target's own folder (so the final rename
never crosses a file system), flushes it to disk, and then renames it over the target with
``os.replace``, which is atomic on POSIX and Windows: a reader sees the old file or the new
one, never a mixture.

Temporary files and folders are hidden and carry the writing process's id:
``.<target name>.<pid>-<token>.tmp`` (whole-file writes), ``.<target name>.<pid>-<token>.part``
(exports that fill a file or a folder of frames over time), ``.old`` (a folder of frames being
replaced) and ``.switch`` (the record of a switch of several files, see
:mod:`~latent_explorer.core.file_switch`). A process killed mid-write leaves one behind;
:func:`sweep_stale_temps` finishes the switches and removes the rest of those whose process is
gone, and only names of exactly this form, never a user's file.

Errors name the file the user asked for, never the hidden temporary name.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from latent_explorer.core.errors import ExportError
from latent_explorer.core.file_switch import RECORD_KIND, finish_switch
from latent_explorer.core.pause_points import pause_point

_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
_TEMP_NAME = re.compile(r"^\.(?P<target>.+)\.(?P<stamp>(?P<pid>[0-9]+)-[0-9a-f]{8})"
                        r"\.(?P<kind>tmp|part|old|switch)$")


def temp_name(target: Path, kind: str) -> Path:
    """A fresh hidden temporary name beside ``target`` (``kind`` is ``tmp`` or ``part``)."""
    return target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.{kind}")


def pid_alive(pid: int) -> bool:
    """Whether a process with id ``pid`` is running on this machine."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)  # signal 0 only checks; it does not touch the process
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True


def sweep_stale_temps(folder: str | Path, target: str | None = None) -> list[Path]:
    """Clean up after dead processes of this app in ``folder``.

    Switches they had begun (a ``.switch`` record) are finished first, so a set of frames
    or a model is whole again; then the other temporary files and folders they left
    (``.<name>.<pid>-<token>.tmp``, ``.part``, ``.old``) are removed. With ``target``, only
    those for that file name. Returns what was removed or finished. Never raises: what
    cannot be cleaned up stays (and a staging folder whose switch could not be finished is
    kept with its record).
    """
    removed: list[Path] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return removed
    stale = []
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if match is None or (target is not None and match["target"] != target):
            continue
        pid = int(match["pid"])
        if pid == os.getpid() or pid_alive(pid):
            continue
        stale.append((entry, match))
    unfinished: set[str] = set()
    for entry, match in stale:
        if match["kind"] == RECORD_KIND:
            try:
                finish_switch(Path(entry.path))
            except OSError:
                unfinished.add(match["stamp"])
                continue
            removed.append(Path(entry.path))
    for entry, match in stale:
        if match["kind"] == RECORD_KIND or match["stamp"] in unfinished:
            continue
        path = Path(entry.path)
        if not os.path.lexists(path):
            continue  # a finished switch took it
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def write_error(target: Path, exc: OSError) -> OSError:
    """``exc`` (raised while writing ``target`` through a temporary file) as an error that
    names ``target``, never the temporary name, and says plainly what went wrong."""
    reason = exc.strerror or str(exc)
    short = re.fullmatch(r"(\d+) requested and (\d+) written", str(exc))
    if short is not None:  # numpy's words for a write the disk had no room for
        wanted, done = int(short[1]), int(short[2])
        reason = f"the write stopped after {done:,} of {wanted:,} bytes (is the disk full?)"
    elif exc.errno == errno.ENOSPC:
        reason = "the disk is full"
    elif exc.errno == errno.EISDIR or (exc.errno in (errno.EEXIST, errno.ENOTEMPTY)
                                       and target.is_dir()):
        reason = "is a folder, not a file"
    elif exc.errno == errno.EROFS:
        reason = "the disk is read-only"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        reason = "no permission to write there"
    return OSError(exc.errno, reason, str(target))


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
    try:
        prepare_to_write(target)
        fd, tmp = _create_temp(target, mode)
    except OSError as exc:
        raise write_error(target, exc) from exc
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        pause_point("file-written")
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise write_error(target, exc) from exc
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _create_temp(target: Path, mode: int) -> tuple[int, str]:
    """Create a new, uniquely named hidden file beside ``target``; its descriptor and name."""
    for _ in range(100):
        candidate = temp_name(target, "tmp")
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
        Naming ``path``, when it cannot be written; ``path`` is then unchanged.
    """
    with atomic_writer(path) as stream:
        stream.write(data)
    return Path(path)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` as UTF-8 to ``path`` atomically and return the path."""
    return atomic_write_bytes(path, text.encode("utf-8"))


WRITE_FOLDERS_FILE = "export-folders.txt"
"""In the app's state folder: folders where long writes (exports) kept temporary files."""
_MAX_WRITE_FOLDERS = 64

_write_folders: Path | None = None


def track_write_folders(state_folder: str | Path | None) -> None:
    """Remember in ``state_folder`` each folder where an export starts writing (``None``:
    stop), so :func:`sweep_write_folders` can clean up after a killed run at the next start."""
    global _write_folders
    _write_folders = None if state_folder is None else Path(state_folder) / WRITE_FOLDERS_FILE


def prepare_to_write(target: Path) -> None:
    """Before writing ``target``: create its folder, clean up what dead processes left for
    that name (finishing a switch they had begun), and remember the folder for the next
    start's sweep (:func:`track_write_folders`).

    Raises
    ------
    OSError
        When the folder cannot be created.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale_temps(target.parent, target.name)
    _remember_write_folder(target.parent)


def _remember_write_folder(folder: Path) -> None:
    if _write_folders is None or folder == _write_folders.parent:
        return  # the state folder is swept anyway (and its list is written through here)
    try:
        known = _write_folders.read_text(encoding="utf-8").splitlines()
    except OSError:
        known = []
    entry = str(folder.resolve())
    if entry in known:
        return
    kept = [*known, entry][-_MAX_WRITE_FOLDERS:]
    with contextlib.suppress(OSError):
        atomic_write_text(_write_folders, "\n".join(kept) + "\n")


def sweep_write_folders(state_folder: str | Path) -> list[Path]:
    """Remove what killed exports left beside their targets (the folders remembered by
    :func:`track_write_folders`): only the app's own temporary names of dead processes.
    Returns what was removed; never raises."""
    registry = Path(state_folder) / WRITE_FOLDERS_FILE
    try:
        folders = registry.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    removed: list[Path] = []
    for folder in folders:
        if folder.strip():
            removed += sweep_stale_temps(folder)
    return removed


def reserve_temp_file(target: Path) -> Path:
    """Create an empty, uniquely named hidden file beside ``target`` and return its path.

    Unlike :func:`tempfile.mkstemp` (mode 0600) the file gets the permissions of a normally
    created file (0666 less the umask), which it keeps once renamed onto ``target``.
    """
    return _reserve(target, lambda candidate: os.close(
        os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)))


@contextlib.contextmanager
def export_path(target: str | Path) -> Iterator[Path]:
    """A temporary path beside ``target`` for writers that take a file name (ffmpeg, Pillow,
    ``torch.save``): when the block succeeds the file is flushed to disk and renamed onto
    ``target``; when it fails the file is removed and ``target`` keeps its old content.

    The folder is remembered for the start-up sweep (:func:`track_write_folders`), so a
    killed export leaves nothing there for long.

    Raises
    ------
    ExportError
        Naming ``target``, when the folder or the file cannot be written (disk full, no
        permission); errors of the app's own pass through.
    """
    target = Path(target)
    tmp = reserve_temp_file(target)
    try:
        yield tmp
        fd = os.open(tmp, os.O_RDWR | _BINARY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        pause_point("export-written")
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        reason = write_error(target, exc).strerror
        raise ExportError(f"{target}: cannot be written ({reason})") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def export_bytes(target: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``target`` through :func:`export_path`; returns the path."""
    with export_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def reserve_temp_dir(target: Path) -> Path:
    """Like :func:`reserve_temp_file`, for a folder (permissions 0777 less the umask)."""
    return _reserve(target, lambda candidate: candidate.mkdir(0o777))


def _reserve(target: Path, create: Callable[[Path], None]) -> Path:
    """A fresh temporary name beside ``target``, made by ``create`` (which raises
    ``FileExistsError`` when the name is taken); stale temporaries of dead runs go first."""
    try:
        prepare_to_write(target)
        for _ in range(100):
            candidate = temp_name(target, "part")
            try:
                create(candidate)
            except FileExistsError:
                continue
            return candidate
    except OSError as exc:
        reason = write_error(target, exc).strerror
        raise ExportError(f"{target}: cannot write here ({reason})") from exc
    raise ExportError(f"{target}: cannot find a free temporary name beside it")
