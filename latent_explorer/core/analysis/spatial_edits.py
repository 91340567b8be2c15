"""Edits of spatial latents ``(C, h, w)`` as an artist makes them: per channel, per region.

Image autoencoders of the diffusion era keep a small picture per latent channel (a 256 px image
has latents ``(4, 32, 32)``); a value at row ``r``, column ``c`` mostly shapes the pixels around
``(8r, 8c)``. So a channel can be shifted and scaled as a whole (offset and gain), and a brush
on one channel's map changes only the region under it, and so one part of the decoded picture.
All functions take and return **flat** latents, as the rest of the app holds them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


def is_spatial(shape: tuple[int, ...]) -> bool:
    """Whether latents of ``shape`` are channel maps ``(C, h, w)`` (h and w both above 1)."""
    return len(shape) == 3 and shape[1] > 1 and shape[2] > 1


def channel_maps(
    latent: npt.NDArray[np.float32], shape: tuple[int, ...]
) -> npt.NDArray[np.float32]:
    """The flat ``latent`` as channel maps ``(C, h, w)`` (a view when possible)."""
    if not is_spatial(shape):
        raise ValueError(f"latents of shape {shape} have no channel maps")
    return np.asarray(latent, dtype=np.float32).reshape(shape)


def with_gain_offset(
    latent: npt.NDArray[np.float32],
    shape: tuple[int, ...],
    channel: int,
    base: npt.NDArray[np.float32],
    gain: float,
    offset: float,
) -> npt.NDArray[np.float32]:
    """A copy of ``latent`` whose ``channel`` is ``base * gain + offset``.

    ``base`` is the channel's map ``(h, w)`` before the edit began, so moving the gain and
    offset back to 1 and 0 restores it exactly.
    """
    maps = channel_maps(latent, shape).copy()
    maps[channel] = np.asarray(base, dtype=np.float32) * np.float32(gain) + np.float32(offset)
    return maps.reshape(-1)


@dataclass(frozen=True)
class Brush:
    """A round soft brush on a channel map, measured in latent cells.

    ``amount`` is added at the centre and falls off smoothly to nothing at ``radius``
    (a negative amount lowers the values). Cells farther than ``radius`` are never touched.
    """

    radius: float = 2.0
    amount: float = 0.5

    def weights(self, size: tuple[int, int], row: float, col: float) -> npt.NDArray[np.float32]:
        """The brush's weight ``(h, w)`` in [0, 1] for a dab centred at ``(row, col)``."""
        h, w = size
        rows = np.arange(h, dtype=np.float32)[:, None] - np.float32(row)
        cols = np.arange(w, dtype=np.float32)[None, :] - np.float32(col)
        dist2 = (rows * rows + cols * cols) / np.float32(max(self.radius, 1e-3) ** 2)
        weight = np.clip(1.0 - dist2, 0.0, 1.0)
        return (weight * weight).astype(np.float32)  # smooth to zero at the rim


def brush_dab(
    latent: npt.NDArray[np.float32],
    shape: tuple[int, ...],
    channel: int,
    row: float,
    col: float,
    brush: Brush,
) -> npt.NDArray[np.float32]:
    """A copy of ``latent`` with one dab of ``brush`` on ``channel`` at ``(row, col)``."""
    maps = channel_maps(latent, shape).copy()
    maps[channel] += np.float32(brush.amount) * brush.weights(maps.shape[1:], row, col)
    return maps.reshape(-1)


def channel_limits(
    low: npt.NDArray[np.float32], high: npt.NDArray[np.float32], shape: tuple[int, ...]
) -> npt.NDArray[np.float32]:
    """Per channel, the value range ``(C, 2)`` covering the data, from per-value ranges.

    ``low`` and ``high`` are flat ``(C*h*w,)`` (the sliders' raw ranges); a heat map of a
    channel uses one range for the whole channel so its colours compare across the map.
    """
    lo = np.asarray(low, dtype=np.float32).reshape(shape[0], -1).min(axis=1)
    hi = np.asarray(high, dtype=np.float32).reshape(shape[0], -1).max(axis=1)
    hi = np.maximum(hi, lo + 1e-6)
    return np.stack([lo, hi], axis=1)


def heat_colors(
    values: npt.NDArray[np.float32], low: float, high: float
) -> npt.NDArray[np.uint8]:
    """RGB uint8 ``(h, w, 3)`` of a channel map on a diverging scale from ``low`` to ``high``.

    Blue for low values, near black in the middle, orange for high ones: readable on the
    app's dark map and distinct for colour-blind viewers (no red-green contrast).
    """
    t = np.clip((np.asarray(values, dtype=np.float32) - low) / max(high - low, 1e-6), 0.0, 1.0)
    index = (t * (len(_LUT) - 1) + 0.5).astype(np.intp)
    colors: npt.NDArray[np.uint8] = _LUT[index]
    return colors


def _diverging_lut(count: int = 256) -> npt.NDArray[np.uint8]:
    stops = np.array([[0.0, 60, 120, 230], [0.5, 24, 24, 28], [1.0, 250, 160, 40]],
                     dtype=np.float32)
    t = np.linspace(0.0, 1.0, count, dtype=np.float32)
    channels = [np.interp(t, stops[:, 0], stops[:, k]) for k in (1, 2, 3)]
    return np.stack(channels, axis=1).round().astype(np.uint8)


_LUT = _diverging_lut()
