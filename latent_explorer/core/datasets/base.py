"""The :class:`Dataset` protocol and :class:`ArrayDataset`, the in-memory implementation.

Images are kept as ``uint8`` arrays shaped ``(N, H, W, C)`` with ``C`` 1 (grey) or 3 (RGB),
whatever format they came from; :meth:`Dataset.float_batch` gives models ``float32`` in [0, 1].
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.columns import Column, as_columns


@runtime_checkable
class Dataset(Protocol):
    """A set of images with optional labels and per-sample metadata."""

    name: str
    """Short name shown to the user (``digits``, a file name)."""
    source: str
    """Where it came from: ``digits`` or an absolute path; reopened with ``load_dataset``."""
    images: npt.NDArray[np.uint8]
    """All images, ``(N, H, W, C)`` uint8, C in {1, 3}."""
    labels: npt.NDArray[np.int64] | None
    """Integer class per sample, or ``None``."""
    label_names: list[str] | None
    """Name of each class id (index = id), or ``None`` to show the ids."""
    metadata: dict[str, Column]
    """Extra per-sample columns (file name, factors ...), each of length N, typed (numbers,
    true/false, dates, categories, text; see :mod:`~latent_explorer.core.datasets.columns`)."""
    notes: list[str]
    """Things the loader changed and the user should know (resized images, rescaled values)."""

    def __len__(self) -> int: ...

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, C)`` of every image."""
        ...

    def float_batch(self, start: int, stop: int) -> npt.NDArray[np.float32]:
        """Images ``start:stop`` as float32 in [0, 1], shape ``(n, H, W, C)``."""
        ...

    def fingerprint(self) -> str:
        """A content hash: equal for equal images and labels, whatever the file name."""
        ...

    def label_name(self, label: int) -> str:
        """The display name of class ``label``."""
        ...


@dataclass
class ArrayDataset:
    """A :class:`Dataset` held in numpy arrays (or memory maps)."""

    name: str
    source: str
    images: npt.NDArray[np.uint8]
    labels: npt.NDArray[np.int64] | None = None
    label_names: list[str] | None = None
    metadata: dict[str, Column] = field(default_factory=dict)
    """Typed columns; arrays given here are classified by their dtype."""
    notes: list[str] = field(default_factory=list)
    _fingerprint: str | None = field(default=None, repr=False)
    has_images: bool = True
    """``False`` for vectors that came without pictures: ``images`` is then a zero-size
    stand-in ``(N, 1, 1, 1)`` and the window shows no thumbnails."""
    pictured: npt.NDArray[np.bool_] | None = None
    """Which samples have a picture, when only some do (a table whose image column is empty
    on some rows); ``None``: all of them (or none, with ``has_images`` False)."""

    def __post_init__(self) -> None:
        if self.images.ndim != 4 or self.images.shape[-1] not in (1, 3):
            raise ValueError(f"images must be (N, H, W, 1|3), got {self.images.shape}")
        if self.images.dtype != np.uint8:
            raise ValueError(f"images must be uint8, got {self.images.dtype}")
        n = len(self.images)
        self.metadata = as_columns(self.metadata)
        if self.labels is not None and len(self.labels) != n:
            raise ValueError(f"{len(self.labels)} labels for {n} images")
        for key, column in self.metadata.items():
            if len(column) != n:
                raise ValueError(f"metadata column {key!r} has {len(column)} rows for {n} images")
        if self.pictured is not None and self.pictured.shape != (n,):
            raise ValueError(f"pictured must have {n} entries, got {self.pictured.shape}")

    def __len__(self) -> int:
        return int(self.images.shape[0])

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """``(H, W, C)`` of every image."""
        h, w, c = self.images.shape[1:]
        return int(h), int(w), int(c)

    def float_batch(self, start: int, stop: int) -> npt.NDArray[np.float32]:
        """Images ``start:stop`` as float32 in [0, 1], shape ``(n, H, W, C)``."""
        return np.asarray(self.images[start:stop], dtype=np.float32) * np.float32(1.0 / 255.0)

    def fingerprint(self) -> str:
        """A content hash of the images and labels (computed once, then remembered)."""
        if self._fingerprint is None:
            digest = hashlib.sha256()
            digest.update(repr(self.images.shape).encode())
            step = max(1, len(self) // 4096)
            # Hash every image for datasets up to ~4k items, an even sample beyond: a full
            # hash of a million images would cost seconds on every open.
            digest.update(np.ascontiguousarray(self.images[::step]).tobytes())
            if self.labels is not None:
                digest.update(np.ascontiguousarray(self.labels).tobytes())
            self._fingerprint = digest.hexdigest()[:32]
        return self._fingerprint

    def label_name(self, label: int) -> str:
        """The display name of class ``label``."""
        if self.label_names is not None and 0 <= label < len(self.label_names):
            return self.label_names[label]
        return str(label)
