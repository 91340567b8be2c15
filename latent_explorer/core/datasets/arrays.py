"""Numpy ``.npz`` and ``.npy`` files of images.

A ``.npz`` holds the images under ``images`` (else ``x``, ``X``, ``data``, else its only 3-D or
4-D array), optionally ``labels`` (or ``y``, ``Y``) and the class names as text under
``label_names`` (or ``classes``, ``class_names``); its other 1-D arrays
with one value per image become metadata columns. A ``.npy`` holds just the images and is
memory-mapped when it is already uint8 ``(N, H, W[, 1|3])``, so a large file is not read in.
Pickled object arrays are never loaded: unpickling runs code from the file.
"""

from __future__ import annotations

import math
import tokenize
import zipfile
import zlib
from pathlib import Path
from typing import IO, Literal

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.datasets.columns import as_columns
from latent_explorer.core.datasets.conversion import to_images, to_labels
from latent_explorer.core.datasets.declared_memory import (
    array_bytes,
    check_dataset_memory,
    describe,
    image_conversion_bytes,
)
from latent_explorer.core.errors import DatasetError
from latent_explorer.core.jobs import JobContext

IMAGE_KEYS = ("images", "x", "X", "data")
LABEL_KEYS = ("labels", "y", "Y")
NAMES_KEYS = ("label_names", "classes", "class_names")
"""Where a ``.npz`` may name its classes (an array of text, one name per label id)."""
NPY_MAGIC = b"\x93NUMPY"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")

_REFUSED = "holds pickled object arrays, which are refused for safety"
# numpy parses a .npy header with the tokenizer: a damaged one can raise TokenError.
# zipfile raises NotImplementedError for an unknown zip version or compression and
# RuntimeError for an encrypted member.
_READ_ERRORS = (ValueError, OSError, EOFError, zlib.error, zipfile.BadZipFile,
                tokenize.TokenError, SyntaxError, NotImplementedError, RuntimeError)

Header = tuple[tuple[int, ...], np.dtype[np.generic]]


def load_array_dataset(
    path: str | Path,
    labels: str | Path | None = None,
    ctx: JobContext | None = None,
) -> ArrayDataset:
    """Load images (and labels) from a ``.npz`` or ``.npy`` file.

    Parameters
    ----------
    path
        The file; its first bytes decide whether it is read as ``.npz`` or ``.npy``.
    labels
        A ``.npy`` (1-D) or ``.npz`` (key ``labels`` or ``y``) of labels; overrides labels
        stored with the images.
    ctx
        Receives progress while values are converted; may cancel.

    Returns
    -------
    ArrayDataset
        Named after the file; ``source`` is its absolute path.

    Raises
    ------
    DatasetError
        Missing or malformed file, unusable shapes or values, object arrays.
    """
    path = Path(path).expanduser().resolve()
    if not path.is_file():
        raise DatasetError(path, "no such file or folder")
    if ctx is not None:
        ctx.progress(None, f"reading {path.name}")
    with path.open("rb") as stream:
        head = stream.read(6)
    notes: list[str] = []
    if head.startswith(ZIP_MAGICS):
        dataset = _load_npz(path, notes, ctx)
    elif head == NPY_MAGIC:
        dataset = _load_npy(path, notes, ctx)
    else:
        raise DatasetError(path, "is neither a .npy nor a .npz file (its first bytes do not match)")
    if labels is not None:
        label_path = Path(labels).expanduser().resolve()
        values, names = _read_labels_file(label_path)
        dataset.labels, dataset.label_names = to_labels(values, label_path, len(dataset), names)
    return dataset


def _load_npy(path: Path, notes: list[str], ctx: JobContext | None) -> ArrayDataset:
    with path.open("rb") as stream:
        shape, dtype = _read_header(stream, path)
    if dtype.hasobject:
        raise DatasetError(path, _REFUSED)
    # The values are mapped, not read; what is allocated is their conversion to uint8 images.
    check_dataset_memory(path, image_conversion_bytes(shape, dtype),
                         f"converting its images ({describe(shape, dtype)}, as declared)")
    try:
        # An empty array cannot be memory-mapped; it is rejected a few lines below anyway.
        mode: Literal["r"] | None = "r" if int(np.prod(shape)) > 0 else None
        raw: npt.NDArray[np.generic] = np.load(path, mmap_mode=mode, allow_pickle=False)
    except _READ_ERRORS as exc:
        raise DatasetError(path, f"cannot be read as a .npy file ({exc})") from exc
    return ArrayDataset(
        name=path.name, source=str(path), images=_images(raw, path, notes, ctx), notes=notes
    )


def _load_npz(path: Path, notes: list[str], ctx: JobContext | None) -> ArrayDataset:
    headers = _npz_headers(path)
    image_key = _pick_image_key(headers, path)
    _check_npz_memory(path, headers, image_key)
    try:
        with np.load(path, allow_pickle=False) as archive:
            images = _images(archive[image_key], path, notes, ctx)
            count = len(images)
            names: list[str] | None = None
            names_key = _names_key(headers)
            if names_key is not None:
                names = _names(_member(archive, names_key, headers, path), path)
            label_ids: npt.NDArray[np.int64] | None = None
            label_key = next((key for key in LABEL_KEYS if key in headers), None)
            if label_key is not None:
                values = _member(archive, label_key, headers, path)
                label_ids, names = to_labels(values, path, count, names)
            metadata: dict[str, npt.NDArray[np.generic]] = {}
            used = {image_key, label_key, names_key}
            for key, (shape, dtype) in headers.items():
                if key in used or len(shape) != 1 or shape[0] != count:
                    continue
                if dtype.hasobject or dtype.kind not in "biufUS":
                    notes.append(f"skipped column {key!r}: {dtype} values are not supported")
                    continue
                metadata[key] = archive[key]
    except _READ_ERRORS as exc:
        raise DatasetError(path, f"cannot be read as a .npz file ({exc})") from exc
    return ArrayDataset(
        name=path.name,
        source=str(path),
        images=images,
        labels=label_ids,
        label_names=names,
        metadata=as_columns(metadata),
        notes=notes,
    )


def _check_npz_memory(path: Path, headers: dict[str, Header], image_key: str) -> None:
    """Refuse, before reading, an archive whose arrays would not fit in memory: each member
    is read whole (it may be compressed a thousandfold), then the images are converted."""
    shape, dtype = headers[image_key]
    count = shape[0] if shape else 0
    needed = array_bytes(shape, dtype) + image_conversion_bytes(shape, dtype)
    for key, (other_shape, other_dtype) in headers.items():
        read = key in (*LABEL_KEYS, *NAMES_KEYS) or (len(other_shape) == 1
                                                      and other_shape[0] == count)
        if key != image_key and read:
            needed += array_bytes(other_shape, other_dtype)
            if key in LABEL_KEYS:
                needed += math.prod(other_shape) * 8  # the labels as int64
    check_dataset_memory(path, needed, f"its arrays (images {describe(shape, dtype)}, as "
                                       "declared)")


def _images(
    raw: npt.NDArray[np.generic], path: Path, notes: list[str], ctx: JobContext | None
) -> npt.NDArray[np.uint8]:
    images = to_images(raw, path, notes, ctx)
    # A uint8 (N, H, W[, 1|3]) memory map passes through as a view; a transposed one is
    # copied, because reading scattered bytes for every image would be slow.
    if not images.flags.c_contiguous:
        images = np.ascontiguousarray(images)
    return images


def _read_header(stream: IO[bytes], path: Path) -> Header:
    try:
        version = np.lib.format.read_magic(stream)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
        else:
            shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
    except _READ_ERRORS as exc:
        raise DatasetError(path, f"has a damaged .npy header ({exc})") from exc
    return tuple(int(size) for size in shape), np.dtype(dtype)


def _npz_headers(path: Path) -> dict[str, Header]:
    """Shape and dtype of every array in the archive, read without loading any of them."""
    headers: dict[str, Header] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.namelist():
                if not member.endswith(".npy"):
                    continue
                with archive.open(member) as stream:
                    headers[member.removesuffix(".npy")] = _read_header(stream, path)
    except _READ_ERRORS as exc:
        raise DatasetError(path, f"cannot be read as a .npz file ({exc})") from exc
    if not headers:
        raise DatasetError(path, "contains no arrays")
    return headers


def _pick_image_key(headers: dict[str, Header], path: Path) -> str:
    for key in IMAGE_KEYS:
        if key in headers:
            chosen = key
            break
    else:
        candidates = [key for key, (shape, _) in headers.items() if len(shape) in (3, 4)]
        if len(candidates) != 1:
            found = ", ".join(f"{key} {shape}" for key, (shape, _) in headers.items())
            why = "several" if candidates else "no"
            raise DatasetError(
                path,
                f"has {why} 3-D/4-D arrays and none named {', '.join(IMAGE_KEYS)}; found: {found}",
            )
        chosen = candidates[0]
    if headers[chosen][1].hasobject:
        raise DatasetError(path, f"array {chosen!r} {_REFUSED}")
    return chosen


def _member(
    archive: np.lib.npyio.NpzFile, key: str, headers: dict[str, Header], path: Path
) -> npt.NDArray[np.generic]:
    if headers[key][1].hasobject:
        raise DatasetError(path, f"array {key!r} {_REFUSED}")
    value: npt.NDArray[np.generic] = archive[key]
    return value


def _names_key(headers: dict[str, Header]) -> str | None:
    """The member that names the classes: the first of :data:`NAMES_KEYS` holding text (a
    ``classes`` array of numbers is a column like any other)."""
    return next((key for key in NAMES_KEYS
                 if key in headers and (key == NAMES_KEYS[0] or headers[key][1].kind in "US")),
                None)


def _names(values: npt.NDArray[np.generic], path: Path) -> list[str]:
    if values.ndim != 1:
        raise DatasetError(path, f"label_names must be a list of names; found shape {values.shape}")
    if values.dtype.kind == "S":
        return [bytes(value).decode("utf-8", "replace") for value in values]
    return [str(value) for value in values]


def _read_labels_file(path: Path) -> tuple[npt.NDArray[np.generic], list[str] | None]:
    """Labels (and names, from a ``.npz``) from a separate file."""
    if not path.is_file():
        raise DatasetError(path, "no such file or folder")
    with path.open("rb") as stream:
        head = stream.read(6)
    if head.startswith(ZIP_MAGICS):
        headers = _npz_headers(path)
        key = next((key for key in LABEL_KEYS if key in headers), None)
        if key is None:
            raise DatasetError(path, f"has no labels array (looked for {', '.join(LABEL_KEYS)})")
        names_key = _names_key(headers)
        wanted = [key, *([names_key] if names_key is not None else [])]
        check_dataset_memory(path, sum(array_bytes(*headers[k]) for k in wanted),
                             f"its labels ({describe(*headers[key])}, as declared)")
        try:
            with np.load(path, allow_pickle=False) as archive:
                names = None
                if names_key is not None:
                    names = _names(_member(archive, names_key, headers, path), path)
                return _member(archive, key, headers, path), names
        except _READ_ERRORS as exc:
            raise DatasetError(path, f"cannot be read as a .npz file ({exc})") from exc
    if head != NPY_MAGIC:
        raise DatasetError(path, "is neither a .npy nor a .npz file of labels")
    with path.open("rb") as stream:
        shape, dtype = _read_header(stream, path)
    if dtype.hasobject:
        raise DatasetError(path, _REFUSED)
    check_dataset_memory(path, array_bytes(shape, dtype),
                         f"its labels ({describe(shape, dtype)}, as declared)")
    try:
        values: npt.NDArray[np.generic] = np.load(path, allow_pickle=False)
    except _READ_ERRORS as exc:
        raise DatasetError(path, f"cannot be read as a .npy file ({exc})") from exc
    return values, None
