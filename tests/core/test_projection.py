"""PCA maps, the neighbour map, dispatch and the array round trip (fast, no child processes)."""

from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.projection import (
    METHODS,
    NeighborProjector,
    PCAProjector,
    ProjectionParams,
    Projector,
    fit_projection,
    projector_from_arrays,
)
from latent_explorer.core.projection.neighbors import NeighborMap


def _latents(n: int = 500, dim: int = 16, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mixing = rng.standard_normal((4, dim))
    return (rng.standard_normal((n, 4)) @ mixing + 0.1 * rng.standard_normal((n, dim))).astype(
        np.float32
    )


@pytest.mark.parametrize("n_components", [2, 3])
def test_pca_round_trip_is_exact(n_components: int) -> None:
    latents = _latents()
    proj = fit_projection(latents, ProjectionParams("pca", n_components))
    assert isinstance(proj, PCAProjector)
    assert isinstance(proj, Projector)
    assert proj.coords.dtype == np.float32 and proj.coords.shape == (500, n_components)
    assert proj.sampled is None
    np.testing.assert_allclose(proj.transform(latents), proj.coords, atol=1e-5)
    # inverse(transform(x)) is x projected onto the plane through the mean.
    comps = proj.components
    centred = latents.astype(np.float64) - proj.mean
    on_plane = proj.mean + centred @ comps.T @ comps
    np.testing.assert_allclose(proj.inverse(proj.transform(latents)), on_plane, atol=1e-4)
    coords = np.random.default_rng(1).normal(size=(20, n_components)).astype(np.float32)
    np.testing.assert_allclose(proj.transform(proj.inverse(coords)), coords, atol=1e-5)
    np.testing.assert_allclose(comps @ comps.T, np.eye(n_components), atol=1e-10)


def test_pca_matches_sklearn_and_keeps_all_directions() -> None:
    from sklearn.decomposition import PCA

    latents = _latents(dim=8)
    proj = fit_projection(latents, ProjectionParams("pca", 2))
    assert isinstance(proj, PCAProjector)
    reference = PCA(n_components=8).fit(latents.astype(np.float64))
    np.testing.assert_allclose(
        proj.all_explained_variance_ratio, reference.explained_variance_ratio_, atol=1e-6
    )
    np.testing.assert_allclose(
        np.abs(proj.components), np.abs(reference.components_[:2]), atol=1e-5
    )
    assert proj.all_components.shape == (8, 8)
    assert proj.explained_variance_ratio.shape == (2,)
    assert np.all(np.diff(proj.all_explained_variance) <= 0)


def test_pca_with_fewer_points_than_dimensions() -> None:
    latents = _latents(n=5, dim=32)
    proj = fit_projection(latents, ProjectionParams("pca", 3))
    assert isinstance(proj, PCAProjector)
    assert proj.all_components.shape == (5, 32)
    np.testing.assert_allclose(proj.transform(proj.inverse(proj.coords)), proj.coords, atol=1e-4)


def test_single_row_queries_return_single_rows() -> None:
    latents = _latents()
    proj = fit_projection(latents, ProjectionParams("pca", 2))
    assert proj.transform(latents[0]).shape == (2,)
    assert proj.inverse(np.zeros(2)).shape == (16,)


@pytest.mark.parametrize(
    ("latents", "params", "match"),
    [
        (np.full((10, 4), np.nan, np.float32), ProjectionParams("pca"), "NaN"),
        (np.zeros((10,), np.float32), ProjectionParams("pca"), "2-D"),
        (np.zeros((10, 2), np.float32), ProjectionParams("pca", 3), "at least 3 dimensions"),
        (np.zeros((10, 4), np.float32), ProjectionParams("pca", 4), "2 or 3"),
        (np.zeros((10, 4), np.float32), ProjectionParams("isomap"), "pca, umap, tsne"),
        (np.zeros((5, 4), np.float32), ProjectionParams("umap"), "at least 10"),
    ],
)
def test_bad_input_gives_a_clear_error(
    latents: np.ndarray, params: ProjectionParams, match: str
) -> None:
    with pytest.raises(LatentExplorerError, match=match):
        fit_projection(latents, params)


def test_methods_are_listed() -> None:
    assert METHODS == ("pca", "umap", "tsne")


def test_neighbor_map_is_exact_on_its_points() -> None:
    latents = _latents()
    coords = np.random.default_rng(2).normal(size=(500, 2)).astype(np.float32)
    nmap = NeighborMap(coords, latents)
    np.testing.assert_array_equal(nmap.inverse(coords), latents)
    np.testing.assert_array_equal(nmap.transform(latents), coords)


def test_neighbor_inverse_blends_between_points() -> None:
    latents = np.array([[0.0, 0.0], [10.0, 20.0]], np.float32)
    coords = np.array([[0.0, 0.0], [1.0, 0.0]], np.float32)
    nmap = NeighborMap(coords, latents)
    np.testing.assert_allclose(nmap.inverse(np.array([[0.5, 0.0]])), [[5.0, 10.0]], atol=1e-5)


def test_neighbor_inverse_keeps_changing_far_from_the_data() -> None:
    rng = np.random.default_rng(3)
    coords = rng.uniform(-1, 1, size=(400, 2)).astype(np.float32)
    latents = np.hstack([coords, coords**2]).astype(np.float32)  # a curved sheet
    nmap = NeighborMap(coords, latents)
    path = np.stack([np.linspace(1.0, 3.0, 41), np.zeros(41)], axis=1)
    out = nmap.inverse(path)
    steps = np.linalg.norm(np.diff(out, axis=0), axis=1)
    assert np.all(steps[-10:] > 0.01)  # a plain blend would stand still out here
    assert np.max(steps) < 0.2  # and it moves smoothly, without jumps
    assert out[-1, 0] > 2.0  # along the fitted linear trend (latent x follows map x)


def test_neighbor_transform_of_training_latents_recovers_coords_in_high_dim() -> None:
    latents = _latents(n=3000, dim=64)
    coords = fit_projection(latents, ProjectionParams("pca", 2)).coords
    nmap = NeighborMap(coords, latents)
    np.testing.assert_array_equal(nmap.transform(latents[:200]), coords[:200])
    nudged = latents[:200] + 1e-3
    np.testing.assert_allclose(nmap.transform(nudged), coords[:200], atol=0.1)


@pytest.mark.slow
def test_neighbor_queries_at_70k_points_land_on_the_points_they_hit() -> None:
    # How fast these queries are is measured by `latent-explorer bench` (probe_latency_ms on a
    # 70,000-point UMAP layout), never asserted here: a busy machine must not fail the suite.
    latents = _latents(n=70_000, dim=64)
    coords = np.random.default_rng(4).normal(size=(70_000, 2)).astype(np.float32)
    nmap = NeighborMap(coords, latents)
    rows = np.random.default_rng(5).choice(70_000, 50, replace=False)
    for row in rows:
        np.testing.assert_allclose(nmap.inverse(coords[row]), latents[row], atol=1e-4)
        np.testing.assert_allclose(nmap.transform(latents[row]), coords[row], atol=1e-4)


def test_pca_arrays_round_trip() -> None:
    latents = _latents()
    params = ProjectionParams("pca", 3)
    proj = fit_projection(latents, params)
    arrays = proj.to_arrays()
    rebuilt = projector_from_arrays(params, dict(arrays))
    assert isinstance(rebuilt, PCAProjector)
    np.testing.assert_array_equal(rebuilt.coords, proj.coords)
    np.testing.assert_array_equal(rebuilt.inverse(proj.coords), proj.inverse(proj.coords))


def test_neighbor_projector_arrays_round_trip_through_npz(tmp_path: object) -> None:
    from pathlib import Path

    latents = _latents()
    coords = np.random.default_rng(5).normal(size=(500, 2)).astype(np.float32)
    params = ProjectionParams("umap", 2, options=(("n_neighbors", 10),))
    proj = NeighborProjector(params, coords, latents, sampled=300)
    file = Path(str(tmp_path)) / "proj.npz"
    np.savez(file, **proj.to_arrays())
    with np.load(file, allow_pickle=False) as loaded:
        rebuilt = projector_from_arrays(params, loaded)
    assert rebuilt.sampled == 300
    assert rebuilt.params == params
    np.testing.assert_array_equal(rebuilt.coords, coords)
    np.testing.assert_array_equal(rebuilt.inverse(coords[:5]), latents[:5])
    with pytest.raises(LatentExplorerError, match="lacks"):
        projector_from_arrays(params, {"coords": coords})
