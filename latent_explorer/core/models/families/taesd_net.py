"""The TAESD networks as torch modules, built from a list of layers (see :mod:`.taesd`).

Imported only when a TAESD file is opened: this module imports torch.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from latent_explorer.core.models.families.taesd import Layer


class SoftClamp(nn.Module):
    """Squash values smoothly into ``(-limit, limit)`` (``limit * tanh(x / limit)``)."""

    def __init__(self, limit: float) -> None:
        super().__init__()
        self.limit = float(limit)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x / self.limit) * self.limit


class ResidualBlock(nn.Module):
    """Three 3x3 convolutions with ReLUs, a (1x1) skip path, and an optional group-norm
    bottleneck added in front (the "mid-block" of the newer members)."""

    def __init__(self, n_in: int, n_out: int, group_norm: bool) -> None:
        super().__init__()
        self.conv = nn.Sequential(
            nn.Conv2d(n_in, n_out, 3, padding=1), nn.ReLU(),
            nn.Conv2d(n_out, n_out, 3, padding=1), nn.ReLU(),
            nn.Conv2d(n_out, n_out, 3, padding=1),
        )  # fmt: skip
        self.skip: nn.Module = (nn.Identity() if n_in == n_out
                                else nn.Conv2d(n_in, n_out, 1, bias=False))
        self.fuse = nn.ReLU()
        self.pool: nn.Module | None = None
        if group_norm:
            wide = 4 * n_in
            self.pool = nn.Sequential(
                nn.Conv2d(n_in, wide, 1, bias=False), nn.GroupNorm(4, wide), nn.ReLU(),
                nn.Conv2d(wide, n_in, 1, bias=False),
            )  # fmt: skip

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pool is not None:
            x = x + self.pool(x)
        out: torch.Tensor = self.fuse(self.conv(x) + self.skip(x))
        return out


def build(layers: Sequence[Layer], clamp: float) -> nn.Sequential:
    """An ``nn.Sequential`` whose state_dict keys are those of the original files."""
    modules: list[nn.Module] = []
    for layer in layers:
        if layer.kind == "clamp":
            modules.append(SoftClamp(clamp))
        elif layer.kind == "relu":
            modules.append(nn.ReLU())
        elif layer.kind == "up":
            modules.append(nn.Upsample(scale_factor=2))
        elif layer.kind == "conv":
            modules.append(nn.Conv2d(layer.n_in, layer.n_out, 3, stride=layer.stride,
                                     padding=1, bias=layer.bias))
        else:
            modules.append(ResidualBlock(layer.n_in, layer.n_out, layer.group_norm))
    return nn.Sequential(*modules)
