"""Easing curves: how a segment's local position ``u`` in [0, 1] maps to its blend position.

Every curve maps 0 to 0 and 1 to 1 exactly and is monotone on [0, 1]; :data:`EASINGS` lists
them by the names the session and the command line use.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError

Easing = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]
"""Maps an array of positions in [0, 1] to eased positions in [0, 1]."""


def linear(u: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Constant speed."""
    return np.asarray(u, dtype=np.float64)


def ease_in(u: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Start slowly, arrive at full speed (quadratic)."""
    u = np.asarray(u, dtype=np.float64)
    return u * u


def ease_out(u: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Start at full speed, arrive slowly (quadratic)."""
    u = np.asarray(u, dtype=np.float64)
    return 1.0 - (1.0 - u) * (1.0 - u)


def ease_in_out(u: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slow at both ends (smoothstep, ``3u^2 - 2u^3``): pauses gently at each anchor."""
    u = np.asarray(u, dtype=np.float64)
    return u * u * (3.0 - 2.0 * u)


def cosine(u: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slow at both ends, along half a cosine wave."""
    u = np.asarray(u, dtype=np.float64)
    out = 0.5 - 0.5 * np.cos(np.pi * u)
    return np.where(u == 1.0, 1.0, np.where(u == 0.0, 0.0, out))


EASINGS: dict[str, Easing] = {
    "linear": linear,
    "ease_in": ease_in,
    "ease_out": ease_out,
    "ease_in_out": ease_in_out,
    "cosine": cosine,
}


def get_easing(name: str) -> Easing:
    """The easing called ``name``; raises :class:`LatentExplorerError` listing the names."""
    try:
        return EASINGS[name]
    except KeyError:
        raise LatentExplorerError(
            f"unknown easing {name!r}; choose one of {', '.join(EASINGS)}"
        ) from None
