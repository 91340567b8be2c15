"""The steps from files to a map, with the disk cache in between.

dataset + model -> :func:`encode_cached` -> latents -> :func:`project_cached` -> projector.
Reopening the same dataset with the same model and parameters reads both from the cache.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from latent_explorer.core.analysis.latent_stats import LatentStats
from latent_explorer.core.compute.cache import ResultCache, cache_key
from latent_explorer.core.compute.encoding import encode_dataset
from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.models.trust import Trust
from latent_explorer.core.projection.base import ProjectionParams, Projector

LATENTS_VERSION = "1"
PROJECTION_VERSION = "1"


def latents_key(model: GenerativeModel, dataset: Dataset) -> str:
    """The cache key of ``dataset`` encoded by ``model``."""
    return cache_key("latents", LATENTS_VERSION, model.fingerprint(), dataset.fingerprint())


def encode_cached(
    model: GenerativeModel,
    dataset: Dataset,
    cache: ResultCache | None = None,
    ctx: JobContext | None = None,
) -> npt.NDArray[np.float32]:
    """Encode ``dataset`` with ``model``, or read the latents from ``cache``."""
    ctx = ctx or null_context()
    cache = cache if cache is not None else ResultCache(enabled=False)
    key = latents_key(model, dataset)
    hit = cache.load("latents", key)
    if hit is not None and hit["latents"].shape == (len(dataset), model.latent_dim):
        ctx.progress(1.0, "Latents read from the cache")
        return hit["latents"].astype(np.float32, copy=False)
    latents = encode_dataset(model, dataset, ctx)
    cache.store("latents", key, {"latents": latents})
    return latents


def latents_fingerprint(latents: npt.NDArray[np.float32]) -> str:
    """A content key for a latent array (used when latents did not come from the cache)."""
    import hashlib

    digest = hashlib.sha256(repr(latents.shape).encode())
    digest.update(np.ascontiguousarray(latents).tobytes())
    return digest.hexdigest()[:40]


def project_cached(
    latents: npt.NDArray[np.float32],
    params: ProjectionParams,
    cache: ResultCache | None = None,
    ctx: JobContext | None = None,
    latents_id: str | None = None,
) -> Projector:
    """Fit ``params`` on ``latents``, or rebuild the fitted projector from ``cache``.

    ``latents_id`` is a content key of ``latents`` (e.g. :func:`latents_key`); it is computed
    from the array when not given.
    """
    from latent_explorer.core.projection import fit_projection, projector_from_arrays

    ctx = ctx or null_context()
    cache = cache if cache is not None else ResultCache(enabled=False)
    key = cache_key(
        "projection", PROJECTION_VERSION, latents_id or latents_fingerprint(latents), params.key()
    )
    hit = cache.load("projection", key)
    if hit is not None:
        try:
            projector = projector_from_arrays(params, hit)
        except (KeyError, ValueError, LatentExplorerError):
            projector = None
        if projector is not None and len(projector.coords) == len(latents):
            ctx.progress(1.0, f"{params.method.upper()} map read from the cache")
            return projector
    projector = fit_projection(latents, params, ctx)
    cache.store("projection", key, projector.to_arrays())
    return projector


class Workspace:
    """What the window shows: a dataset, a model, the latents and a fitted map.

    Built off the GUI thread by :func:`open_workspace`, then handed to the window whole, so a
    failed load never leaves a half-changed window behind.
    """

    def __init__(self, dataset: Dataset, model: GenerativeModel,
                 latents: npt.NDArray[np.float32], latents_id: str, projector: Projector,
                 stats: LatentStats) -> None:
        self.dataset = dataset
        self.model = model
        self.latents = latents
        self.latents_id = latents_id
        self.projector = projector
        self.stats = stats


def open_workspace(
    dataset: Dataset | str,
    model: GenerativeModel | str,
    params: ProjectionParams | None = None,
    cache: ResultCache | None = None,
    ctx: JobContext | None = None,
    trust_code: Trust = False,
    labels: str | None = None,
) -> Workspace:
    """Load (if given as specs), encode and project: everything the map needs.

    ``params`` defaults to a 2-D PCA, which is instant; the window refines it with UMAP or
    t-SNE afterwards.
    """
    from latent_explorer.core.analysis.latent_stats import compute_latent_stats
    from latent_explorer.core.compute.prior_map import (
        DEFAULT_PRIOR_SAMPLES,
        is_prior_spec,
        prior_count,
        prior_dataset,
    )
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models import load_model

    ctx = ctx or null_context()
    if isinstance(model, str):
        ctx.progress(0.0, f"Loading model {model}")
        model = load_model(model, trust_code=trust_code)
    from latent_explorer.core.compute.store_workspace import is_store_spec, store_dataset

    spec = dataset if isinstance(dataset, str) else dataset.source
    if is_store_spec(spec):
        # Latents encoded elsewhere (encode-distributed): no encoding here.
        dataset, latents = store_dataset(spec, model, ctx.sub(0.05, 0.8))
    elif not model.has_encoder or is_prior_spec(spec):
        # Decoder-only (or asked for): map latents drawn from the prior, not a dataset.
        count = prior_count(spec) if is_prior_spec(spec) else DEFAULT_PRIOR_SAMPLES
        dataset, latents = prior_dataset(model, count, ctx=ctx.sub(0.1, 0.8))
    else:
        if isinstance(dataset, str):
            ctx.progress(0.05, f"Reading {dataset}")
            dataset = load_dataset(dataset, labels=labels, ctx=ctx.sub(0.05, 0.25))
        latents = encode_cached(model, dataset, cache, ctx.sub(0.25, 0.8))
    key = latents_key(model, dataset)
    projector = project_cached(latents, params or ProjectionParams(), cache,
                               ctx.sub(0.8, 0.95), key)
    stats = compute_latent_stats(latents)
    ctx.progress(1.0, "Ready")
    return Workspace(dataset, model, latents, key, projector, stats)
