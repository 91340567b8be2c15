"""Small real models for tests that need no torch: numpy decoders with known outputs."""

from __future__ import annotations

import threading

import numpy as np


class LinearModel:
    """A tiny linear "autoencoder" on 4x4 grey images: decode(z) = sigmoid(z @ W)."""

    name = "linear-test"
    source = "test"
    num_classes = 0

    def __init__(self, latent_dim: int = 3, side: int = 4, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.latent_shape = (latent_dim,)
        self.image_shape = (side, side, 1)
        self.weights = rng.standard_normal((latent_dim, side * side)).astype(np.float32)
        self.decode_calls = 0

    @property
    def latent_dim(self) -> int:
        return self.latent_shape[0]

    @property
    def has_encoder(self) -> bool:
        return True

    def decode(self, latents: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        self.decode_calls += 1
        out = 1.0 / (1.0 + np.exp(-(np.asarray(latents, dtype=np.float32) @ self.weights)))
        return out.reshape(len(latents), *self.image_shape).astype(np.float32)

    def encode(self, images: np.ndarray) -> np.ndarray:
        flat = np.asarray(images, dtype=np.float32).reshape(len(images), -1)
        return (flat @ np.linalg.pinv(self.weights)).astype(np.float32)

    def fingerprint(self) -> str:
        return "linear-" + str(abs(hash(self.weights.tobytes())))


class BlockingModel(LinearModel):
    """Decodes only when allowed: the first decode waits on ``release`` (for ordering tests)."""

    def __init__(self) -> None:
        super().__init__()
        self.entered = threading.Event()
        self.release = threading.Event()
        self.decoded: list[float] = []

    def decode(self, latents: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        self.entered.set()
        self.release.wait(10)
        self.decoded.append(float(latents[0, 0]))
        return super().decode(latents, labels)


class NaNModel(LinearModel):
    """A model whose decoder returns NaN, as a broken checkpoint might."""

    def decode(self, latents: np.ndarray, labels: np.ndarray | None = None) -> np.ndarray:
        from latent_explorer.core.errors import ModelOutputError

        raise ModelOutputError(f"{self.name} returned NaN or infinite values for 1 of 1 latents")
