"""The steps from files to a map, with the disk cache in between.

dataset + model -> :func:`encode_cached` -> latents -> :func:`project_cached` -> projector.
Reopening the same dataset with the same model and parameters reads both from the cache.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt

from latent_explorer.core.analysis.latent_stats import LatentStats
from latent_explorer.core.compute.cache import ResultCache, cache_key, enabled_folder
from latent_explorer.core.compute.encoding import encode_dataset
from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.jobs import JobContext, null_context
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.models.trust import Trust
from latent_explorer.core.projection.base import ProjectionParams, Projector

LATENTS_VERSION = "1"
AUTO_MODEL_SPEC = "auto"
"""The model spec for "the demo model if it fits the dataset, else a map of its pixels"."""
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

    @property
    def has_decoder(self) -> bool:
        """Whether the model decodes (``False`` for embeddings or pixels with no model)."""
        return bool(getattr(self.model, "has_decoder", True))

    @property
    def has_images(self) -> bool:
        """Whether the samples have pictures (``False`` for vectors given alone)."""
        return bool(getattr(self.dataset, "has_images", True))

    def picture(self, index: int) -> npt.NDArray[np.uint8] | None:
        """Sample ``index``'s picture, or ``None`` when it has none (vectors that came
        without pictures, or a table row whose image cell is empty)."""
        if not self.has_images:
            return None
        pictured = getattr(self.dataset, "pictured", None)
        if pictured is not None and not pictured[int(index)]:
            return None
        picture: npt.NDArray[np.uint8] = self.dataset.images[int(index)]
        return picture


def open_workspace(
    dataset: Dataset | str,
    model: GenerativeModel | str,
    params: ProjectionParams | None = None,
    cache: ResultCache | None = None,
    ctx: JobContext | None = None,
    trust_code: Trust = False,
    labels: str | None = None,
    pixels_if_unfit: bool = False,
    image_size: int | tuple[int, int] | None = None,
) -> Workspace:
    """Load (if given as specs), encode and project: everything the map needs.

    ``params`` defaults to a 2-D PCA, which is instant; the window refines it with UMAP or
    t-SNE afterwards.

    ``model`` may also name a map with no decoder: ``pixels`` (the dataset's own pixels),
    a ``vectors:`` spec (embeddings, see
    :func:`~latent_explorer.core.compute.vectors_workspace.open_latents_workspace`), or
    ``auto``: the demo model where it fits the dataset, else the pixels (what ``gui
    --dataset`` does when no model is given). ``pixels_if_unfit``: a model that cannot encode
    the dataset gives the map of its pixels instead of an error (the window does so when a
    dataset is opened for the model already shown). ``image_size`` is the size to load a
    folder or zip of images at; the resized images are kept in ``cache``'s folder.
    """
    from latent_explorer.core.analysis.latent_stats import compute_latent_stats
    from latent_explorer.core.compute import vectors_workspace as vw
    from latent_explorer.core.compute.prior_map import (
        DEFAULT_PRIOR_SAMPLES,
        is_prior_spec,
        prior_count,
        prior_dataset,
    )
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models import load_model

    ctx = ctx or null_context()
    cache_dir = enabled_folder(cache)
    if model == AUTO_MODEL_SPEC:
        dataset, model = _auto_model(dataset, ctx, labels, image_size, cache_dir)
    elif getattr(model, "has_decoder", True) is False:
        model = _reopen_spec(model, dataset)
    if vw.is_no_model_spec(model):
        assert isinstance(model, str)
        return vw.open_spec_workspace(dataset, model, params, cache, ctx, labels, image_size)
    if isinstance(model, str):
        ctx.progress(0.0, f"Loading model {model}")
        spec = model
        try:
            model = load_model(spec, trust_code=trust_code)
        except LatentExplorerError as first:
            # A file that does not say its latent shape may say it by encoding an image.
            dataset, model = _load_on_images(spec, dataset, first, trust_code, labels,
                                             image_size, cache_dir)
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
            dataset = load_dataset(dataset, labels=labels, ctx=ctx.sub(0.05, 0.25),
                                   image_size=image_size, cache_dir=cache_dir)
        from latent_explorer.core.models.calibration import fit_to_dataset

        # An image family at the data's size; a file's guesses settled on a few images.
        model = fit_to_dataset(model, dataset)
        if pixels_if_unfit:
            from latent_explorer.core.compute.encoding import check_compatible
            from latent_explorer.core.compute.pixel_map import open_pixels_workspace
            from latent_explorer.core.errors import IncompatibleError

            try:
                check_compatible(model, dataset)
            except IncompatibleError as exc:
                return open_pixels_workspace(dataset, params, cache, ctx.sub(0.25, 1.0),
                                             why=str(exc))
        latents = encode_cached(model, dataset, cache, ctx.sub(0.25, 0.8))
    key = latents_key(model, dataset)
    projector = project_cached(latents, params or ProjectionParams(), cache,
                               ctx.sub(0.8, 0.95), key)
    stats = compute_latent_stats(latents)
    ctx.progress(1.0, "Ready")
    return Workspace(dataset, model, latents, key, projector, stats)


def _load_on_images(spec: str, dataset: Dataset | str, first: LatentExplorerError,
                    trust_code: Trust, labels: str | None,
                    image_size: int | tuple[int, int] | None, cache_dir: Path | None
                    ) -> tuple[Dataset | str, GenerativeModel]:
    """Open model ``spec`` again, tried on a few images of ``dataset``; ``first`` (the error
    of opening it alone) stands when there are no images or that fails too."""
    from latent_explorer.core.compute.prior_map import is_prior_spec
    from latent_explorer.core.compute.store_workspace import is_store_spec
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models import load_model
    from latent_explorer.core.models.calibration import COUNT

    source = dataset if isinstance(dataset, str) else dataset.source
    if is_prior_spec(source) or is_store_spec(source):
        raise first
    try:
        if isinstance(dataset, str):
            dataset = load_dataset(dataset, labels=labels, image_size=image_size,
                                   cache_dir=cache_dir)
        if not len(dataset):
            raise first
        samples = dataset.float_batch(0, min(COUNT, len(dataset)))
        return dataset, load_model(spec, trust_code=trust_code, sample_images=samples)
    except LatentExplorerError:
        raise first from None


def _auto_model(dataset: Dataset | str, ctx: JobContext, labels: str | None,
                image_size: int | tuple[int, int] | None, cache_dir: Path | None
                ) -> tuple[Dataset, GenerativeModel | str]:
    """The demo model where it can encode ``dataset``, else ``pixels`` (no model)."""
    from latent_explorer.core.compute.encoding import check_compatible
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.errors import IncompatibleError
    from latent_explorer.core.models import load_model
    from latent_explorer.core.models.no_decoder import PIXELS_SPEC

    if isinstance(dataset, str):
        ctx.progress(0.0, f"Reading {dataset}")
        dataset = load_dataset(dataset, labels=labels, ctx=ctx.sub(0.0, 0.25),
                               image_size=image_size, cache_dir=cache_dir)
    demo = load_model("demo")
    try:
        check_compatible(demo, dataset)
    except IncompatibleError:
        return dataset, PIXELS_SPEC
    return dataset, demo


def _reopen_spec(model: object, dataset: Dataset | str) -> str:
    """What to open when another dataset is opened while a map with no decoder is shown:
    that dataset's pixels, or the same vectors with those images."""
    from latent_explorer.core.compute.vectors_workspace import VectorsSpec, is_vectors_spec
    from latent_explorer.core.models.no_decoder import PIXELS_SPEC

    source = str(getattr(model, "source", PIXELS_SPEC))
    if not is_vectors_spec(source):
        return PIXELS_SPEC
    spec = VectorsSpec.parse(source)
    images = dataset if isinstance(dataset, str) else dataset.source
    if images and images != spec.latents:
        spec = VectorsSpec(spec.latents, images, spec.metadata)
    return spec.to_spec()
