"""Spatial latents without Qt: channel edits, brush dabs, and slider statistics of long
latents (leading principal directions only)."""

from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.core.analysis.latent_stats import LEADING_DIRECTIONS, compute_latent_stats
from latent_explorer.core.analysis.spatial_edits import (
    Brush,
    brush_dab,
    channel_limits,
    heat_colors,
    is_spatial,
    with_gain_offset,
)


def test_gain_and_offset_change_one_channel_and_undo_exactly() -> None:
    shape = (3, 4, 5)
    latent = np.random.default_rng(0).standard_normal(60).astype(np.float32)
    maps = latent.reshape(shape)
    edited = with_gain_offset(latent, shape, 1, maps[1], 2.0, 0.5).reshape(shape)
    np.testing.assert_allclose(edited[1], maps[1] * 2 + 0.5)
    np.testing.assert_array_equal(edited[[0, 2]], maps[[0, 2]])
    np.testing.assert_array_equal(with_gain_offset(latent, shape, 1, maps[1], 1.0, 0.0), latent)
    assert latent.reshape(shape) is not edited  # the input is never changed in place


def test_a_dab_touches_only_cells_within_the_radius() -> None:
    shape = (2, 9, 9)
    latent = np.zeros(162, dtype=np.float32)
    out = brush_dab(latent, shape, 0, 4.0, 4.0, Brush(radius=2.0, amount=1.0)).reshape(shape)
    assert out[0, 4, 4] == pytest.approx(1.0)
    rows, cols = np.nonzero(out[0])
    assert ((rows - 4) ** 2 + (cols - 4) ** 2 < 4).all()
    assert not out[1].any() and not latent.any()
    lowered = brush_dab(latent, shape, 1, 0.0, 8.0, Brush(1.5, -0.5)).reshape(shape)
    assert lowered[1, 0, 8] == pytest.approx(-0.5) and lowered[1].max() == 0


def test_heat_colours_and_limits() -> None:
    assert is_spatial((4, 8, 8)) and not is_spatial((10,)) and not is_spatial((8, 1, 1))
    limits = channel_limits(np.array([-1, -2, 0, 0], np.float32),
                            np.array([1, 1, 3, 2], np.float32), (2, 1, 2))
    np.testing.assert_array_equal(limits, [[-2, 1], [0, 3]])
    colors = heat_colors(np.array([[-1.0, 0.0, 1.0]], np.float32), -1.0, 1.0)
    assert colors.shape == (1, 3, 3) and colors.dtype == np.uint8
    assert colors[0, 0, 2] > colors[0, 0, 0] and colors[0, 2, 0] > colors[0, 2, 2]


def test_long_latents_keep_the_leading_directions() -> None:
    rng = np.random.default_rng(0)
    direction = rng.standard_normal(1024).astype(np.float32)
    direction /= np.linalg.norm(direction)
    latents = (rng.standard_normal((400, 1)) * 5 * direction
               + rng.standard_normal((400, 1024)) * 0.1).astype(np.float32)
    stats = compute_latent_stats(latents)
    assert stats.components.shape == (LEADING_DIRECTIONS, 1024)
    np.testing.assert_allclose(stats.components @ stats.components.T, np.eye(64), atol=1e-4)
    assert abs(float(stats.components[0] @ direction)) > 0.99
    assert 0.5 < stats.explained[0] < 1 and stats.explained.sum() <= 1.0
    assert stats.ranges["pca"].shape == (64, 2) and stats.ranges["raw"].shape == (1024, 2)
    z = latents[3]
    values = stats.to_basis(z, "pca")
    assert values.shape == (64,)
    np.testing.assert_allclose(stats.from_basis(values, "pca", like=z), z, atol=1e-4)
    values[0] += 1.0
    moved = stats.from_basis(values, "pca", like=z) - z
    np.testing.assert_allclose(moved, stats.components[0], atol=1e-4)
