"""Small real models and data for the window tests of spatial latents and slow decoders."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np

from latent_explorer.core.datasets.shapes import load_shapes_dataset
from latent_explorer.core.models.torch_adapter import TorchModel


def shapes_npz(folder: Path, count: int = 240) -> str:
    """``count`` images of the bundled shapes (32x32 colour) saved as a .npz the app opens."""
    shapes = load_shapes_dataset(count, seed=1)
    path = folder / "shapes.npz"
    np.savez(path, images=shapes.images, labels=shapes.labels)
    return str(path)


def spatial_conv_model(channels: int = 4, side: int = 8, seed: int = 0) -> TorchModel:
    """A fully convolutional autoencoder: 32x32 RGB <-> latents ``(channels, side, side)``.

    Random weights; the decoder is convolutions and upsampling only, so a latent cell shapes
    only the pixels near it (and a smaller latent decodes to a smaller image).
    """
    import torch
    from torch import nn

    scale = 32 // side
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        encoder = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(),
                                nn.Conv2d(16, channels, scale, stride=scale)).eval()
        decoder = nn.Sequential(nn.Conv2d(channels, 16, 3, padding=1), nn.ReLU(),
                                nn.Upsample(scale_factor=scale, mode="nearest"),
                                nn.Conv2d(16, 3, 3, padding=1), nn.Sigmoid()).eval()
    return TorchModel(decoder, encode_fn=encoder, name="spatial test AE", source="test",
                      latent_shape=(channels, side, side), image_shape=(32, 32, 3),
                      channels_first=True, encoder_layout="nchw",
                      state_fn=lambda: {**encoder.state_dict(), **decoder.state_dict()},
                      keep_alive=(encoder, decoder))


class GatedModel:
    """Wraps a model; while ``gate`` is closed, single decodes (the probe's) wait for it.

    Batched decodes (the atlas) pass, so a test can build the atlas, close the gate, move the
    probe and look at the window while the true decode is held: deterministic, no sleeps.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.name = f"gated {model.name}"
        self.source = model.source
        self.latent_shape = model.latent_shape
        self.image_shape = model.image_shape
        self.num_classes = model.num_classes
        self.gate = threading.Event()
        self.gate.set()
        self.waiting = threading.Event()

    @property
    def latent_dim(self) -> int:
        return int(self.model.latent_dim)

    @property
    def has_encoder(self) -> bool:
        return bool(self.model.has_encoder)

    def decode(self, latents: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        if len(latents) == 1 and not self.gate.is_set():
            self.waiting.set()
            self.gate.wait(30)
        return np.asarray(self.model.decode(latents, labels))

    def encode(self, images: np.ndarray) -> np.ndarray:
        return np.asarray(self.model.encode(images))

    def fingerprint(self) -> str:
        return "gated-" + str(self.model.fingerprint())
