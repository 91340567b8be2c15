"""Two models decoding the same latents, their images placed side by side (A/B compare)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import IncompatibleError
from latent_explorer.core.models.base import GenerativeModel

GAP = 0.1
"""Width of the dark gap between the two images, as a fraction of their height."""


def _as_rgb(images: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    if images.shape[-1] == 3:
        return images
    return np.repeat(images, 3, axis=-1)


def _resize_nearest(images: npt.NDArray[np.float32], height: int) -> npt.NDArray[np.float32]:
    h, w = images.shape[1:3]
    if h == height:
        return images
    rows = (np.arange(height) * h // height).clip(0, h - 1)
    width = max(1, round(w * height / h))
    cols = (np.arange(width) * w // width).clip(0, w - 1)
    return images[:, rows][:, :, cols]


class SideBySideModel:
    """A :class:`GenerativeModel` whose image is model A's beside model B's.

    Both take the same latents (their latent sizes must match). Images are brought to the
    taller one's height by nearest-neighbour scaling and to RGB when either is in colour.
    Used to export side-by-side comparison videos with the ordinary exporter.
    """

    def __init__(self, a: GenerativeModel, b: GenerativeModel) -> None:
        if a.latent_dim != b.latent_dim:
            raise IncompatibleError(
                f"{a.name} takes {a.latent_dim} latent values but {b.name} takes {b.latent_dim};"
                " A/B comparison needs the same latent size")
        if len(a.image_shape) != 3 or len(b.image_shape) != 3:
            raise IncompatibleError("A/B comparison needs two image models")
        self.a, self.b = a, b
        self.name = f"{a.name} | {b.name}"
        self.source = f"compare:{a.source}|{b.source}"
        self.latent_shape = tuple(a.latent_shape)
        self.num_classes = a.num_classes
        self.height = max(a.image_shape[0], b.image_shape[0])
        self.gap = max(1, round(self.height * GAP))
        channels = 3 if 3 in (a.image_shape[2], b.image_shape[2]) else 1
        widths = [round(m.image_shape[1] * self.height / m.image_shape[0]) for m in (a, b)]
        self.image_shape = (self.height, widths[0] + self.gap + widths[1], channels)

    @property
    def latent_dim(self) -> int:
        """Number of values in one flat latent."""
        return self.a.latent_dim

    @property
    def has_encoder(self) -> bool:
        """A comparison only decodes."""
        return False

    def decode(self, latents: npt.NDArray[np.float32],
               labels: npt.NDArray[np.int64] | None = None) -> npt.NDArray[np.float32]:
        """Decode with both models and join the images left (A) and right (B)."""
        left = _resize_nearest(self.a.decode(latents, labels), self.height)
        right = _resize_nearest(self.b.decode(latents, labels if self.b.num_classes else None),
                                self.height)
        if self.image_shape[2] == 3:
            left, right = _as_rgb(left), _as_rgb(right)
        gap = np.zeros((len(left), self.height, self.gap, self.image_shape[2]), dtype=np.float32)
        return np.concatenate([left, gap, right], axis=2)

    def encode(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Not available: a comparison has no encoder."""
        raise IncompatibleError("an A/B comparison has no encoder")

    def fingerprint(self) -> str:
        """Both models' fingerprints."""
        return f"{self.a.fingerprint()}|{self.b.fingerprint()}"
