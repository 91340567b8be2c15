"""Attribute vectors: centroid differences, principal directions, applying them."""

from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.core.analysis.attributes import (
    AttributeVector,
    SelectionError,
    apply,
    attribute_from_selections,
    principal_directions,
)


def test_difference_of_centroids() -> None:
    latents = np.array([[0, 0, 0], [2, 0, 0], [1, 4, 0], [3, 4, 2]], dtype=np.float32)
    attr = attribute_from_selections(latents, [0, 1], [2, 3], name="up")
    assert attr.name == "up"
    np.testing.assert_allclose(attr.vector, [1, 4, 1])
    assert attr.vector.dtype == np.float32
    assert attr.norm == pytest.approx(np.sqrt(18))
    np.testing.assert_allclose(attr.unit * attr.norm, attr.vector, rtol=1e-6)
    assert "B (2 samples)" in attr.description
    # Moving A's centre by amount 1 lands on B's centre.
    np.testing.assert_allclose(apply(latents[[0, 1]].mean(0), attr, 1.0), [2, 4, 1])
    mask = np.array([True, True, False, False])
    np.testing.assert_allclose(attribute_from_selections(latents, mask, ~mask).vector,
                               attr.vector)


def test_empty_selection_is_a_user_error() -> None:
    latents = np.zeros((3, 2), dtype=np.float32)
    with pytest.raises(SelectionError, match="selection A is empty"):
        attribute_from_selections(latents, [], [1])
    with pytest.raises(SelectionError, match="at least 2"):
        principal_directions(latents, [1])


def test_principal_directions_of_a_selection() -> None:
    rng = np.random.default_rng(0)
    latents = rng.standard_normal((500, 4)).astype(np.float32) * [0.1, 3.0, 0.1, 1.0]
    latents[:250] += 100.0  # not selected: must not matter
    directions = principal_directions(latents, np.arange(250, 500), n=2)
    assert [d.name for d in directions] == ["PC 1", "PC 2"]
    first, second = directions
    np.testing.assert_allclose(np.abs(first.unit), [0, 1, 0, 0], atol=0.05)
    np.testing.assert_allclose(np.abs(second.unit), [0, 0, 0, 1], atol=0.05)
    assert first.unit[np.argmax(np.abs(first.unit))] > 0  # fixed sign
    assert first.norm == pytest.approx(3.0, rel=0.15)  # one standard deviation
    assert second.norm == pytest.approx(1.0, rel=0.15)
    assert "variance" in first.description
    assert len(principal_directions(latents, [0, 1], n=3)) == 1  # two points span one line


def test_apply_and_coordinate() -> None:
    attr = AttributeVector("x", np.array([2.0, 0.0], dtype=np.float32))
    batch = np.array([[0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(apply(batch, attr, -0.5), [[-1, 1], [0, 1]])
    np.testing.assert_allclose(apply(batch[0], [0.0, 1.0], 2.0), [0, 3])
    np.testing.assert_allclose(attr.coordinate(batch), [0.0, 0.5])
    with pytest.raises(ValueError, match="shape"):
        apply(batch, np.zeros(3), 1.0)
