"""A disk cache of decoded, resized images, so that a folder of photos opens fast the second time.

An entry is two files in ``<cache>/images/``: ``<key>.npy``, the pixels ``(N, H, W, C)`` uint8
that are memory-mapped on use (so the decoded set need not fit in memory, and only the pages
that are looked at are read), and ``<key>.json``, the file names, what was skipped and what
was changed. The key covers the folder (or archive), every file's name, size and modification
time, and the requested size, so any change to the files misses the cache. The ``.json`` is
written last: an entry without it was interrupted and is never read.

The folder is kept within a size limit (:mod:`~latent_explorer.core.datasets.image_cache_limit`):
once an entry is complete, the least recently used ones go until the rest fits (see
:mod:`~latent_explorer.core.datasets.image_cache_folder`). Reading an entry back marks it used,
and an entry stays while a process has it open.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.image_cache_folder import (
    hold,
    images_folder,
    mark_used,
    trim_image_cache,
)
from latent_explorer.core.datasets.image_cache_limit import image_cache_limit
from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.fileio import atomic_write_text, reserve_temp_file

log = logging.getLogger(__name__)

CACHE_VERSION = "1"


@dataclass
class CachedImages:
    """What a complete cache entry holds."""

    images: npt.NDArray[np.uint8]
    files: list[str]
    skipped: list[tuple[str, str]]
    counts: dict[str, int]


class ImageCache:
    """One cache entry: read it, or fill a memory map and commit it.

    Parameters
    ----------
    folder
        The cache folder of the app (``images/`` is made inside it).
    key
        The content key of the entry.
    """

    def __init__(self, folder: Path, key: str) -> None:
        self.folder = images_folder(folder)
        self.key = key
        self.npy = self.folder / f"{key}.npy"
        self.meta = self.folder / f"{key}.json"
        self._temp: Path | None = None
        self._release: Callable[[], object] | None = None

    def load(self) -> CachedImages | None:
        """The entry, memory-mapped, or ``None`` when it is missing or damaged."""
        try:
            info: dict[str, Any] = json.loads(self.meta.read_text(encoding="utf-8"))
            raw = np.load(self.npy, mmap_mode="r", allow_pickle=False)
            count = int(info["count"])
            files = [str(name) for name in info["files"]]
            if raw.dtype != np.uint8 or raw.ndim != 4 or len(files) != count or count > len(raw):
                return None
            skipped = [(str(name), str(why)) for name, why in info["skipped"]]
            counts = {str(k): int(v) for k, v in info["counts"].items()}
        except (OSError, ValueError, KeyError, TypeError):
            return None
        hold(self.folder, self.key, raw)
        mark_used(self.meta)
        return CachedImages(raw[:count], files, skipped, counts)

    def create(self, shape: tuple[int, int, int, int]) -> npt.NDArray[np.uint8]:
        """A writable memory map for the pixels (in a hidden temporary file until committed)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self._temp = reserve_temp_file(self.npy)
        images: npt.NDArray[np.uint8] = np.lib.format.open_memmap(
            self._temp, mode="w+", dtype=np.uint8, shape=shape)
        # Marked in use: neither the half-written entry nor the complete one is trimmed away.
        self._release = hold(self.folder, self.key, images)
        return images

    def commit(self, images: npt.NDArray[np.uint8], files: list[str],
               skipped: list[tuple[str, str]], counts: dict[str, int]) -> None:
        """Flush the pixels and publish the entry (``files`` names the first ``len`` rows)."""
        assert self._temp is not None
        flush = getattr(images, "flush", None)
        if flush is not None:
            flush()
        os.replace(self._temp, self.npy)
        self._temp = None
        info = {"version": CACHE_VERSION, "count": len(files), "files": files,
                "skipped": [list(item) for item in skipped], "counts": counts}
        atomic_write_text(self.meta, json.dumps(info))
        mark_used(self.meta)
        self.trim()

    def trim(self) -> None:
        """Bring the cache folder within its size limit, keeping this entry; a limit that
        cannot be read (a malformed environment variable) keeps everything."""
        try:
            limit = image_cache_limit()
        except LatentExplorerError as exc:
            log.warning("the image cache was not trimmed: %s", exc)
            return
        report = trim_image_cache(self.folder, limit.size, keep=(self.key,))
        if report.removed:
            log.info("image cache: removed %d least recently used entr%s to stay within %s",
                     report.removed, "y" if report.removed == 1 else "ies", limit.describe())

    def discard(self) -> None:
        """Remove an unfinished entry (a cancelled or failed load)."""
        if self._temp is not None:
            with contextlib.suppress(OSError):
                self._temp.unlink()
            self._temp = None
        if self._release is not None:
            self._release()
            self._release = None
