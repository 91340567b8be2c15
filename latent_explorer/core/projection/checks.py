"""Input checks shared by every projection method.

Each check raises :class:`~latent_explorer.core.errors.LatentExplorerError` with a message a
user can act on, so a bad array never reaches scikit-learn or umap-learn (whose own errors
are hard to read).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.projection.base import ProjectionParams


def check_latents(
    latents: npt.ArrayLike, *, min_points: int = 2, what: str = "latents"
) -> npt.NDArray[np.float32]:
    """Return ``latents`` as a C-contiguous float32 ``(N, D)`` array, or raise.

    Parameters
    ----------
    latents
        The array to check.
    min_points
        The fewest rows the caller can work with.
    what
        How to name the array in messages.

    Raises
    ------
    LatentExplorerError
        If the array is not two-dimensional, has too few rows, no columns, or holds NaN or
        infinite values.
    """
    array = np.ascontiguousarray(latents, dtype=np.float32)
    if array.ndim != 2:
        raise LatentExplorerError(
            f"{what} must be a 2-D array (points x dimensions), got shape {array.shape}"
        )
    if array.shape[1] < 1:
        raise LatentExplorerError(f"{what} have no dimensions (shape {array.shape})")
    if array.shape[0] < min_points:
        raise LatentExplorerError(
            f"{what}: need at least {min_points} points, got {array.shape[0]}"
        )
    finite = np.isfinite(array)
    if not finite.all():
        bad_rows = np.flatnonzero(~finite.all(axis=1))
        first = ", ".join(str(i) for i in bad_rows[:5])
        more = " ..." if bad_rows.size > 5 else ""
        raise LatentExplorerError(
            f"{what} contain NaN or infinite values in {bad_rows.size} row(s) "
            f"(first: {first}{more}); the model's encoder may have diverged"
        )
    return array


def check_queries(
    queries: npt.ArrayLike, width: int, what: str
) -> tuple[npt.NDArray[np.float64], bool]:
    """Return queries as a float64 ``(B, width)`` array, and whether a single row was given.

    A 1-D query of length ``width`` is accepted as one row; callers squeeze the result back.
    """
    array = np.asarray(queries, dtype=np.float64)
    single = array.ndim == 1
    if single:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != width:
        raise LatentExplorerError(
            f"{what} must have shape (B, {width}) or ({width},), got {np.shape(queries)}"
        )
    if not np.isfinite(array).all():
        raise LatentExplorerError(f"{what} contain NaN or infinite values")
    return array, single


def check_params(params: ProjectionParams) -> None:
    """Raise unless ``params.n_components`` is 2 or 3."""
    if params.n_components not in (2, 3):
        raise LatentExplorerError(
            f"a map has 2 or 3 dimensions, got n_components={params.n_components}"
        )
