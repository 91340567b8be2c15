"""The :class:`GenerativeModel` protocol: what the rest of the app needs from any model.

Every adapter (the project's own VAE, TorchScript, a user's Python adapter file ...) turns
the model's own conventions into these, so nothing outside ``core/models`` knows about
tuples, logits, ``[-1, 1]`` outputs, channel-first tensors or non-flat latents:

- latents are always **flat** ``float32`` arrays ``(B, latent_dim)``; ``latent_shape`` says how
  the adapter reshapes them for the network;
- images are always ``float32`` ``(B, H, W, C)`` in [0, 1], C 1 or 3 (or ``(B, L)`` for a
  model whose output is a 1-D signal; then ``image_shape`` is ``(L,)``).
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt


class OutputRange(StrEnum):
    """How a network's raw output values map to pixel intensities."""

    UNIT = "0,1"
    """Values already in [0, 1] (a sigmoid output)."""
    SYMMETRIC = "-1,1"
    """Values in [-1, 1] (a tanh output, common for GANs)."""
    LOGITS = "logits"
    """Unbounded logits; pixels are ``sigmoid(x)``."""
    BYTE = "0,255"
    """Values in [0, 255]."""

    def to_unit(self, values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Map raw outputs to [0, 1] (clipped)."""
        if self is OutputRange.SYMMETRIC:
            values = (values + 1.0) * 0.5
        elif self is OutputRange.LOGITS:
            values = (1.0 / (1.0 + np.exp(-np.clip(values, -60.0, 60.0)))).astype(np.float32)
        elif self is OutputRange.BYTE:
            values = values * (1.0 / 255.0)
        return np.clip(values, 0.0, 1.0).astype(np.float32, copy=False)

    def from_unit(self, values: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Map [0, 1] pixels to what an encoder expecting this range takes."""
        if self is OutputRange.SYMMETRIC:
            return (values * 2.0 - 1.0).astype(np.float32, copy=False)
        if self is OutputRange.BYTE:
            return (values * 255.0).astype(np.float32, copy=False)
        return values.astype(np.float32, copy=False)


@runtime_checkable
class GenerativeModel(Protocol):
    """A decoder (and maybe an encoder) between latent codes and images."""

    name: str
    """Short name shown to the user."""
    source: str
    """How to reopen it with ``load_model`` (``demo``, a path)."""
    latent_shape: tuple[int, ...]
    """The shape one latent has inside the network, e.g. ``(8,)`` or ``(8, 2, 2)``."""
    image_shape: tuple[int, ...]
    """``(H, W, C)`` of a decoded image, or ``(L,)`` for a 1-D signal."""
    num_classes: int
    """Number of classes a conditional decoder takes (0: unconditional)."""

    @property
    def latent_dim(self) -> int:
        """Number of values in one flat latent."""
        ...

    @property
    def has_encoder(self) -> bool:
        """Whether :meth:`encode` works (a GAN generator has none)."""
        ...

    def decode(
        self, latents: npt.NDArray[np.float32], labels: npt.NDArray[np.int64] | None = None
    ) -> npt.NDArray[np.float32]:
        """Decode ``(B, latent_dim)`` latents into ``(B, *image_shape)`` float32 in [0, 1].

        Raises :class:`~latent_explorer.core.errors.ModelOutputError` if the network raises
        or returns non-finite values.
        """
        ...

    def encode(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Encode ``(B, H, W, C)`` float32 images in [0, 1] into ``(B, latent_dim)`` means."""
        ...

    def fingerprint(self) -> str:
        """A content hash of the weights and settings (used to key caches)."""
        ...


@runtime_checkable
class LatentSampler(Protocol):
    """A model whose prior is not the standard normal in its latent space.

    A StyleGAN's latent is ``w``: its prior is ``z ~ N(0, 1)`` for a seed, mapped to ``w`` by
    the mapping network. Models that have this method get their prior maps and previews from
    it (see :func:`draw_latents`).
    """

    def sample_latents(self, count: int, seed: int = 0,
                       label: int | None = None) -> npt.NDArray[np.float32]:
        """``(count, latent_dim)`` latents from the model's prior (class ``label``)."""
        ...

    def describe_samples(self, count: int, seed: int = 0) -> tuple[str, str]:
        """A short name and a note for a map of :meth:`sample_latents`."""
        ...


def draw_latents(model: GenerativeModel, count: int, seed: int | None = None,
                 label: int | None = None) -> npt.NDArray[np.float32]:
    """``count`` latents from ``model``'s prior: its own (:class:`LatentSampler`) if it has
    one, else the standard normal."""
    if isinstance(model, LatentSampler):
        return np.asarray(model.sample_latents(count, seed=seed or 0, label=label),
                          dtype=np.float32)
    return sample_prior(count, model.latent_dim, seed=seed)


def flat_dim(shape: tuple[int, ...]) -> int:
    """Number of values in a latent of ``shape``."""
    return int(math.prod(shape))


def to_uint8(images: npt.NDArray[np.float32]) -> npt.NDArray[np.uint8]:
    """Convert [0, 1] float images to uint8 (rounding), for display and export."""
    return (np.clip(images, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def sample_prior(
    count: int, latent_dim: int, seed: int | None = None, scale: float = 1.0
) -> npt.NDArray[np.float32]:
    """Draw ``count`` latents from the standard normal prior."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((count, latent_dim)) * scale).astype(np.float32)
