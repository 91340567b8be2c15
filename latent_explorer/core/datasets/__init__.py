"""Datasets: the :class:`Dataset` protocol, and :func:`load_dataset` for every format.

``load_dataset(spec)`` opens a built-in dataset by name (``digits``), a folder of images,
a zip archive of images, an MNIST-style IDX file (gzipped or raw), or a ``.npz`` / ``.npy``
file. Files are recognised
by their first bytes; the name is only a fallback, so that a damaged file still gets the
error message of the format it claims to be.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from latent_explorer.core.datasets.arrays import NPY_MAGIC, ZIP_MAGICS, load_array_dataset
from latent_explorer.core.datasets.base import ArrayDataset, Dataset
from latent_explorer.core.datasets.digits import load_digits_dataset
from latent_explorer.core.datasets.from_object import dataset_from_object
from latent_explorer.core.datasets.idx import load_idx_dataset, looks_like_idx
from latent_explorer.core.datasets.image_folder import ImageSize, load_image_folder, load_image_zip
from latent_explorer.core.datasets.shapes import load_shapes_dataset
from latent_explorer.core.errors import DatasetError, SpecError
from latent_explorer.core.jobs import JobContext

__all__ = [
    "ACCEPTED_SPECS",
    "BUILTIN_DATASETS",
    "BUILTIN_LOADERS",
    "ArrayDataset",
    "Dataset",
    "dataset_from_object",
    "detect_format",
    "load_dataset",
]

BUILTIN_LOADERS: dict[str, Callable[[], Dataset]] = {
    "digits": load_digits_dataset,
    "shapes": load_shapes_dataset,
}
"""Built-in dataset name -> function that loads it. Add new built-ins here."""

BUILTIN_DATASETS: tuple[str, ...] = tuple(BUILTIN_LOADERS)

ACCEPTED_SPECS = (
    f"a built-in dataset ({', '.join(BUILTIN_DATASETS)}), a folder or a .zip of images "
    "(.png/.jpg/.bmp/.gif/.webp, one sub-folder per class), an MNIST-style IDX file "
    "(e.g. train-images-idx3-ubyte or .gz), or a .npz / .npy file of images"
)
"""What :func:`load_dataset` accepts, in words for error messages and help texts."""

_IDX_NAME_HINTS = ("-ubyte", ".idx", "idx1", "idx3")


def load_dataset(
    spec: str,
    labels: str | Path | None = None,
    ctx: JobContext | None = None,
    image_size: ImageSize | None = None,
    cache_dir: Path | None = None,
) -> Dataset:
    """Open a dataset from a specification string.

    Parameters
    ----------
    spec
        A built-in name (see :data:`BUILTIN_DATASETS`), a folder of images, an IDX images
        file, or a ``.npz`` / ``.npy`` file.
    labels
        A separate labels file, for IDX (a labels IDX file; default: the one named like the
        images beside them) and for ``.npz`` / ``.npy`` images (a ``.npy`` or ``.npz``).
    ctx
        Receives progress for large inputs; may cancel.
    image_size
        For image files (folders, zip archives, IDX, ``.npz`` / ``.npy``): the size to load
        them at, ``256`` (square) or ``(height, width)``; each image is cropped around its
        centre and resized. ``None``: the most common size among the images (as stored, for
        arrays). The built-in datasets take no size.
    cache_dir
        For folders and zip archives of images: the app's cache folder, where the resized
        images are kept so that the next opening is fast. ``None``: memory only.

    Returns
    -------
    Dataset
        The loaded dataset; its ``source`` reopens it with this function.

    Raises
    ------
    SpecError
        ``spec`` is no built-in name and no existing path, the file is of no format known
        here, or ``labels`` (or ``image_size``) was given for a dataset that takes none.
    DatasetError
        The path (written as a path) does not exist, the file or folder is malformed, or
        what it declares would take more memory than a file may (checked before reading).
    """
    try:
        return _load(spec, labels, ctx, image_size, cache_dir)
    except MemoryError as exc:  # what no declared size foresaw: still one line naming it
        raise DatasetError(Path(spec.strip()).expanduser(),
                           f"needs more memory than is free to open it ({exc})") from None


def _load(spec: str, labels: str | Path | None, ctx: JobContext | None,
          image_size: ImageSize | None, cache_dir: Path | None) -> Dataset:
    text = spec.strip()
    if text.lower() in BUILTIN_LOADERS:
        _no_labels(labels, text)
        _no_size(image_size, text)
        return BUILTIN_LOADERS[text.lower()]()
    path = Path(text).expanduser()
    if not text or not path.exists():
        if text and _looks_like_path(text):
            raise DatasetError(path, "no such file or folder")
        raise SpecError(
            f"unknown dataset {spec!r}: it is neither a built-in dataset nor an existing file "
            f"or folder. Accepted: {ACCEPTED_SPECS}"
        )
    if path.is_dir():
        _no_labels(labels, text)
        return load_image_folder(path, ctx, image_size, cache_dir)
    kind = detect_format(path)
    if kind == "images":
        _no_labels(labels, text)
        return load_image_zip(path, ctx, image_size, cache_dir)
    if kind in ("idx", "arrays"):
        loaded = (load_idx_dataset if kind == "idx" else load_array_dataset)(path, labels, ctx)
        if image_size is None:
            return loaded
        from latent_explorer.core.datasets.resize import resized

        return resized(loaded, image_size, ctx)
    raise SpecError(
        f"{path}: not a dataset format that can be read here. Accepted: {ACCEPTED_SPECS}"
    )


def detect_format(path: Path) -> str | None:
    """``"idx"``, ``"arrays"`` (.npz/.npy), ``"images"`` (a zip of images) or ``None``.

    The first bytes decide; the name only when they say nothing. A zip archive is an ``.npz``
    when it holds ``.npy`` members or is named so, else a zip of images.
    """
    try:
        with path.open("rb") as stream:
            head = stream.read(len(NPY_MAGIC))
    except OSError as exc:
        raise DatasetError(path, f"cannot be opened ({exc.strerror or exc})") from exc
    if head.startswith(ZIP_MAGICS):
        if path.name.lower().endswith(".npz") or _has_npy(path):
            return "arrays"
        return "images"
    if head == NPY_MAGIC:
        return "arrays"
    if looks_like_idx(path):
        return "idx"
    name = path.name.lower()
    if name.endswith((".npz", ".npy")):
        return "arrays"
    if name.endswith(".gz") or any(hint in name for hint in _IDX_NAME_HINTS):
        return "idx"
    return None


def _looks_like_path(text: str) -> bool:
    separators = {"/", os.sep} | ({os.altsep} if os.altsep else set())
    return (
        any(sep in text for sep in separators)
        or text.startswith(("~", "."))
        or Path(text).suffix != ""
    )


def _has_npy(path: Path) -> bool:
    """Whether a zip archive has ``.npy`` members (``False`` for a damaged archive)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return any(name.endswith(".npy") for name in archive.namelist())
    except (OSError, EOFError, zipfile.BadZipFile, ValueError, NotImplementedError):
        return False


def _no_size(image_size: ImageSize | None, spec: str) -> None:
    if image_size is not None:
        raise SpecError(
            f"a size to load images at is only used with image files (folders, zip archives, "
            f"IDX, .npz/.npy), not the built-in {spec!r}"
        )


def _no_labels(labels: str | Path | None, spec: str) -> None:
    if labels is not None:
        raise SpecError(
            f"a separate labels file is only used with IDX and .npz/.npy images, not {spec!r}"
        )
