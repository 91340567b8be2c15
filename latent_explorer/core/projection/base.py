"""The :class:`Projector` protocol: latents to map coordinates, and back.

A projector is fitted once on the encoded dataset. After that it maps new latents onto the map
(:meth:`Projector.transform`, used for the "you are here" marker) and map positions back to
latents (:meth:`Projector.inverse`, used by the probe). Both run on every mouse move, so they
must be fast (well under a millisecond for one point).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

METHODS = ("pca", "umap", "tsne")
"""The methods fitted on the latents."""
MAP_METHODS = (*METHODS, "table")
"""Every kind of map: the fitted methods, and ``table`` (x and y read from two of a table's
columns, see :mod:`~latent_explorer.core.projection.table_projector`)."""


@dataclass(frozen=True)
class ProjectionParams:
    """What to compute: method, number of map dimensions and the method's own settings.

    ``options`` holds method-specific settings as sorted ``(name, value)`` pairs, e.g.
    ``(("min_dist", 0.1), ("n_neighbors", 15))`` for UMAP or ``(("perplexity", 30.0),)`` for
    t-SNE, so the params stay hashable and can key a cache.
    """

    method: str = "pca"
    n_components: int = 2
    seed: int = 0
    options: tuple[tuple[str, Any], ...] = field(default_factory=tuple)

    def option(self, name: str, default: Any) -> Any:
        """The value of option ``name``, or ``default``."""
        return dict(self.options).get(name, default)

    def key(self) -> str:
        """A stable text form, used in cache keys."""
        opts = ",".join(f"{k}={v}" for k, v in sorted(self.options))
        return f"{self.method}:{self.n_components}:{self.seed}:{opts}"


@runtime_checkable
class Projector(Protocol):
    """A fitted map between latents ``(N, D)`` and map coordinates ``(N, n_components)``."""

    params: ProjectionParams
    coords: npt.NDArray[np.float32]
    """Map coordinates of the latents it was fitted on."""

    def transform(self, latents: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Place new latents ``(B, D)`` on the map, ``(B, n_components)``."""
        ...

    def inverse(self, coords: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Latents ``(B, D)`` for map positions ``(B, n_components)``."""
        ...
