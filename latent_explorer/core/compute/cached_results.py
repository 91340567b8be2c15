"""What the cache folder holds besides images: computed latents, maps, and exported decoders.

These entries are small beside the image cache (a few kilobytes a sample) and are read whole
into memory when used, so removing them never disturbs a running window; it only costs the
time to compute them again. Only files the app made are counted or removed, matched by folder
and name; another file put in the cache folder stays.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RESULT_KINDS = (
    ("latents", "*.npz", "latents"),
    ("projection", "*.npz", "maps"),
    ("onnx", "decoder-*.onnx", "decoders"),
)
"""Sub-folder, the names the app gives its files there, and what to call them."""


@dataclass(frozen=True)
class ResultsPart:
    """One kind of computed result: what it is called, how many files, how many bytes."""

    name: str
    files: int
    size: int


@dataclass(frozen=True)
class ResultsUsage:
    """The computed results kept in one cache folder."""

    parts: tuple[ResultsPart, ...]

    @property
    def files(self) -> int:
        """Files of every kind."""
        return sum(part.files for part in self.parts)

    @property
    def size(self) -> int:
        """Bytes of every kind."""
        return sum(part.size for part in self.parts)


def _entries(root: Path, folder: str, pattern: str) -> list[tuple[Path, int]]:
    found = []
    for path in sorted((root / folder).glob(pattern)):
        try:
            if path.is_file():
                found.append((path, path.stat().st_size))
        except OSError:  # removed by another process meanwhile
            continue
    return found


def results_usage(root: str | Path) -> ResultsUsage:
    """How many computed results the cache folder ``root`` holds, kind by kind."""
    root = Path(root)
    parts = []
    for folder, pattern, name in RESULT_KINDS:
        entries = _entries(root, folder, pattern)
        parts.append(ResultsPart(name, len(entries), sum(size for _, size in entries)))
    return ResultsUsage(tuple(parts))


def clear_results(root: str | Path) -> tuple[int, int]:
    """Remove every computed result of the cache folder ``root``: (files removed, bytes freed).

    A file that cannot be removed (held open elsewhere, no permission) is left and not counted.
    """
    root = Path(root)
    removed = freed = 0
    for folder, pattern, _ in RESULT_KINDS:
        for path, size in _entries(root, folder, pattern):
            try:
                path.unlink()
            except OSError:  # gone meanwhile, or held
                continue
            removed += 1
            freed += size
    return removed, freed
