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
