"""Outlier scores rank planted outliers first."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from latent_explorer.core.analysis.outliers import (
    density_scores,
    reconstruction_error,
    top_outliers,
)
from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.errors import IncompatibleError, JobCancelled
from latent_explorer.core.jobs import JobContext
from tests.core.fakes import LinearModel


def _planted(count: int = 2000, seed: int = 0) -> tuple[np.ndarray, list[int]]:
    rng = np.random.default_rng(seed)
    latents = rng.standard_normal((count, 6)).astype(np.float32)
    planted = [17, 400, 1234]
    latents[planted] = rng.standard_normal((3, 6)) * 3 + 12
    latents[planted[1]] *= -1
    return latents, planted


def test_density_scores_rank_planted_outliers_first() -> None:
    latents, planted = _planted()
    scores = density_scores(latents, k=5)
    assert scores.shape == (len(latents),) and scores.dtype == np.float32
    assert sorted(top_outliers(scores, 3).tolist()) == planted
    want, _ = NearestNeighbors(n_neighbors=6).fit(latents).kneighbors(latents)
    np.testing.assert_allclose(scores, want[:, 1:].mean(axis=1), rtol=1e-4, atol=1e-5)


def test_density_scores_on_a_sample_keep_the_ranking() -> None:
    latents, planted = _planted(4000)
    notes: list[str] = []
    seen: list[float | None] = []
    scores = density_scores(latents, k=5, max_reference=500, notes=notes,
                            ctx=JobContext(lambda f, _m: seen.append(f)))
    assert sorted(top_outliers(scores, 3).tolist()) == planted
    assert "sample of 500 of 4,000" in notes[0]
    assert seen[-1] == 1.0
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(JobCancelled):
        density_scores(latents, ctx=ctx)


def test_density_scores_tiny_inputs() -> None:
    assert density_scores(np.zeros((1, 3)), k=5).tolist() == [0.0]
    np.testing.assert_allclose(density_scores(np.array([[0.0], [2.0]]), k=5), [2.0, 2.0])


def test_reconstruction_error_finds_images_the_model_cannot_make() -> None:
    model = LinearModel(latent_dim=3, side=4)
    rng = np.random.default_rng(0)
    latents = rng.standard_normal((300, 3)).astype(np.float32)
    images = np.rint(model.decode(latents) * 255).astype(np.uint8)
    planted = [5, 123, 250]
    images[planted] = 255 - images[planted]
    dataset = ArrayDataset("t", "t", images)
    errors = reconstruction_error(model, dataset, latents, batch_size=64)
    assert errors.shape == (300,) and errors.dtype == np.float32
    assert sorted(top_outliers(errors, 3).tolist()) == planted
    assert float(np.median(errors)) < 1e-4
    with pytest.raises(IncompatibleError, match="latents"):
        reconstruction_error(model, dataset, latents[:10])


def test_top_outliers_order_ties_and_nan() -> None:
    scores = np.array([0.5, np.nan, 2.0, 0.5, 3.0])
    assert top_outliers(scores, 3).tolist() == [4, 2, 0]
    assert top_outliers(scores, 10).tolist() == [4, 2, 0, 3]
    assert top_outliers(scores, 0).tolist() == []
