"""A disk cache of computed arrays (latents, projections), keyed by content.

Keys are hashes of what went in (dataset content, model weights, parameters), never file names,
so a renamed file still hits and a changed one misses. Entries are ``.npz`` files written
atomically; nothing is pickled, so reading a cache entry never runs code.

A few entries ship with the app, beside the bundled demo model they belong to
(``resources/<model>/cached-<kind>-<key>.npz``): the demo's latents and UMAP map, so that its
first start shows the map at once instead of fitting UMAP (half a minute, numba's compile
included). They are keyed like any entry, so they apply only to exactly those weights and
that dataset, are read when the user's cache has no entry of its own, and are never written.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import zipfile
from pathlib import Path

import numpy as np
import numpy.typing as npt

CACHE_ENV = "LATENT_EXPLORER_CACHE"


def default_cache_dir() -> Path:
    """The user's cache folder (``$LATENT_EXPLORER_CACHE`` overrides it)."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("latent-explorer", appauthor=False))


def cache_key(*parts: str) -> str:
    """A short stable key from text parts."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


def atomic_save_npz(path: Path, arrays: dict[str, npt.NDArray[np.generic]]) -> None:
    """Write ``arrays`` to ``path`` through a temporary file and a rename."""
    from latent_explorer.core.fileio import atomic_writer

    with atomic_writer(path) as handle:
        np.savez(handle, **arrays)  # type: ignore[arg-type]


def enabled_folder(cache: ResultCache | None) -> Path | None:
    """The folder of ``cache`` when it is on, where resized images are kept too; else ``None``
    (``--no-cache``: everything stays in memory)."""
    return cache.root if cache is not None and cache.enabled else None


class ResultCache:
    """Arrays stored under content keys in one folder.

    Parameters
    ----------
    root
        The folder; ``None`` uses :func:`default_cache_dir`.
    enabled
        ``False`` makes every lookup miss and every store a no-op.
    """

    def __init__(self, root: Path | None = None, enabled: bool = True) -> None:
        self.root = Path(root) if root is not None else default_cache_dir()
        self.enabled = enabled

    def path_for(self, kind: str, key: str) -> Path:
        """Where the entry ``kind``/``key`` lives."""
        return self.root / kind / f"{key}.npz"

    def load(self, kind: str, key: str) -> dict[str, npt.NDArray[np.generic]] | None:
        """The arrays stored under ``kind``/``key`` (else shipped with the app under that key),
        or ``None`` (a broken entry is removed)."""
        if not self.enabled:
            return None
        path = self.path_for(kind, key)
        if not path.exists():
            return _bundled(kind, key)
        try:
            with np.load(path, allow_pickle=False) as data:
                return {name: np.asarray(data[name]) for name in data.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError):
            path.unlink(missing_ok=True)
            return None

    def store(self, kind: str, key: str, arrays: dict[str, npt.NDArray[np.generic]]) -> None:
        """Store ``arrays`` under ``kind``/``key``; a full disk only costs the cache."""
        if not self.enabled:
            return
        with contextlib.suppress(OSError):
            atomic_save_npz(self.path_for(kind, key), arrays)


BUNDLED_PREFIX = "cached-"


def bundled_name(kind: str, key: str) -> str:
    """The file name of an entry shipped with the app (beside the bundled model it is for)."""
    return f"{BUNDLED_PREFIX}{kind}-{key}.npz"


def _bundled(kind: str, key: str) -> dict[str, npt.NDArray[np.generic]] | None:
    """The entry ``kind``/``key`` shipped in the app's resources, or ``None``."""
    from latent_explorer.resources import resource_root

    root = resource_root()
    if not root.is_dir():
        return None
    for path in root.glob(f"*/{bundled_name(kind, key)}"):
        try:
            with np.load(path, allow_pickle=False) as data:
                return {name: np.asarray(data[name]) for name in data.files}
        except (OSError, ValueError, zipfile.BadZipFile, EOFError):
            return None
    return None
