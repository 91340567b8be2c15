"""The model slot of a map that has no generative model: vectors with nothing to decode them.

A map of embeddings from another network (CLIP, DINO, a user's own encoder), or of a
dataset's own pixels before any model was trained, still has "latents" (the vectors) but no
decoder. :class:`NoDecoder` stands where the window expects a model, so everything that only
needs the vectors (the map, colours, neighbours, filters, clusters, selections, sessions) works
unchanged; everything that would decode asks :attr:`NoDecoder.has_decoder` first and hides
itself with :attr:`NoDecoder.reason`. Calling :meth:`NoDecoder.decode` anyway raises
:class:`NoDecoderError`, naming why, instead of returning made-up pictures.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import IncompatibleError

PIXELS_SPEC = "pixels"
"""The model spec of a map of a dataset's own pixels (no model)."""


class NoDecoderError(IncompatibleError):
    """Something asked for a decoded image on a map that has no decoder."""


class NoDecoder:
    """What the window holds as its model when the map's vectors came without one.

    Parameters
    ----------
    latent_dim
        Length of one vector.
    source
        The spec that reopens the map (``pixels``, or a ``vectors:`` spec, see
        :mod:`latent_explorer.core.compute.vectors_workspace`).
    name
        Shown to the user, e.g. ``"no model (pixels)"``.
    reason
        One line saying why there is no decoder; the window shows it where decoder-only
        controls would be.
    fingerprint
        A content key of the vectors (keys the projection cache).
    """

    num_classes = 0
    has_decoder = False
    """Always ``False``: the window hides what would decode (probe, sliders, paths, A/B)."""

    def __init__(self, latent_dim: int, source: str, name: str, reason: str,
                 fingerprint: str) -> None:
        self.latent_shape: tuple[int, ...] = (int(latent_dim),)
        self.image_shape: tuple[int, ...] = ()
        """Empty: nothing is decoded, so nothing has a decoded image shape."""
        self.source = source
        self.name = name
        self.reason = reason
        self._fingerprint = fingerprint

    @property
    def latent_dim(self) -> int:
        """Number of values in one vector."""
        return self.latent_shape[0]

    @property
    def has_encoder(self) -> bool:
        """``False``: new images cannot be placed among vectors made elsewhere."""
        return False

    def decode(self, latents: npt.NDArray[np.float32],
               labels: npt.NDArray[np.int64] | None = None) -> npt.NDArray[np.float32]:
        """Raise :class:`NoDecoderError`: there is no decoder."""
        raise NoDecoderError(f"{self.name}: nothing to decode with ({self.reason})")

    def encode(self, images: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Raise :class:`NoDecoderError`: there is no encoder either."""
        raise NoDecoderError(f"{self.name} has no encoder ({self.reason})")

    def fingerprint(self) -> str:
        """The content key of the vectors."""
        return self._fingerprint


def has_decoder(model: object) -> bool:
    """Whether ``model`` can decode (every model but :class:`NoDecoder`)."""
    return bool(getattr(model, "has_decoder", True))
