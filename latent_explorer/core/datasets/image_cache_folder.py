"""The image cache folder as a whole: what it holds, what is in use, and keeping it in bounds.

Only names that :mod:`latent_explorer.core.datasets.image_cache` makes are ever looked at or
removed (``key`` is 40 hexadecimal digits); any other file in the folder is left alone:

- ``<key>.npy`` and ``<key>.json``: a complete entry. The ``.json`` file's modification time
  says when the entry was last used: it is set when the entry is written and each time it is
  read back (access times are not used: many disks are mounted ``noatime``).
- ``.<key>.npy.<pid>-<token>.part`` and ``.<key>.json.<pid>-<token>.tmp``: being written by
  process ``pid``; removed only once that process is gone.
- ``.<key>.<pid>.inuse``: process ``pid`` has the entry open (memory-mapped) now; such an
  entry is never removed while that process runs.

:func:`trim_image_cache` removes the least recently used complete entries until the folder
fits a size limit; :func:`clear_image_cache` removes all it can.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from latent_explorer.core.fileio import pid_alive

IMAGES_FOLDER = "images"
"""The sub-folder of the app's cache folder that holds the image cache."""

ORPHAN_GRACE_S = 600.0
"""Half of an entry (the pixels without their ``.json``, or the reverse) that nobody has open
is removed only when older than this, in case a writer that keeps no ``.inuse`` mark (an
older version of the app) is between its two steps."""

_KEY = r"(?P<key>[0-9a-f]{40})"
_ENTRY = re.compile(rf"^{_KEY}\.(?P<kind>npy|json)$")
_TEMP = re.compile(rf"^\.{_KEY}\.(?:npy|json)\.(?P<pid>[0-9]+)-[0-9a-f]{{8}}\.(?:tmp|part)$")
_LEASE = re.compile(rf"^\.{_KEY}\.(?P<pid>[0-9]+)\.inuse$")

_held: dict[Path, int] = {}
_held_lock = threading.Lock()


def images_folder(cache_root: str | Path) -> Path:
    """The image cache inside the app's cache folder ``cache_root``."""
    return Path(cache_root) / IMAGES_FOLDER


def hold(folder: Path, key: str, array: object) -> Callable[[], object]:
    """Mark entry ``key`` of ``folder`` as in use by this process for as long as ``array``
    (the memory map of its pixels, or any view of it) lives.

    Returns the release: calling it ends the mark at once (a cancelled write).
    """
    pid = os.getpid()
    lease = folder / f".{key}.{pid}.inuse"
    with _held_lock:
        count = _held.get(lease, 0)
        _held[lease] = count + 1
        if count == 0:
            with contextlib.suppress(OSError):
                lease.touch()
    return weakref.finalize(array, _release, lease, pid)


def _release(lease: Path, pid: int) -> None:
    if os.getpid() != pid:
        return  # a forked child letting go of its copy: the parent still has it open
    with _held_lock:
        count = _held.pop(lease, 0) - 1
        if count > 0:
            _held[lease] = count
            return
    with contextlib.suppress(OSError):
        lease.unlink()


def mark_used(meta: Path) -> None:
    """Record that the entry whose ``.json`` is ``meta`` was used now (its modification time,
    from the fine-grained clock so that entries used in quick succession stay in order)."""
    now = time.time_ns()
    with contextlib.suppress(OSError):
        os.utime(meta, ns=(now, now))


@dataclass
class _Entry:
    """The files of one key."""

    npy: Path | None = None
    meta: Path | None = None
    size: int = 0
    used: int = 0
    """When last used (ns): the ``.json`` file's modification time (else the newest file's)."""
    newest: int = 0

    @property
    def complete(self) -> bool:
        return self.npy is not None and self.meta is not None


@dataclass
class _Scan:
    entries: dict[str, _Entry] = field(default_factory=dict)
    live: set[str] = field(default_factory=set)
    """Keys open or being written by a running process."""
    leftovers: list[tuple[Path, int]] = field(default_factory=list)
    """Temporary files and marks of processes that are gone."""
    other_size: int = 0
    """Bytes of temporary files that running processes are writing."""

    @property
    def size(self) -> int:
        return (sum(entry.size for entry in self.entries.values()) + self.other_size
                + sum(size for _, size in self.leftovers))


@dataclass(frozen=True)
class CacheUsage:
    """What the image cache holds."""

    folder: Path
    entries: int
    """Complete entries (a folder or archive at one size each)."""
    size: int
    """Bytes of every file the cache made in the folder."""
    in_use: int
    """Complete entries open in a running process (this one included)."""
    in_use_size: int = 0
    """Bytes of those entries (what clearing the cache cannot free now)."""


@dataclass(frozen=True)
class TrimReport:
    """What :func:`trim_image_cache` or :func:`clear_image_cache` did."""

    removed: int
    """Complete entries removed."""
    freed: int
    """Bytes freed (entries and leftovers of processes that are gone)."""
    usage: CacheUsage
    """What the cache holds afterwards."""


def _scan(folder: Path) -> _Scan:
    scan = _Scan()
    try:
        found = list(os.scandir(folder))
    except OSError:
        return scan
    alive: dict[int, bool] = {}

    def running(pid: int) -> bool:
        if pid not in alive:
            alive[pid] = pid == os.getpid() or pid_alive(pid)
        return alive[pid]

    for item in found:
        name = item.name
        entry_match = _ENTRY.match(name)
        temp_match = _TEMP.match(name) if entry_match is None else None
        lease_match = _LEASE.match(name) if entry_match is None and temp_match is None else None
        if entry_match is None and temp_match is None and lease_match is None:
            continue  # not the cache's own: never touched
        try:
            info = item.stat(follow_symlinks=False)
        except OSError:
            continue
        if not item.is_file(follow_symlinks=False):
            continue
        path = Path(item.path)
        if entry_match is not None:
            entry = scan.entries.setdefault(entry_match["key"], _Entry())
            entry.size += info.st_size
            entry.newest = max(entry.newest, info.st_mtime_ns)
            if entry_match["kind"] == "npy":
                entry.npy = path
            else:
                entry.meta = path
                entry.used = info.st_mtime_ns
            continue
        match = temp_match or lease_match
        assert match is not None
        if running(int(match["pid"])):
            scan.live.add(match["key"])
            scan.other_size += info.st_size
        else:
            scan.leftovers.append((path, info.st_size))
    return scan


def _usage(folder: Path, scan: _Scan) -> CacheUsage:
    complete = [key for key, entry in scan.entries.items() if entry.complete]
    open_now = [scan.entries[key].size for key in complete if key in scan.live]
    return CacheUsage(folder, len(complete), scan.size, len(open_now), sum(open_now))


def cache_usage(folder: str | Path) -> CacheUsage:
    """What the image cache folder ``folder`` holds (an empty usage when it does not exist)."""
    folder = Path(folder)
    return _usage(folder, _scan(folder))


def _remove(paths: list[Path]) -> bool:
    """Remove ``paths`` in order; ``False`` (the rest kept) at the first that cannot go."""
    for path in paths:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            return False
    return True


def trim_image_cache(folder: str | Path, limit: int, keep: tuple[str, ...] = ()) -> TrimReport:
    """Remove the least recently used entries of ``folder`` until it holds at most ``limit``
    bytes.

    Never removed: the entries named in ``keep``, entries open or being written by a running
    process, and any file whose name the cache does not make. What dead processes left half
    written goes first. Never raises: what cannot be removed stays.

    Parameters
    ----------
    folder
        The image cache folder (:func:`images_folder`).
    limit
        Bytes; ``0`` removes every entry that may go.
    keep
        Keys of entries to keep whatever their age (the one just written).
    """
    folder = Path(folder)
    scan = _scan(folder)
    freed = 0
    for path, size in scan.leftovers:
        if _remove([path]):
            freed += size
    scan.leftovers = []
    now = time.time_ns()
    grace = int(ORPHAN_GRACE_S * 1e9)
    removed = 0
    for key, entry in list(scan.entries.items()):
        if entry.complete or key in scan.live or key in keep or now - entry.newest < grace:
            continue
        if _remove([path for path in (entry.npy, entry.meta) if path is not None]):
            freed += entry.size
            del scan.entries[key]
    by_age = sorted((entry.used, key) for key, entry in scan.entries.items()
                    if entry.complete and key not in scan.live and key not in keep)
    total = scan.size
    for _, key in by_age:
        if total <= limit:
            break
        entry = scan.entries[key]
        assert entry.npy is not None and entry.meta is not None
        # The pixels first: if they cannot go (open elsewhere on Windows), the entry stays whole.
        if _remove([entry.npy, entry.meta]):
            total -= entry.size
            freed += entry.size
            removed += 1
            del scan.entries[key]
    return TrimReport(removed, freed, _usage(folder, scan))


def clear_image_cache(folder: str | Path) -> TrimReport:
    """Remove every entry of the image cache ``folder`` that no running process has open, and
    what dead processes left behind; other files in the folder stay."""
    return trim_image_cache(folder, 0)
