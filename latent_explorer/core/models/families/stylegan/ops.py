"""The operations StyleGAN's networks are made of, in plain PyTorch (no custom CUDA ops).

Written from the papers (Karras et al. 2019, "Analyzing and Improving the Image Quality of
StyleGAN"; 2021, "Alias-Free Generative Adversarial Networks") and the facts a snapshot
stores: activations with their gains, bias and clamp; FIR resampling (zero insertion, padding,
filtering, decimation); weight modulation and demodulation.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

ACTIVATION_GAINS = {"linear": 1.0, "relu": math.sqrt(2), "lrelu": math.sqrt(2)}
"""The activations the generators use, and the gain each is followed by by default (the gain
that keeps the signal's magnitude through a layer at initialisation)."""
LRELU_SLOPE = 0.2


def check_activation(name: object) -> str:
    """``name`` if it is an activation of :data:`ACTIVATION_GAINS`; ``ValueError`` otherwise."""
    if not isinstance(name, str) or name not in ACTIVATION_GAINS:
        raise ValueError(f"a layer uses the activation {name!r}, which StyleGAN's generators "
                         "do not use")
    return name


def bias_act(x: torch.Tensor, bias: torch.Tensor | None, activation: str = "linear",
             gain: float | None = None, clamp: float | None = None) -> torch.Tensor:
    """Add ``bias`` along axis 1, apply ``activation``, multiply by ``gain`` (default: the
    activation's own) and clamp to ``[-clamp, clamp]``."""
    import torch

    if bias is not None:
        x = x + bias.reshape([1, -1] + [1] * (x.ndim - 2))
    if activation == "lrelu":
        x = torch.nn.functional.leaky_relu(x, LRELU_SLOPE)
    elif activation == "relu":
        x = torch.relu(x)
    gain = ACTIVATION_GAINS[activation] if gain is None else gain
    if gain != 1:
        x = x * gain
    if clamp is not None and clamp >= 0:
        x = x.clamp(-clamp, clamp)
    return x


def normalize_2nd_moment(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """``x`` scaled so each row's mean square is 1 (how the mapping network takes ``z``)."""
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


def upfirdn2d(x: torch.Tensor, f: torch.Tensor, up: int = 1, down: int = 1,
              pad: tuple[int, int, int, int] = (0, 0, 0, 0), gain: float = 1.0) -> torch.Tensor:
    """Resample ``x`` (N, C, H, W) with the FIR filter ``f``: insert ``up - 1`` zeros after
    each sample, pad (left, right, top, bottom; negative crops), convolve with ``f`` (2-D, or
    1-D applied along both axes) times ``gain`` (spread over the axes), keep every
    ``down``-th sample."""
    from torch.nn import functional

    n, c, h, w = x.shape
    if up > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = functional.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    x = functional.pad(x, list(pad))
    f = f.to(x.dtype)
    x = x.reshape(n * c, 1, x.shape[2], x.shape[3])  # one channel: torch's fast path
    if f.ndim == 1:  # separable: the same taps along each axis, half the gain each
        taps = (f * gain ** 0.5).flip(0)
        x = functional.conv2d(x, taps.reshape(1, 1, 1, -1))
        x = functional.conv2d(x, taps.reshape(1, 1, -1, 1))
    else:
        x = functional.conv2d(x, (f * gain).flip([0, 1])[None, None])
    x = x.reshape(n, c, x.shape[2], x.shape[3])
    if down > 1:
        x = x[:, :, ::down, ::down]
    return x


def upsample2d(x: torch.Tensor, f: torch.Tensor, up: int = 2) -> torch.Tensor:
    """``x`` at ``up`` times its size through the filter ``f`` (the skip path's images)."""
    taps = f.shape[-1]
    left, right = (taps + up - 1) // 2, (taps - up) // 2
    return upfirdn2d(x, f, up=up, pad=(left, right, left, right), gain=up * up)


def conv2d_resample(x: torch.Tensor, weight: torch.Tensor, f: torch.Tensor | None,
                    up: int = 1, padding: int = 0) -> torch.Tensor:
    """A convolution of ``x`` by ``weight`` (O, I, k, k), padded by ``padding``; with ``up``
    > 1, on ``x`` first up-sampled ``up`` times through the filter ``f``.

    Without up-sampling it is torch's ``conv2d`` (a cross-correlation). With it, the weight is
    applied as a transposed convolution of stride ``up`` (which convolves the zero-stuffed
    input with the kernel as stored: that is how the files' weights are meant), then the
    filter smooths the result: the same values as filtering first and convolving at the
    higher resolution, with a quarter of the multiplications.
    """
    from torch.nn import functional

    if up == 1:
        return functional.conv2d(x, weight, padding=padding)
    if f is None:
        raise ValueError("an up-sampling convolution needs its resample filter")
    k = weight.shape[-1]
    taps = f.shape[-1]
    left = padding + (taps + up - 1) // 2
    x = functional.conv_transpose2d(x, weight.transpose(0, 1).contiguous(), stride=up)
    before, after = left - (k - 1), up + taps - 2 - left
    return upfirdn2d(x, f, pad=(before, after, before, after), gain=up * up)


def modulated_conv2d(x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor,
                     noise: torch.Tensor | None = None, up: int = 1, padding: int = 0,
                     resample_filter: torch.Tensor | None = None,
                     demodulate: bool = True) -> torch.Tensor:
    """StyleGAN2's modulated convolution of ``x`` (N, I, H, W) by ``weight`` (O, I, k, k)
    scaled per sample and input channel by ``styles`` (N, I); with ``demodulate``, each
    output channel is scaled back to unit expected magnitude. ``noise`` is added after.

    The styles scale the input rather than the weight, so one convolution with the shared
    weight serves the whole batch; the result is the same.
    """
    x = x * styles.to(x.dtype)[:, :, None, None]
    x = conv2d_resample(x, weight.to(x.dtype), resample_filter, up=up, padding=padding)
    if demodulate:  # sum over i, k of (weight[o, i, k] * styles[n, i])^2, without the product
        energy = styles.square() @ weight.square().sum(dim=[2, 3]).transpose(0, 1)
        x = x * (energy + 1e-8).rsqrt().to(x.dtype)[:, :, None, None]
    if noise is not None:
        x = x + noise.to(x.dtype)
    return x
