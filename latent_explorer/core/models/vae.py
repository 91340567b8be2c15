"""The project's own variational autoencoder: architecture, save format and loader.

Save format (a folder, or a pair of files side by side)::

    model.safetensors   the weights (``encoder.*`` and ``decoder.*`` tensors)
    model.json          {"format": "latent-explorer-vae", "format_version": 1,
                         "architecture": {"name": "latent-explorer-vae-mlp", "version": 1},
                         "config": {"image_shape": [8, 8, 1], "latent_dim": 8,
                                    "hidden": [256, 128], "kind": "mlp"},
                         "output_range": "logits", "weights": "model.safetensors",
                         "name": "...", "training": {dataset, command, seed, epochs, ...}}

The encoder maps ``(B, H, W, C)`` images in [0, 1] to ``(mu, logvar)``, the decoder maps
``(B, latent_dim)`` latents to ``(B, H, W, C)`` logits. Weights may also be a PyTorch
state_dict (``.pt``), read with ``torch.load(weights_only=True)`` and never with pickles.
"""

from __future__ import annotations

import functools
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latent_explorer.core.errors import ModelError
from latent_explorer.core.models.torch_adapter import TorchModel

if TYPE_CHECKING:
    import torch

FORMAT = "latent-explorer-vae"
FORMAT_VERSION = 1
ARCHITECTURE_VERSION = 1
KINDS = ("mlp", "conv")


@dataclass(frozen=True)
class VAEConfig:
    """Everything needed to rebuild the network before loading weights.

    Parameters
    ----------
    image_shape
        ``(H, W, C)`` of the images, C 1 or 3.
    latent_dim
        Number of latent dimensions.
    hidden
        Hidden layer widths (``mlp``) or channel counts of the stride-2 convolutions
        (``conv``, which needs H and W divisible by ``2 ** len(hidden)``).
    kind
        ``"mlp"`` (fully connected) or ``"conv"``.
    """

    image_shape: tuple[int, int, int]
    latent_dim: int = 8
    hidden: tuple[int, ...] = (256, 128)
    kind: str = "mlp"

    def __post_init__(self) -> None:
        if (len(self.image_shape) != 3 or self.image_shape[2] not in (1, 3)
                or min(self.image_shape) < 1):
            raise ValueError(f"image_shape must be (H, W, 1|3), got {self.image_shape}")
        if self.latent_dim < 1 or not self.hidden or min(self.hidden) < 1:
            raise ValueError("latent_dim and the hidden sizes must be positive")
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, got {self.kind!r}")
        if self.kind == "conv":
            step = 2 ** len(self.hidden)
            if self.image_shape[0] % step or self.image_shape[1] % step:
                raise ValueError(
                    f"a conv VAE with {len(self.hidden)} layers needs H and W "
                    f"divisible by {step}, got {self.image_shape[:2]}"
                )

    @property
    def architecture(self) -> str:
        """The architecture name written to ``model.json``."""
        return f"{FORMAT}-{self.kind}"

    def to_json(self) -> dict[str, Any]:
        """The ``config`` block of ``model.json``."""
        data = asdict(self)
        data["image_shape"] = list(self.image_shape)
        data["hidden"] = list(self.hidden)
        return data

    @classmethod
    def from_json(cls, data: Any) -> VAEConfig:
        """Read the ``config`` block of ``model.json`` (raises ``ValueError`` when invalid)."""
        if not isinstance(data, dict):
            raise ValueError("'config' must be an object")
        try:
            h, w, c = (int(n) for n in data["image_shape"])
            return cls(
                image_shape=(h, w, c),
                latent_dim=int(data["latent_dim"]),
                hidden=tuple(int(n) for n in data["hidden"]),
                kind=str(data.get("kind", "mlp")),
            )
        except (KeyError, TypeError, OverflowError) as exc:
            raise ValueError(f"'config' lacks or misstates {exc}") from exc


@functools.cache
def _vae_class() -> type[torch.nn.Module]:
    """Define the module class on first use, so that importing this file needs no torch."""
    import torch
    from torch import nn

    class VAE(nn.Module):
        """Encoder to ``(mu, logvar)``, decoder to logits; images are ``(B, H, W, C)``."""

        def __init__(self, config: VAEConfig) -> None:
            super().__init__()
            self.config = config
            h, w, c = config.image_shape
            if config.kind == "mlp":
                self.encoder, self.decoder = _mlp_layers(config, h * w * c)
            else:
                self.encoder, self.decoder = _conv_layers(config)

        def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            if self.config.kind == "conv":
                x = x.permute(0, 3, 1, 2)
            moments: torch.Tensor = self.encoder(x)
            mu, logvar = moments.chunk(2, dim=1)
            return mu, logvar

        def decode(self, z: torch.Tensor) -> torch.Tensor:
            out: torch.Tensor = self.decoder(z)
            if self.config.kind == "conv":
                return out.permute(0, 2, 3, 1)
            return out.reshape(z.shape[0], *self.config.image_shape)

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
            mu, logvar = self.encode(x)
            return self.decode(mu), mu, logvar

    del torch
    return VAE


def _mlp_layers(config: VAEConfig, pixels: int) -> tuple[torch.nn.Module, torch.nn.Module]:
    from torch import nn

    enc: list[nn.Module] = [nn.Flatten()]
    width = pixels
    for size in config.hidden:
        enc += [nn.Linear(width, size), nn.ReLU()]
        width = size
    enc.append(nn.Linear(width, 2 * config.latent_dim))
    dec: list[nn.Module] = []
    width = config.latent_dim
    for size in reversed(config.hidden):
        dec += [nn.Linear(width, size), nn.ReLU()]
        width = size
    dec.append(nn.Linear(width, pixels))
    return nn.Sequential(*enc), nn.Sequential(*dec)


def _conv_layers(config: VAEConfig) -> tuple[torch.nn.Module, torch.nn.Module]:
    from torch import nn

    h, w, c = config.image_shape
    step = 2 ** len(config.hidden)
    small = (config.hidden[-1], h // step, w // step)
    enc: list[nn.Module] = []
    channels = c
    for size in config.hidden:
        enc += [nn.Conv2d(channels, size, 4, stride=2, padding=1), nn.ReLU()]
        channels = size
    enc += [nn.Flatten(), nn.Linear(small[0] * small[1] * small[2], 2 * config.latent_dim)]
    dec: list[nn.Module] = [
        nn.Linear(config.latent_dim, small[0] * small[1] * small[2]),
        nn.ReLU(),
        nn.Unflatten(1, small),
    ]
    sizes = [*reversed(config.hidden[:-1]), c]
    channels = config.hidden[-1]
    for i, size in enumerate(sizes):
        dec.append(nn.ConvTranspose2d(channels, size, 4, stride=2, padding=1))
        if i < len(sizes) - 1:
            dec.append(nn.ReLU())
        channels = size
    return nn.Sequential(*enc), nn.Sequential(*dec)


def build_vae(config: VAEConfig) -> torch.nn.Module:
    """A freshly initialised VAE module (uses torch's global random state)."""
    return _vae_class()(config)


def wrap_vae(module: torch.nn.Module, name: str, source: str) -> TorchModel:
    """Wrap a VAE module as a :class:`TorchModel` (eval mode, CPU, float32)."""
    vae: Any = module.eval().float()  # a VAE from _vae_class(), whose type mypy cannot see
    config: VAEConfig = vae.config
    return TorchModel(
        vae.decode,
        encode_fn=vae.encode,
        name=name,
        source=source,
        latent_shape=(config.latent_dim,),
        image_shape=config.image_shape,
        output_range="logits",
        encoder_output="first",
        encoder_layout="nhwc",
        state_fn=module.state_dict,
        keep_alive=module,
    )


def read_meta(json_path: Path) -> dict[str, Any]:
    """Read a ``model.json``; raise :class:`ModelError` naming it when unreadable."""
    try:
        data = json.loads(json_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(json_path, "no such file") from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError: JSONDecodeError and too-long integers; RecursionError: "[[[[..."
        raise ModelError(json_path, f"is not a readable JSON file ({exc})") from exc
    if not isinstance(data, dict):
        raise ModelError(json_path, "must hold a JSON object")
    return data
