"""Helpers that turn whatever a network returns into plain arrays of the protocol's shape.

Used by :class:`~latent_explorer.core.models.torch_adapter.TorchModel`: picking the image out
of a tuple / dict output, picking the mean out of an encoder's output, and moving channel-first
or flat outputs to ``(B, H, W, C)``. The pickers raise plain ``TypeError`` / ``ValueError``;
the caller wraps them into a :class:`ModelOutputError` that names the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import ModelOutputError

EncoderOutput = Literal["mean", "first", "split_half"]
Layout = Literal["nhwc", "nchw", "nhw", "flat"]

_MEAN_KEYS = ("mean", "mu", "loc", "z_mean", "latent_mean")


def _as_tensor(value: Any, what: str) -> Any:
    import torch

    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(value))
    raise TypeError(f"{what} is a {type(value).__name__}, not a tensor")


def pick_output(out: Any, index: int | str) -> Any:
    """The image tensor in a decoder's output (tensor, tuple/list, dict, ``.sample``)."""
    import torch

    if isinstance(out, torch.Tensor | np.ndarray):
        return _as_tensor(out, "the decoder output")
    if isinstance(out, tuple | list):
        if not isinstance(index, int) or not -len(out) <= index < len(out):
            raise TypeError(
                f"the decoder returned a {type(out).__name__} of {len(out)} items; "
                f"output_index {index!r} does not pick one of them"
            )
        return _as_tensor(out[index], f"item {index} of the decoder output")
    if isinstance(out, Mapping):
        keys = list(out)
        if isinstance(index, str):
            if index not in out:
                raise TypeError(f"the decoder returned a dict without key {index!r}: {keys}")
            return _as_tensor(out[index], f"item {index!r} of the decoder output")
        if not -len(keys) <= index < len(keys):
            raise TypeError(f"output_index {index} does not pick one of the keys {keys}")
        return _as_tensor(out[keys[index]], f"item {keys[index]!r} of the decoder output")
    if hasattr(out, "sample"):  # e.g. diffusers' DecoderOutput
        return _as_tensor(out.sample, "the decoder output's .sample")
    raise TypeError(f"the decoder returned a {type(out).__name__}, not a tensor")


def _first(out: Any) -> Any:
    if isinstance(out, tuple | list):
        if not out:
            raise TypeError("the encoder returned an empty sequence")
        return _as_tensor(out[0], "item 0 of the encoder output")
    if isinstance(out, Mapping):
        for key in _MEAN_KEYS:
            if key in out:
                return _as_tensor(out[key], f"item {key!r} of the encoder output")
        return _as_tensor(next(iter(out.values())), "the first item of the encoder output")
    return _as_tensor(out, "the encoder output")


def pick_encoder_mean(out: Any, mode: EncoderOutput, latent_dim: int, count: int) -> Any:
    """The latent mean in an encoder's output, as a tensor with ``count * latent_dim`` values.

    ``mode`` is ``"first"`` (item 0 of a tuple, or the tensor), ``"split_half"`` (the first
    half of axis 1, where ``mu`` and ``logvar`` are concatenated), or ``"mean"`` (whichever of
    those fits, also reading ``.latent_dist.mean`` or a distribution's ``.mean``).
    """
    import torch

    if mode == "mean" and not isinstance(out, torch.Tensor | np.ndarray | tuple | list | Mapping):
        dist = getattr(out, "latent_dist", out)  # e.g. diffusers' AutoencoderKLOutput
        if hasattr(dist, "mean"):
            return _as_tensor(dist.mean, "the encoder output's .mean")
    tensor = _first(out)
    if mode == "first":
        return tensor
    per_sample = tensor.numel() // max(count, 1)
    if mode == "split_half" or (per_sample == 2 * latent_dim and tensor.ndim >= 2):
        if tensor.ndim < 2 or tensor.shape[1] % 2:
            raise ValueError(
                f"cannot split the encoder output of shape {tuple(tensor.shape)} into two halves"
            )
        return tensor[:, : tensor.shape[1] // 2]
    return tensor


def to_channels_last(
    raw: npt.NDArray[np.float32],
    image_shape: tuple[int, ...] | None,
    channels_first: bool | None,
    name: str,
) -> tuple[npt.NDArray[np.float32], Layout]:
    """Move a decoder's ``raw`` output to ``(B, H, W, C)`` (or ``(B, L)``), saying its layout.

    With ``image_shape`` known, the output must hold exactly those values in any of the
    layouts (channel-last, channel-first, flat, grey without a channel axis); without it the
    layout is read off the output's rank and which axis has 1 or 3 entries.
    """
    count = raw.shape[0]
    if image_shape is not None:
        return _fit_known_shape(raw, image_shape, channels_first, name)
    if raw.ndim == 2:
        return raw, "flat"
    if raw.ndim == 3:
        return raw[..., np.newaxis], "nhw"
    if raw.ndim == 4:
        last, first = raw.shape[3], raw.shape[1]
        if channels_first is None:
            channels_first = last not in (1, 3) and first in (1, 3)
        if channels_first:
            raw = raw.transpose(0, 2, 3, 1)
        if raw.shape[3] not in (1, 3):
            raise ModelOutputError(
                f"{name} returned images of shape {tuple(raw.shape[1:])} per latent; "
                "neither the first nor the last axis has 1 (grey) or 3 (RGB) channels. "
                "Give image_shape in a model card to say how to read them"
            )
        return np.ascontiguousarray(raw), "nchw" if channels_first else "nhwc"
    raise ModelOutputError(
        f"{name} returned an array of shape {raw.shape} for {count} latents; expected "
        "(B, H, W, C), (B, C, H, W), (B, H, W) or (B, L)"
    )


def _fit_known_shape(
    raw: npt.NDArray[np.float32],
    image_shape: tuple[int, ...],
    channels_first: bool | None,
    name: str,
) -> tuple[npt.NDArray[np.float32], Layout]:
    count = raw.shape[0]
    per_sample = tuple(raw.shape[1:])
    if len(image_shape) == 1:
        if int(np.prod(per_sample)) == image_shape[0]:
            return raw.reshape(count, image_shape[0]), "flat"
    else:
        h, w, c = image_shape
        if per_sample == (h, w, c) and channels_first is not True:
            return raw, "nhwc"
        if per_sample == (c, h, w) and channels_first is not False:
            return np.ascontiguousarray(raw.transpose(0, 2, 3, 1)), "nchw"
        if per_sample == (h, w) and c == 1:
            return raw[..., np.newaxis], "nhw"
        if int(np.prod(per_sample)) == h * w * c and raw.ndim == 2:
            if channels_first:
                chw = raw.reshape(count, c, h, w)
                return np.ascontiguousarray(chw.transpose(0, 2, 3, 1)), "flat"
            return raw.reshape(count, h, w, c), "flat"
    raise ModelOutputError(
        f"{name} returned shape {per_sample} per latent, which does not fit the image shape "
        f"{image_shape}"
    )


def to_layout(
    images: npt.NDArray[np.float32], layout: Layout, channels_first: bool
) -> npt.NDArray[np.float32]:
    """Move ``(B, H, W, C)`` images to the ``layout`` an encoder takes (the inverse move)."""
    if layout == "nchw" or (layout == "flat" and channels_first):
        images = images.transpose(0, 3, 1, 2)
    if layout == "flat":
        return images.reshape(images.shape[0], -1)
    if layout == "nhw":
        return images[..., 0]
    return images
