"""Clusters: k-means recovers separated blobs, HDBSCAN marks noise, prototypes are means."""

from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.core.analysis.clusters import (
    cluster_prototypes,
    hdbscan_labels,
    kmeans_labels,
)
from latent_explorer.core.errors import JobCancelled
from latent_explorer.core.jobs import JobContext


def _blobs(sizes: tuple[int, ...] = (300, 200, 100), dim: int = 6, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.uniform(-20, 20, (len(sizes), dim))
    truth = np.repeat(np.arange(len(sizes)), sizes)
    points = centres[truth] + rng.standard_normal((len(truth), dim)) * 0.5
    return points.astype(np.float32), truth


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    pairs = set(zip(a.tolist(), b.tolist(), strict=True))
    return len(pairs) == len(set(a.tolist())) == len(set(b.tolist()))


def test_kmeans_recovers_blobs_numbered_by_size() -> None:
    points, truth = _blobs()
    labels = kmeans_labels(points, 3, seed=0)
    assert labels.dtype == np.int64 and labels.shape == truth.shape
    assert _same_partition(labels, truth)
    # Cluster 0 is the largest blob (300), 2 the smallest.
    assert np.bincount(labels).tolist() == [300, 200, 100]
    assert np.array_equal(kmeans_labels(points, 3, seed=0), labels)


def test_kmeans_refuses_impossible_k() -> None:
    points, _ = _blobs()
    with pytest.raises(ValueError, match="k must be"):
        kmeans_labels(points, 0)
    with pytest.raises(ValueError, match="k must be"):
        kmeans_labels(points[:2], 3)


def test_hdbscan_finds_blobs_and_marks_noise() -> None:
    points, truth = _blobs()
    rng = np.random.default_rng(1)
    noise = rng.uniform(-60, 60, (20, points.shape[1])).astype(np.float32)
    labels = hdbscan_labels(np.vstack([points, noise]), min_cluster_size=20)
    assert labels.dtype == np.int64
    assert set(labels.tolist()) == {-1, 0, 1, 2}
    assert np.mean(labels[len(points):] == -1) >= 0.9
    core = labels[: len(points)]
    assert np.mean(core == -1) < 0.05
    kept = core >= 0
    assert _same_partition(core[kept], truth[kept])


def test_hdbscan_on_a_sample_assigns_the_rest_and_says_so() -> None:
    points, truth = _blobs((600, 400, 200))
    notes: list[str] = []
    labels = hdbscan_labels(points, min_cluster_size=20, max_fit=300, seed=0, notes=notes)
    assert len(labels) == len(points)
    assert notes and "sample of 300 of 1,200" in notes[0]
    kept = labels >= 0
    assert kept.mean() > 0.95
    assert _same_partition(labels[kept], truth[kept])


def test_hdbscan_progress_and_cancel() -> None:
    points, _ = _blobs()
    seen: list[float | None] = []
    hdbscan_labels(points, 20, ctx=JobContext(lambda f, _m: seen.append(f)))
    assert seen[0] is None and seen[-1] == 1.0
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(JobCancelled):
        hdbscan_labels(points, 20, ctx=ctx)


def test_cluster_prototypes_are_centroids_without_noise() -> None:
    latents = np.array([[0, 0], [2, 0], [10, 10], [12, 14], [99, 99]], dtype=np.float32)
    labels = np.array([3, 3, 0, 0, -1])
    ids, centroids = cluster_prototypes(latents, labels)
    assert ids.tolist() == [0, 3]
    assert centroids.dtype == np.float32
    np.testing.assert_allclose(centroids, [[11, 12], [1, 0]])
    with pytest.raises(ValueError, match="labels"):
        cluster_prototypes(latents, labels[:3])
