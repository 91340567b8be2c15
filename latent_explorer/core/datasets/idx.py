"""MNIST-style IDX files (``t10k-images-idx3-ubyte.gz`` and friends), gzipped or raw.

An IDX file starts with a big-endian magic number ``00 00 TT DD`` (``TT`` the element type,
``DD`` the number of dimensions), then ``DD`` big-endian uint32 sizes, then the values.
Images are 3-D (``0x00000803`` for uint8), labels 1-D (``0x00000801``). The labels of an
images file are found beside it by the standard naming, or given explicitly.
"""

from __future__ import annotations

import gzip
import io
import math
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.datasets.conversion import to_images, to_labels
from latent_explorer.core.datasets.declared_memory import (
    check_dataset_memory,
    describe,
    image_conversion_bytes,
)
from latent_explorer.core.errors import DatasetError
from latent_explorer.core.jobs import JobContext

IMAGES_MAGIC = 0x00000803
LABELS_MAGIC = 0x00000801
GZIP_MAGIC = b"\x1f\x8b"

_TYPE_CODES: dict[int, str] = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}
"""IDX element type code -> numpy dtype (all big-endian)."""

_CHUNK = 1 << 20
MAX_DEFLATE_RATIO = 1032
"""Deflate (the compression inside gzip) expands one byte into at most 1032 bytes."""


@dataclass(frozen=True)
class IdxHeader:
    """What the header of an IDX file says."""

    dtype: np.dtype[np.generic]
    shape: tuple[int, ...]
    size: int
    """Length of the header in bytes (where the values start)."""

    @property
    def payload_bytes(self) -> int:
        """How many bytes of values the header promises."""
        return math.prod(self.shape) * self.dtype.itemsize


def is_gzip(path: Path) -> bool:
    """Whether ``path`` starts with the gzip magic bytes."""
    with path.open("rb") as stream:
        return stream.read(2) == GZIP_MAGIC


def looks_like_idx(path: Path) -> bool:
    """Whether ``path`` (gzipped or not) starts with a plausible IDX magic number."""
    try:
        with _open(path) as stream:
            head = stream.read(4)
    except (OSError, EOFError, zlib.error):
        return False
    return len(head) == 4 and head[:2] == b"\0\0" and head[2] in _TYPE_CODES and 1 <= head[3] <= 4


def labels_path_for(images: Path) -> list[Path]:
    """The files that would hold the labels of ``images`` by the MNIST naming, likeliest first.

    ``t10k-images-idx3-ubyte.gz`` -> ``t10k-labels-idx1-ubyte.gz``, then without ``.gz``.
    Empty when the name does not follow the pattern.
    """
    renamed = re.sub(r"images([-_.])idx3", r"labels\g<1>idx1", images.name, count=1)
    if renamed == images.name:
        return []
    base = renamed.removesuffix(".gz")
    names = [base + ".gz", base] if images.name.endswith(".gz") else [base, base + ".gz"]
    return [images.with_name(name) for name in names]


def load_idx_dataset(
    path: str | Path,
    labels: str | Path | None = None,
    ctx: JobContext | None = None,
) -> ArrayDataset:
    """Load an IDX images file, with labels from ``labels`` or found beside it.

    Parameters
    ----------
    path
        The images file (3-D, or 4-D with channels last), gzipped or raw.
    labels
        A 1-D IDX labels file. ``None``: look for one by the MNIST naming, else no labels.
    ctx
        Receives progress while the values are read; may cancel.

    Returns
    -------
    ArrayDataset
        Named after the file; ``source`` is the absolute path of the images file.

    Raises
    ------
    DatasetError
        Missing, truncated or malformed files, or a label count that differs from the images.
    """
    path = Path(path).expanduser().resolve()
    notes: list[str] = []
    if not path.is_file():
        raise DatasetError(path, "no such file or folder")
    raw = read_idx(path, ndims=(3, 4), what="image data", ctx=ctx)
    images = to_images(raw, path, notes, ctx)
    label_file = _choose_labels_file(path, labels, notes)
    label_ids: npt.NDArray[np.int64] | None = None
    label_names: list[str] | None = None
    if label_file is not None:
        values = read_idx(label_file, ndims=(1,), what="label data", ctx=None)
        label_ids, _ = to_labels(values, label_file, len(images))
        if len(label_ids) and int(label_ids.min()) >= 0 and int(label_ids.max()) < 1000:
            label_names = [str(index) for index in range(int(label_ids.max()) + 1)]
    return ArrayDataset(
        name=path.name,
        source=str(path),
        images=images,
        labels=label_ids,
        label_names=label_names,
        notes=notes,
    )


def read_idx(
    path: Path,
    ndims: tuple[int, ...],
    what: str,
    ctx: JobContext | None = None,
) -> npt.NDArray[np.generic]:
    """Read the values of an IDX file whose number of dimensions is one of ``ndims``.

    A raw (not gzipped) file is memory-mapped; a gzipped one is decompressed in chunks.
    ``what`` names the values in messages ("image data", "label data").
    """
    try:
        with _open(path) as stream:
            header = _read_header(stream, path, ndims)
            gzipped = isinstance(stream, gzip.GzipFile)
            _check_memory(path, header, what, gzipped)
            if gzipped:
                _check_declared_size(path, header, what)
                data = _read_payload(stream, path, header, what, ctx)
                return data.view(header.dtype).reshape(header.shape)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise DatasetError(path, f"the gzip data is damaged or cut short ({exc})") from exc
    found = path.stat().st_size - header.size
    if found != header.payload_bytes:
        raise DatasetError(path, _size_problem(header.payload_bytes, found, what))
    if header.payload_bytes == 0:
        return np.zeros(header.shape, dtype=header.dtype)
    return np.memmap(path, dtype=header.dtype, mode="r", offset=header.size, shape=header.shape)


def _open(path: Path) -> io.BufferedIOBase:
    if is_gzip(path):
        return gzip.open(path, "rb")
    return path.open("rb")


def _read_header(stream: io.BufferedIOBase, path: Path, ndims: tuple[int, ...]) -> IdxHeader:
    expected = IMAGES_MAGIC if 3 in ndims else LABELS_MAGIC
    kind = "images" if 3 in ndims else "labels"
    head = stream.read(4)
    if len(head) < 4:
        raise DatasetError(path, f"truncated: only {len(head)} bytes, too short for an IDX header")
    (magic,) = struct.unpack(">I", head)
    if head[:2] != b"\0\0" or head[2] not in _TYPE_CODES or head[3] == 0:
        raise DatasetError(
            path,
            f"not an IDX file (magic number 0x{magic:08X}, expected 0x{expected:08X} for {kind})",
        )
    ndim = head[3]
    if ndim not in ndims:
        wanted = " or ".join(f"{n}-D" for n in ndims)
        raise DatasetError(
            path,
            f"holds {ndim}-D data (magic number 0x{magic:08X}), expected {wanted} {kind} "
            f"(0x{expected:08X})",
        )
    dims_bytes = stream.read(4 * ndim)
    if len(dims_bytes) < 4 * ndim:
        raise DatasetError(path, "truncated inside the IDX header (the dimension sizes)")
    shape = struct.unpack(f">{ndim}I", dims_bytes)
    if shape[0] == 0:
        raise DatasetError(path, f"contains no {kind} (its header says 0 items)")
    if any(size == 0 for size in shape[1:]):
        raise DatasetError(path, f"has bad dimensions {shape} in its header (a size of 0)")
    return IdxHeader(np.dtype(_TYPE_CODES[head[2]]), tuple(shape), 4 + 4 * ndim)


def _check_memory(path: Path, header: IdxHeader, what: str, gzipped: bool) -> None:
    """Refuse, before reading, values that would not fit in memory: a gzipped file's are
    decompressed into memory (a raw one's are mapped), then converted to uint8 images or to
    int64 labels."""
    converted = (image_conversion_bytes(header.shape, header.dtype) if len(header.shape) > 1
                 else 8 * math.prod(header.shape))
    needed = converted + (header.payload_bytes if gzipped else 0)
    check_dataset_memory(path, needed, f"its {what} ({describe(header.shape, header.dtype)}, "
                                       "as declared)")


def _check_declared_size(path: Path, header: IdxHeader, what: str) -> None:
    """Refuse a header that declares more than the compressed file can expand to.

    Checked before anything is decompressed: a damaged or hostile header must not make the
    loader reserve memory, or spend time, for data that cannot be there.
    """
    compressed = path.stat().st_size
    most = compressed * MAX_DEFLATE_RATIO
    if header.payload_bytes > most:
        shape = "x".join(str(size) for size in header.shape)
        raise DatasetError(
            path, f"its header declares {shape} values ({header.payload_bytes:,} bytes of "
            f"{what}), more than a gzip file of {compressed:,} bytes can hold (at most "
            f"{most:,}): the header is damaged")


def _read_payload(
    stream: io.BufferedIOBase, path: Path, header: IdxHeader, what: str, ctx: JobContext | None
) -> npt.NDArray[np.uint8]:
    """Exactly the bytes the header declares, into one buffer of that size."""
    expected = header.payload_bytes
    data = np.empty(expected, dtype=np.uint8)
    view = data.data  # a writable memoryview of the buffer
    done = 0
    while done < expected:
        got = stream.readinto(view[done : done + _CHUNK])
        if not got:
            raise DatasetError(path, _size_problem(expected, done, what))
        done += got
        if ctx is not None:
            ctx.progress(done / expected, f"reading {path.name}")
    # Read on to the end (gzip checks its CRC only there), but stop at the first byte more
    # than declared: the rest could be gigabytes of zeros.
    if stream.read(1):
        raise DatasetError(
            path, f"holds more data than its header says: expected {expected:,} bytes of {what}, "
            "found more (the file or its header is damaged)")
    return data


def _size_problem(expected: int, found: int, what: str) -> str:
    if found < expected:
        return f"truncated: expected {expected:,} bytes of {what}, found {found:,}"
    return (
        f"has {found - expected:,} bytes more than its header says: expected {expected:,} "
        f"bytes of {what}, found {found:,}"
    )


def _choose_labels_file(images: Path, labels: str | Path | None, notes: list[str]) -> Path | None:
    if labels is not None:
        chosen = Path(labels).expanduser().resolve()
        if not chosen.is_file():
            raise DatasetError(chosen, "no such file or folder")
        return chosen
    candidates = labels_path_for(images)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    if candidates:
        notes.append(f"no labels: {candidates[0].name} was not found beside the images")
    return None
