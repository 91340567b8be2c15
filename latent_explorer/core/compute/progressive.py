"""Progressive decoding for fully convolutional decoders: a half-resolution picture first.

A decoder made of convolutions and upsampling takes channel maps of any size: average-pooling
a ``(C, h, w)`` latent to ``(C, h/2, w/2)`` and decoding that costs about a quarter of the
full decode and gives the same picture at half the resolution. The decode worker shows it
first and then the full one (or skips the full one when a newer request is already waiting).
Models that do not take other sizes (flat latents, dense layers, wrappers) are found out once
and decoded as before.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.models.base import GenerativeModel, to_uint8

_support: weakref.WeakKeyDictionary[object, bool] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def pooled(maps: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """Channel maps ``(B, C, h, w)`` averaged over 2x2 cells: ``(B, C, h//2, w//2)``."""
    b, c, h, w = maps.shape
    trimmed = maps[:, :, : h - h % 2, : w - w % 2]
    means: npt.NDArray[np.float32] = trimmed.reshape(b, c, h // 2, 2, w // 2, 2).mean(
        axis=(3, 5)).astype(np.float32)
    return means


def can_decode_reduced(model: GenerativeModel) -> bool:
    """Whether ``model`` decodes a half-size latent into a half-size picture (tried once)."""
    shape = tuple(model.latent_shape)
    decode_maps = getattr(model, "decode_maps", None)
    if (decode_maps is None or len(shape) != 3 or shape[1] < 4 or shape[2] < 4
            or len(model.image_shape) != 3 or model.num_classes > 0):
        return False
    with _lock:
        known = _support.get(model)
    if known is not None:
        return known
    try:
        probe = pooled(np.zeros((1, *shape), dtype=np.float32))
        image = np.asarray(decode_maps(probe))
        h, w = int(model.image_shape[0]), int(model.image_shape[1])
        ok = image.shape[1:3] == (h // 2, w // 2) and image.shape[3] == model.image_shape[2]
    except (LatentExplorerError, ValueError, RuntimeError):
        ok = False
    with _lock:
        _support[model] = ok
    return ok


def decode_reduced(model: GenerativeModel,
                   latent: npt.NDArray[np.float32]) -> npt.NDArray[np.uint8]:
    """The half-resolution picture of one flat ``latent``, enlarged to the full size (uint8).

    Call only where :func:`can_decode_reduced` is true.
    """
    maps = np.asarray(latent, dtype=np.float32).reshape(1, *model.latent_shape)
    small = to_uint8(np.asarray(model.decode_maps(pooled(maps))))[0]  # type: ignore[attr-defined]
    h, w = int(model.image_shape[0]), int(model.image_shape[1])
    large = np.repeat(np.repeat(small, 2, axis=0), 2, axis=1)
    out = np.zeros((h, w, large.shape[2]), dtype=np.uint8)
    out[: large.shape[0], : large.shape[1]] = large[:h, :w]
    return out
