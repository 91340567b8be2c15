"""Turn arrays of any sensible layout and element type into ``(N, H, W, C)`` uint8 images.

Shared by the loaders: each reads its format into a numpy array, and these functions check
and convert it, appending to ``notes`` whatever they changed so the user can be told.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import DatasetError
from latent_explorer.core.jobs import JobContext

_CHUNK = 4096
"""Images converted at a time, so a float copy of a huge array never exists all at once."""


def to_nhwc(
    array: npt.NDArray[np.generic], path: str | Path, notes: list[str]
) -> npt.NDArray[np.generic]:
    """Return ``array`` as ``(N, H, W, C)`` with C in {1, 2, 3, 4} (a view where possible).

    ``(N, H, W)`` gains a channel axis; channel-first ``(N, C, H, W)`` is transposed, with a
    note. Anything else raises :class:`DatasetError`.
    """
    shape = array.shape
    if array.ndim == 3:
        result = array[..., np.newaxis]
    elif array.ndim == 4 and shape[-1] in (1, 2, 3, 4):
        result = array
    elif array.ndim == 4 and shape[1] in (1, 3, 4) and shape[2] > 4 and shape[3] > 4:
        result = np.moveaxis(array, 1, -1)
        notes.append(f"images were channel-first {shape}; transposed to (N, H, W, C)")
    else:
        raise DatasetError(
            path,
            f"images must be shaped (N, H, W), (N, H, W, C) or (N, C, H, W) with C 1, 3 or 4; "
            f"found shape {shape}",
        )
    if result.shape[0] == 0:
        raise DatasetError(path, "contains no images (the image array is empty)")
    if result.shape[1] == 0 or result.shape[2] == 0:
        raise DatasetError(path, f"images have no pixels (shape {shape})")
    return result


def to_uint8(
    array: npt.NDArray[np.generic],
    path: str | Path,
    notes: list[str],
    ctx: JobContext | None = None,
) -> npt.NDArray[np.uint8]:
    """Convert pixel values to uint8 0..255, keeping the shape.

    uint8 passes unchanged (no copy); bool becomes 0/255; integers within 0..255 are cast;
    floats within [0, 1] are scaled by 255; anything else is min-max rescaled, with a note.
    NaN or infinite values raise :class:`DatasetError`.
    """
    kind = array.dtype.kind
    if array.dtype == np.uint8:
        return array.view(np.uint8)
    if kind == "b":
        return (array.astype(np.uint8)) * np.uint8(255)
    if kind == "O":
        raise DatasetError(path, "holds pickled object arrays, which are refused for safety")
    if kind not in "iuf":
        raise DatasetError(path, f"image values have an unsupported type ({array.dtype})")
    if array.size == 0:
        return np.zeros(array.shape, dtype=np.uint8)
    if kind == "f":
        _check_finite(array, path)
    lo = float(np.min(array))
    hi = float(np.max(array))
    if kind in "iu" and lo >= 0 and hi <= 255:
        return array.astype(np.uint8)
    if kind == "f" and lo >= 0.0 and hi <= 1.0:
        return _scale(array, 0.0, 1.0, ctx)
    if hi == lo:
        notes.append(f"every pixel value is {lo:g}; shown as black")
        return np.zeros(array.shape, dtype=np.uint8)
    notes.append(f"rescaled pixel values from [{lo:g}, {hi:g}] to 0..255")
    return _scale(array, lo, hi, ctx)


def composite_alpha(images: npt.NDArray[np.uint8], notes: list[str]) -> npt.NDArray[np.uint8]:
    """Composite grey+alpha (C=2) or RGBA (C=4) images on black; other images pass through."""
    channels = images.shape[-1]
    if channels not in (2, 4):
        return images
    out = np.empty((*images.shape[:-1], channels - 1), dtype=np.uint8)
    for start in range(0, len(images), _CHUNK):
        chunk = np.asarray(images[start : start + _CHUNK], dtype=np.uint16)
        colour, alpha = chunk[..., :-1], chunk[..., -1:]
        # (c * a + 127) // 255 is c * a / 255 rounded to nearest, in integers.
        out[start : start + _CHUNK] = (colour * alpha + 127) // 255
    kind = "grey+alpha" if channels == 2 else "RGBA"
    notes.append(f"{kind} images were composited on black (transparency dropped)")
    return out


def to_images(
    array: npt.NDArray[np.generic],
    path: str | Path,
    notes: list[str],
    ctx: JobContext | None = None,
) -> npt.NDArray[np.uint8]:
    """Layout, values and alpha in one call: any accepted array to ``(N, H, W, 1|3)`` uint8."""
    return composite_alpha(to_uint8(to_nhwc(array, path, notes), path, notes, ctx), notes)


def to_labels(
    array: npt.NDArray[np.generic],
    path: str | Path,
    count: int,
    names: list[str] | None = None,
) -> tuple[npt.NDArray[np.int64], list[str] | None]:
    """Check labels for ``count`` images and return them as int64 with their class names.

    Integer, bool and whole-valued float labels are kept as ids; string labels become ids
    into their sorted unique values, which are returned as the names (unless ``names`` lists
    them all, in which case its order is used).
    """
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        raise DatasetError(path, f"labels must be one value per image; found shape {array.shape}")
    if len(array) != count:
        raise DatasetError(path, f"has {len(array):,} labels for {count:,} images")
    kind = array.dtype.kind
    if kind in "US":
        text = array.astype(str)
        unique = [str(value) for value in np.unique(text)]
        order = names if names is not None and set(unique) <= set(names) else unique
        lookup = {name: index for index, name in enumerate(order)}
        ids = np.fromiter((lookup[str(value)] for value in text), dtype=np.int64, count=count)
        return ids, list(order)
    if kind in "biu":
        return array.astype(np.int64), names
    if kind == "f":
        values = array.astype(np.float64)
        if not np.all(np.isfinite(values)) or not np.all(values == np.round(values)):
            raise DatasetError(path, "labels must be whole numbers (found fractions, NaN or inf)")
        return array.astype(np.int64), names
    if kind == "O":
        raise DatasetError(path, "holds pickled object arrays, which are refused for safety")
    raise DatasetError(path, f"labels have an unsupported type ({array.dtype})")


def _check_finite(array: npt.NDArray[np.generic], path: str | Path) -> None:
    nan = 0
    inf = 0
    for start in range(0, len(array), _CHUNK):
        chunk = array[start : start + _CHUNK]
        nan += int(np.count_nonzero(np.isnan(chunk)))
        inf += int(np.count_nonzero(np.isinf(chunk)))
    if nan or inf:
        raise DatasetError(
            path, f"image values include {nan:,} NaN and {inf:,} infinite numbers; cannot show them"
        )


def _scale(
    array: npt.NDArray[np.generic], lo: float, hi: float, ctx: JobContext | None
) -> npt.NDArray[np.uint8]:
    out = np.empty(array.shape, dtype=np.uint8)
    factor = 255.0 / (hi - lo)
    total = len(array)
    for start in range(0, total, _CHUNK):
        chunk = np.asarray(array[start : start + _CHUNK], dtype=np.float64)
        scaled = np.rint((chunk - lo) * factor)
        out[start : start + _CHUNK] = np.clip(scaled, 0, 255)
        if ctx is not None:
            ctx.progress(min(start + _CHUNK, total) / total, "converting pixel values")
    return out
