"""Resampling with FIR filters for the StyleGAN3 synthesis network, in plain PyTorch.

StyleGAN3 applies its leaky ReLU at a higher sampling rate: upsample with a low-pass filter,
leaky ReLU, low-pass again and downsample. The snapshot stores the filters: a 1-D kernel used
along both axes (separable), or, for the down filters of StyleGAN3-R, a radially symmetric
2-D kernel.

The arithmetic is the usual "upfirdn": insert ``up - 1`` zeros after every sample, pad
(negative padding crops), convolve with the filter times ``gain``, keep every ``down``-th
sample. It is done here without wasted work, one axis at a time: upsampling as a transposed
convolution with stride ``up`` (which never multiplies the inserted zeros, and writes the
phases interleaved), downsampling as a convolution with stride ``down`` (which never computes
a sample that would be thrown away). The feature maps are channels-last while they are
resampled: the depthwise convolutions of oneDNN run about three times faster so.

Imported only when a StyleGAN3 network is built: this module imports torch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812 (the usual spelling)
from torch import nn

_CHANNELS_LAST = torch.channels_last


def _depthwise_kernel(taps: torch.Tensor, channels: int, axis: int) -> torch.Tensor:
    """``taps`` (1-D: along ``axis``, 2: height, 3: width; or 2-D) as a (C, 1, kh, kw)
    depthwise weight."""
    if taps.ndim == 1:
        taps = taps[None, :] if axis == 3 else taps[:, None]
    weight = taps.to(torch.float32)[None, None].repeat(channels, 1, 1, 1)
    return weight.contiguous(memory_format=_CHANNELS_LAST)


class _AxisUpsampler(nn.Module):
    """Zero insertion by ``up``, padding ``(before, after)`` and filtering along one axis."""

    def __init__(self, taps: torch.Tensor, up: int, pad: tuple[int, int], axis: int,
                 channels: int) -> None:
        super().__init__()
        self.up, self.axis, self.pad = up, axis, pad
        self.n_taps = taps.numel()
        self.weight: torch.Tensor
        self.register_buffer("weight", _depthwise_kernel(taps, channels, axis),
                             persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # A transposed convolution gives full[i] = sum_k x[k] f[i - up * k]; the upfirdn
        # output j is full[j + n_taps - 1 - pad_before] (the filter is applied unflipped).
        up, n_taps = self.up, self.n_taps
        length = x.shape[self.axis]
        out_len = length * up + self.pad[0] + self.pad[1] - n_taps + 1
        if out_len <= 0:
            raise ValueError(f"upsampling {length} samples with padding {self.pad} leaves none")
        start = n_taps - 1 - self.pad[0]
        if start < 0:  # more zeros before the signal than the filter reaches: add samples
            extra = -(start // up)
            x = F.pad(x, [extra, 0, 0, 0] if self.axis == 3 else [0, 0, extra, 0])
            start += extra * up
        full_len = (x.shape[self.axis] - 1) * up + n_taps
        end_cut = full_len - start - out_len
        if end_cut < 0:  # the same after the signal
            extra = -(end_cut // up)
            x = F.pad(x, [0, extra, 0, 0] if self.axis == 3 else [0, 0, 0, extra])
            end_cut += extra * up
        # conv_transpose crops `padding` at both ends and adds `output_padding` at the end.
        crop, output_padding = start, start - end_cut
        if not 0 <= output_padding < up:
            crop, output_padding = min(start, end_cut), 0
        stride = (1, up) if self.axis == 3 else (up, 1)
        padding = (0, crop) if self.axis == 3 else (crop, 0)
        out_pad = (0, output_padding) if self.axis == 3 else (output_padding, 0)
        y = F.conv_transpose2d(x, self.weight, stride=stride, padding=padding,
                               output_padding=out_pad, groups=x.shape[1])
        if y.shape[self.axis] != out_len:  # only when the crops differ by more than up
            y = y.narrow(self.axis, start - crop, out_len)
        return y


class Upsampler(nn.Module):
    """``upfirdn`` upsampling of ``channels`` channels by ``up`` with the 1-D filter ``f``
    along both axes, padding ``(x_before, x_after, y_before, y_after)`` and ``gain``."""

    def __init__(self, f: torch.Tensor | None, channels: int, up: int,
                 padding: tuple[int, int, int, int], gain: float = 1.0) -> None:
        super().__init__()
        if f is not None and f.ndim != 1:
            raise ValueError("a StyleGAN3 up filter must be 1-D (separable)")
        taps = (torch.ones(1) if f is None else f.detach().to(torch.float64)) * gain ** 0.5
        px0, px1, py0, py1 = padding
        self.along_width = _AxisUpsampler(taps, up, (px0, px1), 3, channels)
        self.along_height = _AxisUpsampler(taps, up, (py0, py1), 2, channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous(memory_format=_CHANNELS_LAST)
        out: torch.Tensor = self.along_height(self.along_width(x))
        return out


class Downsampler(nn.Module):
    """``upfirdn`` downsampling of ``channels`` channels by ``down`` with the filter ``f``:
    1-D (along both axes), 2-D (radial) or ``None`` (no filter)."""

    def __init__(self, f: torch.Tensor | None, channels: int, down: int) -> None:
        super().__init__()
        self.down = down
        self.passes: list[tuple[str, tuple[int, int]]] = []  # (weight buffer, stride)
        if f is None:
            return
        flipped = f.detach().to(torch.float64).flip(list(range(f.ndim)))  # conv2d correlates
        axes = [(3, (1, down)), (2, (down, 1))] if f.ndim == 1 else [(0, (down, down))]
        for axis, stride in axes:
            name = f"weight_{len(self.passes)}"
            self.register_buffer(name, _depthwise_kernel(flipped, channels, axis),
                                 persistent=False)
            self.passes.append((name, stride))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        d = self.down
        if not self.passes:
            return x[:, :, ::d, ::d] if d > 1 else x
        x = x.contiguous(memory_format=_CHANNELS_LAST)
        for name, stride in self.passes:
            x = F.conv2d(x, getattr(self, name), stride=stride, groups=x.shape[1])
        return x
