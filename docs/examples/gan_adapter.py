"""Latent Explorer adapter file for a typical GAN generator (DCGAN, 64x64 RGB, tanh output).

The generator takes latents of shape ``(100, 1, 1)`` (DCGAN's ``nz`` noise channels) and
returns images in [-1, 1]. There is no encoder: the app shows a map of latents drawn from
the prior and decodes wherever you point. Open it with::

    latent-explorer gui --model gan_adapter.py --trust-code

Check it without the app with ``python gan_adapter.py``.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

LATENT_SHAPE = (100, 1, 1)  # the generator's input for ONE sample, without the batch axis
OUTPUT_RANGE = "-1,1"  # a tanh output
NAME = "DCGAN generator"

CHECKPOINT = "netG.pth"  # relative to the folder this file lies in
NGF = 16  # the generator's base width: must match the trained network


def _up(c_in: int, c_out: int, stride: int = 2, padding: int = 1) -> list[nn.Module]:
    return [nn.ConvTranspose2d(c_in, c_out, 4, stride, padding, bias=False),
            nn.BatchNorm2d(c_out), nn.ReLU(True)]  # fmt: skip


class Generator(nn.Module):
    """The DCGAN generator: (B, 100, 1, 1) -> (B, 3, 64, 64) in [-1, 1]."""

    def __init__(self, nz: int = 100, ngf: int = NGF) -> None:
        super().__init__()
        self.main = nn.Sequential(
            *_up(nz, ngf * 8, stride=1, padding=0),  # 4x4
            *_up(ngf * 8, ngf * 4),  # 8x8
            *_up(ngf * 4, ngf * 2),  # 16x16
            *_up(ngf * 2, ngf),  # 32x32
            nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False),  # 64x64
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z)


def load(checkpoint_dir: Path) -> nn.Module:
    """Build the generator and load its weights (the app calls ``.eval()`` afterwards)."""
    path = checkpoint_dir / CHECKPOINT
    if not path.is_file():
        raise FileNotFoundError(f"the checkpoint {path} is missing (see CHECKPOINT)")
    state = torch.load(path, map_location="cpu", weights_only=True)
    # GAN training loops often save both networks and the optimisers in one file.
    for key in ("netG", "generator", "G_ema", "g_ema", "G"):
        if isinstance(state, dict) and isinstance(state.get(key), dict):
            state = state[key]
            break
    net = Generator(nz=LATENT_SHAPE[0])
    net.load_state_dict(state)
    return net


if __name__ == "__main__":
    generator = load(Path(__file__).resolve().parent).eval()
    with torch.inference_mode():
        images = generator(torch.randn(2, *LATENT_SHAPE))
    print(f"generated {tuple(images.shape)}, values {images.min():.3f}..{images.max():.3f}")
