"""Reference architectures of realistic size, used by the benchmarks.

:func:`conv_generator_64` builds a DCGAN-style decoder (latent 64 -> 64x64 RGB, about one
million parameters, tanh output). Random weights are enough to time decoding: the work per
image does not depend on what the weights are.
"""

from __future__ import annotations

from typing import Any

from latent_explorer.core.models.torch_adapter import TorchModel


def conv_generator_64(latent_dim: int = 64, seed: int = 0) -> TorchModel:
    """A decoder-only 64x64 RGB generator with random weights, as a :class:`TorchModel`."""
    import torch
    from torch import nn

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        net = nn.Sequential(
            nn.Linear(latent_dim, 256 * 4 * 4),
            nn.Unflatten(1, (256, 4, 4)),
            nn.ReLU(),
            nn.ConvTranspose2d(256, 128, 4, 2, 1),  # 8x8
            nn.BatchNorm2d(128),
            nn.ReLU(),
            nn.ConvTranspose2d(128, 64, 4, 2, 1),  # 16x16
            nn.BatchNorm2d(64),
            nn.ReLU(),
            nn.ConvTranspose2d(64, 32, 4, 2, 1),  # 32x32
            nn.BatchNorm2d(32),
            nn.ReLU(),
            nn.ConvTranspose2d(32, 3, 4, 2, 1),  # 64x64
            nn.Tanh(),
        ).eval()
    return TorchModel(net, name="conv64 (random weights)", source="reference:conv64",
                      latent_shape=(latent_dim,), output_range="-1,1",
                      image_shape=(64, 64, 3), channels_first=True,
                      state_fn=net.state_dict, keep_alive=net)


def parameter_count(model: TorchModel) -> int:
    """Number of parameters of a reference model's network."""
    module: Any = model.network
    return int(sum(p.numel() for p in module.parameters()))


def taesd_size_decoder(image_side: int = 256, latent_channels: int = 4,
                       seed: int = 0) -> TorchModel:
    """A decoder of the size and shape of TAESD's (the tiny Stable Diffusion autoencoder).

    Latents ``(latent_channels, side/8, side/8)`` -> ``side`` x ``side`` RGB: TAESD's layers
    (a soft clamp, 64-channel residual blocks, three 2x upsamplings; about 1.2 million
    parameters) with random weights. Fully convolutional: it decodes any latent size.
    """
    import torch
    from torch import nn

    class Clamp(nn.Module):
        def forward(self, x: Any) -> Any:
            return torch.tanh(x / 3) * 3

    class Block(nn.Module):
        def __init__(self, width: int) -> None:
            super().__init__()
            self.conv = nn.Sequential(nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
                                      nn.Conv2d(width, width, 3, padding=1), nn.ReLU(),
                                      nn.Conv2d(width, width, 3, padding=1))
            self.fuse = nn.ReLU()

        def forward(self, x: Any) -> Any:
            return self.fuse(self.conv(x) + x)

    if image_side % 8:
        raise ValueError(f"image_side must be a multiple of 8, got {image_side}")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        layers: list[nn.Module] = [Clamp(), nn.Conv2d(latent_channels, 64, 3, padding=1),
                                   nn.ReLU()]
        for _ in range(3):
            layers += [Block(64), Block(64), Block(64), nn.Upsample(scale_factor=2),
                       nn.Conv2d(64, 64, 3, padding=1, bias=False)]
        layers += [Block(64), nn.Conv2d(64, 3, 3, padding=1)]
        net = nn.Sequential(*layers).eval()
    side = image_side // 8
    return TorchModel(net, name=f"TAESD-size decoder {image_side}px (random weights)",
                      source=f"reference:taesd{image_side}",
                      latent_shape=(latent_channels, side, side), output_range="-1,1",
                      image_shape=(image_side, image_side, 3), channels_first=True,
                      state_fn=net.state_dict, keep_alive=net)
