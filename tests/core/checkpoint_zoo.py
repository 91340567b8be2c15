"""Small networks shaped like the third-party checkpoints users bring, and ways to save them.

The classes live in :data:`SOURCE`, written as ``<name>.py`` beside the checkpoints they are
pickled into (as a user's ``models.py`` lies beside ``vae.pt``), then forgotten, so loading
finds them the way a fresh process would. :func:`range_autoencoder` is a convolutional
autoencoder trained for a few seconds on digits scaled to [-1, 1], so that its round trip
really prefers that range; the others keep random weights, which is all their shape needs.
"""

from __future__ import annotations

import functools
import importlib
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import torch

SOURCE = '''
import torch
from torch import nn


class RangeAE(nn.Module):
    """A plain conv autoencoder trained on [-1, 1] digits: ReLU latents (non-negative, large),
    a tanh output, an encoder that flattens with .view, no attribute saying any of it."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.ReLU())
        self.enc_fc = nn.Linear(8 * 4 * 4, 16)
        self.dec_fc = nn.Linear(16, 8 * 4 * 4)
        self.decoder = nn.Sequential(nn.ReLU(), nn.ConvTranspose2d(8, 1, 4, stride=2, padding=1),
                                     nn.Tanh())

    @torch.jit.export
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        h = self.encoder(x)
        return torch.relu(self.enc_fc(h.view(x.shape[0], -1)))

    @torch.jit.export
    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.dec_fc(z).view(z.shape[0], 8, 4, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(self.encode(x))


class SamplingVAE(nn.Module):
    """A conv VAE whose encode returns a sample, mu + eps * sigma, and nothing else."""

    def __init__(self, latent: int = 4) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, stride=2, padding=1)
        self.fc_mu = nn.Linear(64, latent)
        self.fc_logvar = nn.Linear(64, latent)
        self.fc_dec = nn.Linear(latent, 64)

    def moments(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(self.conv(x)).view(x.shape[0], -1)
        return self.fc_mu(h), self.fc_logvar(h)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        mu, logvar = self.moments(x)
        return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.fc_dec(z)).view(-1, 1, 8, 8)


class SamplingVAEWithMean(SamplingVAE):
    """The same VAE, its encode returning (z, mu, logvar): the sample first."""

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        mu, logvar = self.moments(x)
        return mu + torch.randn_like(mu) * torch.exp(0.5 * logvar), mu, logvar


class OneHotDecoder(nn.Module):
    """A conditional decoder taking its class as a one-hot vector beside the latent."""

    def __init__(self, latent: int = 3, classes: int = 10) -> None:
        super().__init__()
        self.fc = nn.Linear(latent + classes, 64)

    def decode(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.fc(torch.cat([z, y], 1))).view(-1, 1, 8, 8)


class WholeAE(nn.Module):
    """An autoencoder with only forward, image in, image out, and encoder/decoder children."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.ReLU(),
                                     nn.Flatten(), nn.Linear(64, 6))
        self.decoder = nn.Sequential(nn.Linear(6, 64), nn.Sigmoid(), nn.Unflatten(1, (1, 8, 8)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.encoder(x))


class TanhDecoder(nn.Module):
    """An SVHN-like generator: 32x32 colour in [-1, 1], forward only, a z_dim attribute."""

    def __init__(self, z_dim: int = 16) -> None:
        super().__init__()
        self.z_dim = z_dim
        self.fc = nn.Linear(z_dim, 4 * 8 * 8)
        self.up = nn.ConvTranspose2d(4, 3, 4, stride=4)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.up(self.fc(z).view(-1, 4, 8, 8)))


class Big64AE(nn.Module):
    """A 64-pixel grey autoencoder (its encoder ends in a Linear sized for 64 pixels)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 4, stride=4)
        self.enc_fc = nn.Linear(4 * 16 * 16, 8)
        self.dec_fc = nn.Linear(8, 64 * 64)

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.enc_fc(torch.relu(self.conv(x)).view(x.shape[0], -1))

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.dec_fc(z)).view(-1, 1, 64, 64)
'''


@contextmanager
def zoo_module(folder: Path, name: str) -> Iterator[ModuleType]:
    """:data:`SOURCE` written as ``folder/<name>.py`` and imported; forgotten on exit (from
    ``sys.modules`` and ``sys.path``), as a user's next process would not have it."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.py").write_text(SOURCE, encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(name)
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop(name, None)


def pickle_beside(folder: Path, name: str, build: Callable[[ModuleType], Any],
                  file: str = "model.pt") -> Path:
    """``torch.save`` what ``build(module)`` makes into ``folder/file``, its classes in
    ``folder/<name>.py`` beside it."""
    with zoo_module(folder, name) as nets:
        torch.manual_seed(0)
        path = folder / file
        torch.save(build(nets), path)
    return path


def unique_name(tmp_path: Path) -> str:
    """A module name no other test uses (each test's classes are forgotten separately)."""
    return f"zoo_{tmp_path.name.replace('-', '_')}"


def digits_unit(count: int) -> np.ndarray[Any, Any]:
    """The first ``count`` digits as float32 ``(N, 8, 8, 1)`` in [0, 1], as the app reads them."""
    from latent_explorer.core.datasets import load_dataset

    return load_dataset("digits").float_batch(0, count)


@functools.cache
def _trained_range_weights() -> dict[str, torch.Tensor]:
    """Weights of a :class:`RangeAE` trained on 256 digits in [-1, 1] (once per process)."""
    namespace: dict[str, Any] = {}
    exec(compile(SOURCE, "checkpoint_zoo_source", "exec"), namespace)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # 200 tiny steps: one thread is fastest on a shared machine
    try:
        torch.manual_seed(0)
        net = namespace["RangeAE"]()
        x = torch.from_numpy(np.array(digits_unit(256)[..., 0][:, None], copy=True)) * 2 - 1
        optimiser = torch.optim.Adam(net.parameters(), lr=5e-3)
        for _ in range(200):
            batch = x[torch.randint(0, len(x), (128,))]
            loss = ((net(batch) - batch) ** 2).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
    finally:
        torch.set_num_threads(threads)
    return {k: v.detach().clone() for k, v in net.state_dict().items()}


def range_autoencoder(nets: ModuleType) -> torch.nn.Module:
    """A trained :class:`RangeAE` of ``nets`` (the zoo module), in eval mode."""
    net = nets.RangeAE()
    net.load_state_dict(_trained_range_weights())
    return net.eval()


def round_trip_error(net: torch.nn.Module, images: np.ndarray[Any, Any],
                     input_range: str) -> float:
    """The mean squared error of ``net``'s round trip of [0, 1] ``images`` fed in a range."""
    x = torch.from_numpy(np.array(images[..., 0][:, None], copy=True))
    with torch.no_grad():
        fed = x * 2 - 1 if input_range == "-1,1" else x
        out = (net.decode(net.encode(fed)) + 1) / 2
    return float(((out.clamp(0, 1) - x) ** 2).mean())
