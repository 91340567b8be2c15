"""t-SNE maps (scikit-learn), fitted in a child process so the job can be cancelled.

Barnes-Hut t-SNE supports 2-D and 3-D maps (``n_components < 4``), so both use it. t-SNE is
slow and its cost grows faster than linearly, so above ``fit_sample`` points (default 20,000)
it fits a random sample and places the rest by their neighbours (``projector.sampled``).

Options (``ProjectionParams.options``): ``perplexity`` (30; lowered to ``(N - 1) / 3`` for
small N, as t-SNE needs), ``max_iter`` (1000) and ``fit_sample`` (20,000).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.projection.base import ProjectionParams
from latent_explorer.core.projection.checks import check_latents, check_params
from latent_explorer.core.projection.neighbor_projector import (
    NeighborProjector,
    checked_fit_sample,
    fit_on_sample,
)
from latent_explorer.core.projection.subprocess_runner import run_in_child

MIN_POINTS = 10
DEFAULT_FIT_SAMPLE = 20_000
_THREADED_FROM = 5_000


class TSNEProjector(NeighborProjector):
    """A fitted t-SNE map; transform and inverse go through the neighbour map."""


def fit_tsne(
    latents: npt.ArrayLike, params: ProjectionParams, ctx: JobContext | None = None
) -> TSNEProjector:
    """Fit a t-SNE map of ``latents`` ``(N, D)`` in a cancellable child process.

    Parameters
    ----------
    latents
        The encoded dataset.
    params
        ``method="tsne"``, ``n_components`` 2 or 3, ``seed`` and the options listed in the
        module docs.
    ctx
        Progress (indeterminate while t-SNE runs) and cancel.

    Raises
    ------
    JobCancelled
        When cancelled; the child process is gone by then.
    LatentExplorerError
        For bad input or options, or when t-SNE failed in the child.
    """
    ctx = ctx or null_context()
    check_params(params)
    data = check_latents(latents, min_points=MIN_POINTS)
    perplexity = params.option("perplexity", 30.0)
    max_iter = params.option("max_iter", 1000)
    if not isinstance(perplexity, int | float) or perplexity <= 1.0:
        raise LatentExplorerError(f"t-SNE perplexity must be a number > 1, got {perplexity!r}")
    if not isinstance(max_iter, int | np.integer) or max_iter < 250:
        raise LatentExplorerError(f"t-SNE max_iter must be an integer >= 250, got {max_iter!r}")
    fit_sample = checked_fit_sample(params, DEFAULT_FIT_SAMPLE)

    def embed(sample: npt.NDArray[np.float32], sub: JobContext) -> npt.NDArray[np.float32]:
        kwargs = {
            "n_components": params.n_components,
            "perplexity": float(min(perplexity, (len(sample) - 1) / 3.0)),
            "max_iter": int(max_iter),
            "seed": params.seed,
        }
        message = f"t-SNE: fitting {len(sample):,} points ..."
        result = run_in_child(_QUALNAME, {"latents": sample}, kwargs, sub, message)
        coords = result["coords"]
        if coords.shape != (len(sample), params.n_components) or not np.isfinite(coords).all():
            raise LatentExplorerError("t-SNE returned unusable coordinates (NaN or wrong shape)")
        return np.asarray(coords, dtype=np.float32)

    coords, sampled = fit_on_sample(
        data, embed, fit_sample=fit_sample, seed=params.seed, ctx=ctx, label="t-SNE"
    )
    return TSNEProjector(params, coords, data, sampled)


def tsne_in_child(
    arrays: dict[str, npt.NDArray[Any]],
    *,
    n_components: int,
    perplexity: float,
    max_iter: int,
    seed: int,
) -> dict[str, npt.NDArray[Any]]:
    """Run scikit-learn's t-SNE; called in the child process by :func:`run_in_child`."""
    from sklearn.manifold import TSNE  # heavy: only ever imported in the child
    from threadpoolctl import threadpool_limits

    latents = np.asarray(arrays["latents"], dtype=np.float32)
    # Below a few thousand points OpenMP's thread start-up and spin-waiting cost more than the
    # gradient itself (5x slower on a busy 2-core machine), so run those on one thread.
    threads = 1 if len(latents) < _THREADED_FROM else None
    tsne = TSNE(
        n_components=n_components,
        perplexity=perplexity,
        max_iter=max_iter,
        init="pca",
        learning_rate="auto",
        method="barnes_hut",
        random_state=seed,
    )
    with threadpool_limits(limits=threads):
        coords = tsne.fit_transform(latents)
    return {"coords": np.asarray(coords, dtype=np.float32)}


_QUALNAME = f"{__name__}:{tsne_in_child.__name__}"
