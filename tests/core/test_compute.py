"""Encoding jobs, the content-keyed cache, latent statistics and the job context."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.analysis.latent_stats import compute_latent_stats
from latent_explorer.core.compute.cache import ResultCache
from latent_explorer.core.compute.encoding import encode_dataset
from latent_explorer.core.compute.pipeline import encode_cached, project_cached
from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.errors import IncompatibleError, JobCancelled
from latent_explorer.core.jobs import JobContext
from latent_explorer.core.projection.base import ProjectionParams
from tests.core.fakes import LinearModel


def _dataset(n: int = 50, side: int = 4) -> ArrayDataset:
    rng = np.random.default_rng(1)
    images = rng.integers(0, 256, size=(n, side, side, 1), dtype=np.uint8)
    return ArrayDataset("random", "test", images, labels=np.arange(n) % 3)


def test_encode_in_batches_matches_one_call_and_reports_progress() -> None:
    model, data = LinearModel(), _dataset()
    seen: list[float | None] = []
    latents = encode_dataset(model, data, JobContext(lambda f, m: seen.append(f)), batch_size=7)
    expected = model.encode(data.float_batch(0, len(data)))
    np.testing.assert_allclose(latents, expected, rtol=1e-5, atol=1e-5)
    assert seen[-1] == 1.0 and len(seen) >= 8


def test_encode_refuses_a_model_for_other_images() -> None:
    with pytest.raises(IncompatibleError, match=r"4x4x1 images .* 5x5x1"):
        encode_dataset(LinearModel(), _dataset(side=5))


def test_encode_stops_when_cancelled() -> None:
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(JobCancelled):
        encode_dataset(LinearModel(), _dataset(), ctx)


def test_cache_hits_on_equal_content_and_survives_corruption(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    model, data = LinearModel(), _dataset()
    first = encode_cached(model, data, cache)
    model.encode = None  # type: ignore[assignment]  # a second encode would now fail
    again = encode_cached(model, _dataset(), cache)  # same content, new object
    np.testing.assert_array_equal(first, again)
    entry = next((tmp_path / "latents").glob("*.npz"))
    entry.write_bytes(b"not a zip")
    assert cache.load("latents", entry.stem) is None and not entry.exists()


def test_projection_cache_rebuilds_the_projector(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path)
    latents = np.random.default_rng(0).standard_normal((60, 5)).astype(np.float32)
    params = ProjectionParams("pca", 2)
    fitted = project_cached(latents, params, cache)
    reloaded = project_cached(latents, params, cache)
    np.testing.assert_allclose(fitted.coords, reloaded.coords)
    point = np.array([[0.3, -0.2]], dtype=np.float32)
    np.testing.assert_allclose(fitted.inverse(point), reloaded.inverse(point), atol=1e-5)


def test_latent_stats_bases_round_trip() -> None:
    latents = np.random.default_rng(2).standard_normal((400, 6)).astype(np.float32)
    latents[:, 0] *= 5
    stats = compute_latent_stats(latents)
    z = latents[17]
    for basis in ("raw", "pca"):
        values = stats.to_basis(z, basis)
        np.testing.assert_allclose(stats.from_basis(values, basis), z, atol=1e-4)
        lo, hi = stats.ranges[basis].T
        assert np.all(lo < hi)
        assert stats.histograms[basis].shape == (6, 32)
        assert np.allclose(stats.histograms[basis].max(axis=1), 1.0)
    # The first principal direction follows the stretched axis.
    assert abs(stats.components[0, 0]) > 0.95
    assert stats.explained[0] > 0.5


def test_job_context_sub_ranges_and_cancel() -> None:
    seen: list[float | None] = []
    ctx = JobContext(lambda f, m: seen.append(f))
    sub = ctx.sub(0.5, 1.0)
    sub.progress(0.5, "half of the second half")
    assert seen == [0.75]
    ctx.cancel()
    with pytest.raises(JobCancelled):
        sub.check()
