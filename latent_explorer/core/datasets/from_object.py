"""A :class:`Dataset` from the Python objects a script or a notebook already holds.

:func:`dataset_from_object` takes numpy arrays, torch tensors, torch datasets, lists of PIL
images (or of arrays), or any specification :func:`~latent_explorer.core.datasets.load_dataset`
takes, with labels (numbers or names) and per-sample metadata (a pandas DataFrame or a dict of
columns). Neither torch nor pandas is imported unless the object given is one of theirs.
"""

from __future__ import annotations

import dataclasses
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.datasets.base import ArrayDataset, Dataset
from latent_explorer.core.datasets.columns import Column, as_column
from latent_explorer.core.datasets.conversion import to_images, to_labels
from latent_explorer.core.errors import DatasetError

__all__ = ["dataset_from_object"]

_SOURCE_PREFIX = "object:"


def dataset_from_object(
    data: Any,
    labels: Any = None,
    metadata: Any = None,
    name: str | None = None,
) -> Dataset:
    """Make a dataset from images held in Python objects.

    Parameters
    ----------
    data
        The images, one of:

        - a numpy array shaped ``(N, H, W)``, ``(N, H, W, C)`` or ``(N, C, H, W)`` with C 1,
          3 or 4, of any number type: uint8 is used as it is, floats in [0, 1] are scaled by
          255, floats in [-1, 1] are read as -1 = black and 1 = white, and anything else is
          rescaled from its minimum and maximum to 0..255 (the dataset's ``notes`` say so);
        - a torch tensor of those shapes (detached and moved to the CPU);
        - a torch ``Dataset`` (anything with ``__len__`` and ``__getitem__``) whose items are an
          image, or ``(image, label, ...)``; an image is a tensor ``(C, H, W)``, a PIL image or
          an array ``(H, W[, C])``;
        - a list of PIL images (or of arrays or tensors): images of different sizes are
          cropped around their centre and resized to the most common size;
        - a string or path: anything ``load_dataset`` opens (``"digits"``, a folder, a file);
        - a dataset the app made (returned as it is, or as a copy with the new labels and
          metadata).

        Items of a dataset may also be dicts, as Hugging Face datasets give them: the image
        under ``image``, ``img``, ``pixel_values`` or ``x``, the label under ``label``,
        ``labels``, ``y`` or ``target``.
    labels
        One label per image: integers, or strings (they become the class names, in sorted
        order). ``None``: the labels of a torch dataset's items or of the loaded file, if any.
    metadata
        Extra per-sample columns to colour, filter and hover by: a pandas ``DataFrame`` or a
        dict of equal-length columns (lists, arrays, tensors, pandas Series). Columns keep
        their types (:mod:`~latent_explorer.core.datasets.columns`): whole numbers, numbers,
        true/false, dates and times, categories, free text.
    name
        The name shown in the window; by default one from the kind of object.

    Returns
    -------
    Dataset
        The images as uint8 ``(N, H, W, C)`` (the array itself when it already is one),
        with labels and metadata. Its ``source`` is ``object:<name>`` for in-memory objects
        (such a dataset cannot be reopened from a saved session), else the loaded file's.

    Raises
    ------
    DatasetError
        The images, labels or metadata cannot be used; the message names what is wrong (for
        metadata, the column).
    """
    if isinstance(data, (str, Path)):
        from latent_explorer.core.datasets import load_dataset

        dataset = load_dataset(str(data))
        if name is not None:
            dataset.name = name
    elif isinstance(data, ArrayDataset):
        # A copy, so new labels or columns never change the caller's dataset.
        dataset = dataclasses.replace(data, name=name or data.name, _fingerprint=None)
    elif isinstance(data, Dataset):
        dataset = data
    else:
        dataset = _from_memory(data, labels is None, name)
    if labels is not None:
        values = _label_values(labels)
        dataset.labels, dataset.label_names = to_labels(values, "labels", len(dataset))
    if metadata is not None:
        dataset.metadata = {**dataset.metadata, **_metadata_columns(metadata, len(dataset))}
    return dataset


def _from_memory(data: Any, want_labels: bool, name: str | None) -> ArrayDataset:
    notes: list[str] = []
    item_labels: list[Any] | None = None
    if _is_array_like(data):
        kind = "tensor" if _is_tensor(data) else "array"
        raw = _to_numpy(data, "data")
        images = _array_images(raw, kind, notes)
    elif isinstance(data, Sequence) or _is_torch_dataset(data) or _indexable(data):
        kind = type(data).__name__ if _is_torch_dataset(data) else "images"
        items, item_labels = _items(data)
        images = _item_images(items, notes)
    else:
        raise DatasetError(
            "data", f"a {type(data).__name__} cannot be read as images: give a numpy array, a "
            "torch tensor or Dataset, a list of PIL images, or a file or folder name")
    label_ids = label_names = None
    if want_labels and item_labels is not None:
        label_ids, label_names = to_labels(_label_array(item_labels), "labels", len(images))
    title = name or kind
    return ArrayDataset(name=title, source=_SOURCE_PREFIX + title, images=images,
                        labels=label_ids, label_names=label_names, notes=notes)


def _array_images(raw: npt.NDArray[Any], kind: str, notes: list[str]) -> npt.NDArray[np.uint8]:
    if raw.dtype.kind == "f" and raw.size:
        lo, hi = float(np.nanmin(raw)), float(np.nanmax(raw))
        if -1.0 <= lo < 0.0 and hi <= 1.0:
            notes.append(f"read pixel values in [{lo:g}, {hi:g}] as -1 = black, 1 = white")
            raw = (raw.astype(np.float32) + 1.0) / 2.0
    images = to_images(raw, kind, notes)
    if not images.flags.c_contiguous:
        # Models are handed contiguous batches; a transposed view would be copied per batch.
        images = np.ascontiguousarray(images)
    return images


def _items(data: Any) -> tuple[list[Any], list[Any] | None]:
    """The images of a sequence or a torch dataset, and their labels when items carry them."""
    try:
        count = len(data)
    except TypeError as exc:
        raise DatasetError("data", f"a {type(data).__name__} has no length") from exc
    if count == 0:
        raise DatasetError("data", "holds no images (it is empty)")
    images: list[Any] = []
    labels: list[Any] = []
    for index in range(count):
        try:
            item = data[index]
        except Exception as exc:  # the user's dataset code: any error names the item
            raise DatasetError("data", f"item {index} cannot be read ({type(exc).__name__}: "
                               f"{exc})") from exc
        if isinstance(item, Mapping):
            item = _from_record(item, index)
        if isinstance(item, tuple | list) and item and not _is_image_item(item):
            images.append(item[0])
            labels.append(item[1] if len(item) > 1 else None)
        else:
            images.append(item)
    has_labels = len(labels) == count and all(label is not None for label in labels)
    return images, labels if has_labels else None


_IMAGE_KEYS = ("image", "img", "pixel_values", "x")
_LABEL_KEYS = ("label", "labels", "y", "target")


def _from_record(item: Mapping[Any, Any], index: int) -> tuple[Any, Any]:
    """``(image, label or None)`` of a dict item."""
    key = next((k for k in _IMAGE_KEYS if k in item), None)
    if key is None:
        raise DatasetError("data", f"item {index} is a dict without an image (looked for "
                           f"{', '.join(_IMAGE_KEYS)}; it has {', '.join(map(str, item))})")
    label = next((item[k] for k in _LABEL_KEYS if k in item), None)
    return item[key], label


def _item_images(items: list[Any], notes: list[str]) -> npt.NDArray[np.uint8]:
    if any(_is_pil(item) for item in items):
        return _pil_images(items, notes)
    arrays = [_item_array(item, index) for index, item in enumerate(items)]
    shapes = Counter(array.shape for array in arrays)
    if len(shapes) > 1:
        (first, _), (other, _) = shapes.most_common(2)
        where = next(i for i, array in enumerate(arrays) if array.shape == other)
        raise DatasetError("data", f"items have different shapes: most are {first}, item "
                           f"{where} is {other}; give images of one size (or PIL images)")
    stacked = np.stack(arrays)
    if stacked.ndim == 4 and stacked.shape[1] in (1, 3, 4) and stacked.shape[-1] not in (1, 3, 4):
        stacked = np.moveaxis(stacked, 1, -1)  # tensors are (C, H, W) per item
    return _array_images(stacked, "data", notes)


def _pil_images(items: list[Any], notes: list[str]) -> npt.NDArray[np.uint8]:
    from latent_explorer.core.datasets.image_decode import fit_image, flatten_image

    counts: Counter[str] = Counter()
    pixels = []
    for index, item in enumerate(items):
        if not _is_pil(item):
            raise DatasetError("data", f"item {index} is a {type(item).__name__}, the others "
                               "PIL images; give one kind of image")
        flat = flatten_image(item, counts)
        pixels.append(flat if flat.ndim == 3 else flat[..., np.newaxis])
    sizes = Counter((array.shape[1], array.shape[0]) for array in pixels)
    size = sizes.most_common(1)[0][0]
    colour = any(array.shape[-1] == 3 for array in pixels)
    out = np.empty((len(pixels), size[1], size[0], 3 if colour else 1), dtype=np.uint8)
    resized = 0
    for index, array in enumerate(pixels):
        if (array.shape[1], array.shape[0]) != size:
            array = fit_image(array[..., 0] if array.shape[-1] == 1 else array, size)
            array = array if array.ndim == 3 else array[..., np.newaxis]
            resized += 1
        out[index] = array if array.shape[-1] == out.shape[-1] else np.repeat(array, 3, -1)
    if resized:
        notes.append(f"resized {resized:,} of {len(pixels):,} images to {size[0]}x{size[1]} "
                     "(width x height; the most common size), cropped around the centre")
    if counts["transparent"]:
        notes.append(f"composited {counts['transparent']:,} transparent images on black")
    return out


def _item_array(item: Any, index: int) -> npt.NDArray[Any]:
    if not _is_array_like(item):
        raise DatasetError("data", f"item {index} is a {type(item).__name__}, not an image "
                           "(a tensor, an array or a PIL image)")
    array = _to_numpy(item, "data")
    if array.ndim not in (2, 3):
        raise DatasetError("data", f"item {index} has shape {array.shape}; an image is "
                           "(H, W), (H, W, C) or (C, H, W)")
    return array


def _metadata_columns(metadata: Any, count: int) -> dict[str, Column]:
    if _is_dataframe(metadata):
        columns: Mapping[Any, Any] = {name: metadata[name] for name in metadata.columns}
        if len(metadata) != count:
            raise DatasetError("metadata", f"the table has {len(metadata):,} rows for "
                               f"{count:,} images")
    elif isinstance(metadata, Mapping):
        columns = metadata
    else:
        raise DatasetError("metadata", f"a {type(metadata).__name__} is not a table: give a "
                           "pandas DataFrame or a dict of equal-length columns")
    out: dict[str, Column] = {}
    for key, column in columns.items():
        if not _is_series(column):
            values = _to_numpy(column, f"metadata column {key!r}")
            if values.ndim != 1:
                raise DatasetError("metadata", f"column {key!r} has shape {values.shape}; a "
                                   "column holds one value per image")
            column = values
        if len(column) != count:
            raise DatasetError("metadata", f"column {key!r} has {len(column):,} values for "
                               f"{count:,} images")
        out[str(key)] = as_column(column)
    return out


def _is_series(value: Any) -> bool:
    return type(value).__name__ == "Series" and hasattr(value, "isna")


def _label_values(labels: Any) -> npt.NDArray[Any]:
    values = _to_numpy(labels, "labels")
    if values.dtype.kind != "O":
        return values
    plain = [value.item() if hasattr(value, "item") else value for value in values.ravel()]
    if all(isinstance(value, str) for value in plain):
        return np.array(plain, dtype=str)
    if all(isinstance(value, int | np.integer) for value in plain):
        return np.array(plain, dtype=np.int64)
    odd = next(v for v in plain if not isinstance(v, str | int | np.integer))
    raise DatasetError("labels", f"must be all whole numbers or all names; found {odd!r}")


def _label_array(labels: list[Any]) -> npt.NDArray[Any]:
    plain = [label.item() if hasattr(label, "item") else label for label in labels]
    if all(isinstance(label, str) for label in plain):
        return np.array(plain, dtype=str)
    return np.asarray(plain)


def _to_numpy(value: Any, what: str) -> npt.NDArray[Any]:
    if _is_tensor(value):
        value = value.detach().cpu().numpy()
    elif hasattr(value, "to_numpy"):  # pandas Series
        value = value.to_numpy()
    array = np.asarray(value)
    if array.dtype.kind == "O" and what == "data":
        raise DatasetError(what, "holds Python objects, not numbers")
    return array


def _is_tensor(value: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor)


def _is_torch_dataset(value: Any) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.utils.data.Dataset)


def _is_dataframe(value: Any) -> bool:
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)


def _is_pil(value: Any) -> bool:
    image_module = sys.modules.get("PIL.Image")
    return image_module is not None and isinstance(value, image_module.Image)


def _is_array_like(value: Any) -> bool:
    return isinstance(value, np.ndarray) or _is_tensor(value)


def _indexable(value: Any) -> bool:
    return hasattr(value, "__len__") and hasattr(value, "__getitem__")


def _is_image_item(item: tuple[Any, ...] | list[Any]) -> bool:
    """Whether a list item is itself an image given as nested lists (not ``(image, label)``)."""
    return not (_is_array_like(item[0]) or _is_pil(item[0]))
