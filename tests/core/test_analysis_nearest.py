"""Exact nearest neighbours: same answers as scikit-learn's brute force, and fast."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn.neighbors import NearestNeighbors

from latent_explorer.core.analysis.nearest import NeighborIndex, nearest_neighbors


@pytest.mark.parametrize("metric", ["euclidean", "cosine"])
@pytest.mark.parametrize("count", [50, 20_000])
def test_matches_sklearn_brute_force(metric: str, count: int) -> None:
    rng = np.random.default_rng(count)
    latents = rng.standard_normal((count, 12)).astype(np.float32)
    queries = rng.standard_normal((40, 12)).astype(np.float32)
    k = 7
    reference = NearestNeighbors(n_neighbors=k, algorithm="brute", metric=metric).fit(latents)
    want_dist, want_idx = reference.kneighbors(queries)
    index = NeighborIndex(latents)
    got_idx, got_dist = index.query(queries, k, metric)  # type: ignore[arg-type]
    assert got_idx.shape == (40, k) and got_idx.dtype == np.int64
    assert got_dist.dtype == np.float32
    np.testing.assert_allclose(got_dist, want_dist, rtol=1e-5, atol=1e-5)
    # Indices agree wherever the distances are not (numerically) tied.
    assert np.mean(got_idx == want_idx) > 0.99
    one_idx, one_dist = index.query(queries[3], k, metric)  # type: ignore[arg-type]
    assert np.array_equal(one_idx, got_idx[3])
    np.testing.assert_allclose(one_dist, got_dist[3])


def test_exclude_and_small_sets() -> None:
    latents = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [5.0, 5.0]], dtype=np.float32)
    idx, dist = nearest_neighbors(latents, latents[0], 2, exclude=0)
    assert idx.tolist() == [1, 2]
    np.testing.assert_allclose(dist, [1.0, 2.0])
    idx, _ = nearest_neighbors(latents, latents[0], 10, exclude=[0, 1])
    assert idx.tolist() == [2, 3]  # fewer than k are left
    idx, dist = nearest_neighbors(latents, [1.0, 0.0], 1, metric="cosine")
    assert idx.tolist() == [1] and dist[0] == pytest.approx(0.0, abs=1e-6)


def test_refuses_bad_input() -> None:
    latents = np.zeros((5, 3), dtype=np.float32)
    with pytest.raises(ValueError, match="metric"):
        nearest_neighbors(latents, latents[0], 1, metric="manhattan")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="query"):
        nearest_neighbors(latents, np.zeros(4), 1)
    with pytest.raises(ValueError, match="k must"):
        nearest_neighbors(latents, latents[0], 0)
    with pytest.raises(ValueError, match="NaN"):
        NeighborIndex(np.full((2, 2), np.nan))


def test_a_million_codes_timing() -> None:
    """Prints the time of a k=10 query among 1,000,000 x 64 codes (not asserted: CI varies)."""
    rng = np.random.default_rng(0)
    latents = rng.standard_normal((1_000_000, 64), dtype=np.float32)
    index = NeighborIndex(latents)
    index.query(latents[0], 10)
    times = []
    for i in range(1, 6):
        start = time.perf_counter()
        idx, _ = index.query(latents[i], 10, exclude=i)
        times.append(time.perf_counter() - start)
        assert i not in idx
    print(f"\nk=10 among 1,000,000 x 64: median {1000 * float(np.median(times)):.1f} ms")
    # Spot check against a plain full sort.
    dist = np.linalg.norm(latents - latents[1], axis=1)
    dist[1] = np.inf
    first, _ = index.query(latents[1], 10, exclude=1)
    assert np.array_equal(np.sort(first), np.sort(np.argsort(dist)[:10]))
