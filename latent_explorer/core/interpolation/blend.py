"""Blending two latents: linear (:func:`lerp`) and spherical (:func:`slerp`).

Both accept a scalar ``t`` (giving one latent ``(D,)``) or an array of ``t`` (giving
``(len(t), D)``), and return ``a`` at ``t == 0`` and ``b`` at ``t == 1`` exactly. The result's
dtype is float32 for float32 inputs and float64 otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

_PARALLEL_COS = 1.0 - 1e-7
"""Directions closer than this (cosine) are treated as parallel: slerp becomes lerp."""
_TINY = 1e-12


def _prepare(
    a: npt.ArrayLike, b: npt.ArrayLike, t: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64], Any, bool]:
    a_arr, b_arr = np.asarray(a), np.asarray(b)
    dtype = np.result_type(a_arr, b_arr, np.float32)
    a64, b64 = a_arr.astype(np.float64).ravel(), b_arr.astype(np.float64).ravel()
    if a64.shape != b64.shape:
        raise ValueError(f"cannot blend latents of shapes {a_arr.shape} and {b_arr.shape}")
    t_arr = np.asarray(t, dtype=np.float64)
    scalar = t_arr.ndim == 0
    return a64, b64, t_arr.reshape(-1, 1), dtype, scalar


def _finish(
    out: npt.NDArray[np.float64],
    a: npt.NDArray[np.float64],
    b: npt.NDArray[np.float64],
    t: npt.NDArray[np.float64],
    dtype: Any,
    scalar: bool,
) -> npt.NDArray[Any]:
    out = np.where(t == 0.0, a, np.where(t == 1.0, b, out))
    result = out.astype(dtype)
    return result[0] if scalar else result


def lerp(a: npt.ArrayLike, b: npt.ArrayLike, t: npt.ArrayLike) -> npt.NDArray[Any]:
    """Linear blend ``(1 - t) * a + t * b``.

    Parameters
    ----------
    a, b
        Latents of the same length ``D``.
    t
        A scalar, or an array of ``T`` blend positions (0 gives ``a``, 1 gives ``b``; values
        outside [0, 1] extrapolate).

    Returns
    -------
    numpy.ndarray
        ``(D,)`` for a scalar ``t``, ``(T, D)`` otherwise.
    """
    a64, b64, t64, dtype, scalar = _prepare(a, b, t)
    return _finish((1.0 - t64) * a64 + t64 * b64, a64, b64, t64, dtype, scalar)


def slerp(a: npt.ArrayLike, b: npt.ArrayLike, t: npt.ArrayLike) -> npt.NDArray[Any]:
    """Spherical blend: the direction turns along the great circle, the length changes linearly.

    For latents of equal length (the typical case for Gaussian latents of high dimension) this
    is classic slerp and keeps the length. For unequal lengths the direction is slerped and
    the length is lerped, so the path neither shrinks towards the origin (as lerp does) nor
    bulges. Parallel or opposite directions, and zero vectors, fall back to :func:`lerp`.

    Parameters
    ----------
    a, b
        Latents of the same length ``D``.
    t
        A scalar, or an array of ``T`` blend positions.

    Returns
    -------
    numpy.ndarray
        ``(D,)`` for a scalar ``t``, ``(T, D)`` otherwise.
    """
    a64, b64, t64, dtype, scalar = _prepare(a, b, t)
    norm_a, norm_b = float(np.linalg.norm(a64)), float(np.linalg.norm(b64))
    linear = (1.0 - t64) * a64 + t64 * b64
    if norm_a < _TINY or norm_b < _TINY:
        return _finish(linear, a64, b64, t64, dtype, scalar)
    unit_a, unit_b = a64 / norm_a, b64 / norm_b
    cos = float(np.clip(unit_a @ unit_b, -1.0, 1.0))
    if abs(cos) > _PARALLEL_COS:
        return _finish(linear, a64, b64, t64, dtype, scalar)
    omega = float(np.arccos(cos))
    sin_omega = float(np.sin(omega))
    direction = (np.sin((1.0 - t64) * omega) * unit_a + np.sin(t64 * omega) * unit_b) / sin_omega
    length = (1.0 - t64) * norm_a + t64 * norm_b
    return _finish(length * direction, a64, b64, t64, dtype, scalar)
