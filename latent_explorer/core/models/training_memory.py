"""Whether training a VAE of a given size fits in memory, asked before the network is built.

Training holds every weight four times (the weights, their gradients and Adam's two running
averages) plus the activations of one batch forward and backward. A hidden size of a billion
asked for hundreds of gigabytes and ended in an allocator's traceback; now the count comes
first, from a network built on PyTorch's ``meta`` device (shapes only, no memory).
"""

from __future__ import annotations

import math

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.memory_budget import memory_budget
from latent_explorer.core.models.vae import VAEConfig, build_vae
from latent_explorer.core.sizes import format_size

_WEIGHT_COPIES = 4
"""Weights, gradients, and Adam's first and second moments, all float32."""
_ACTIVATION_COPIES = 3
"""Each layer's output kept for the backward pass, its gradient, and the ReLU's mask."""


def weight_count(config: VAEConfig) -> int:
    """How many numbers the VAE ``config`` describes has (nothing is allocated)."""
    import torch

    try:
        with torch.device("meta"):
            module = build_vae(config)
    except (RuntimeError, ValueError, OverflowError) as exc:  # sizes beyond what torch takes
        raise LatentExplorerError(f"a VAE with hidden sizes {list(config.hidden)} and "
                                  f"{config.latent_dim} latent values cannot be built "
                                  f"({str(exc).splitlines()[0] if str(exc) else exc})") from None
    return sum(p.numel() for p in module.parameters())


def training_bytes(config: VAEConfig, batch_size: int, samples: int) -> int:
    """About how much memory training ``config`` on batches of ``batch_size`` of ``samples``
    images takes (float32), not counting the dataset itself."""
    batch = min(batch_size, samples)
    pixels = math.prod(config.image_shape)
    widths = [pixels, *config.hidden, 2 * config.latent_dim, *reversed(config.hidden), pixels]
    if config.kind == "conv":  # a stride-2 layer's output has 1/4 of its input's positions
        h, w, _ = config.image_shape
        widths = [pixels, *(c * (h >> (i + 1)) * (w >> (i + 1))
                            for i, c in enumerate(config.hidden))] * 2
    activations = batch * sum(widths) * 4 * _ACTIVATION_COPIES
    return weight_count(config) * 4 * _WEIGHT_COPIES + activations


def check_training_fits(config: VAEConfig, batch_size: int, samples: int) -> None:
    """Refuse, before anything is built, a training run that would not fit in memory.

    Raises
    ------
    LatentExplorerError
        Naming the sizes asked for and what they would need.
    """
    needed = training_bytes(config, batch_size, samples)
    budget = memory_budget()
    if needed > budget.size:
        raise LatentExplorerError(
            f"training a VAE with hidden sizes {list(config.hidden)}, {config.latent_dim} "
            f"latent values and batches of {min(batch_size, samples):,} images would need "
            f"{format_size(needed)} of memory, more than the {budget.describe()} one job may "
            "take here; choose smaller sizes")
