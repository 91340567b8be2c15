"""Resampling with FIR filters for the StyleGAN3 synthesis network, in plain PyTorch.

Imported only when a StyleGAN3 network is built: this module imports torch.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F  # noqa: N812 (the usual spelling)


def _depthwise(x: torch.Tensor, kernel: torch.Tensor, stride: tuple[int, int]) -> torch.Tensor:
    """Correlate every channel of ``x`` (N, C, H, W) with the same 2-D ``kernel`` (kh, kw)."""
    channels = x.shape[1]
    weight = kernel.to(x.dtype)[None, None].expand(channels, 1, *kernel.shape)
    return F.conv2d(x, weight, stride=stride, groups=channels)


def upfirdn(x: torch.Tensor, f: torch.Tensor | None, up: int = 1, down: int = 1,
            padding: tuple[int, int, int, int] = (0, 0, 0, 0), gain: float = 1.0,
            ) -> torch.Tensor:
    """Upsample by zero insertion, pad, filter and downsample ``x`` (N, C, H, W)."""
    px0, px1, py0, py1 = padding
    if f is None:
        f = torch.ones(1, dtype=x.dtype)
    f2 = torch.outer(f, f) if f.ndim == 1 else f
    if up > 1:
        n, c, h, w = x.shape
        z = x.new_zeros(n, c, h * up, w * up)
        z[:, :, ::up, ::up] = x
        x = z
    x = F.pad(x, [px0, px1, py0, py1])
    return _depthwise(x, f2.to(x.dtype).flip((0, 1)) * gain, (down, down))
