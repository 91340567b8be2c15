"""``lx.explore(latents=Z, ...)``: a map of embeddings made elsewhere, with no decoder."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import latent_explorer as lx
from latent_explorer.core.errors import SpecError


def _clusters(n: int = 120, dim: int = 32) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((3, dim)).astype(np.float32) * 6
    which = np.arange(n) % 3
    vectors = centres[which] + rng.standard_normal((n, dim)).astype(np.float32)
    return vectors, [("cat", "dog", "fox")[k] for k in which]


def test_explore_maps_vectors_with_images_labels_and_metadata(open_explorer: Any) -> None:
    vectors, names = _clusters()
    images = np.random.default_rng(1).integers(0, 255, (len(vectors), 16, 16, 3), np.uint8)
    # A transposed view, as vectors often arrive from another library.
    explorer = open_explorer(latents=np.ascontiguousarray(vectors.T).T, data=images,
                             labels=names, metadata={"score": np.linspace(0, 1, len(vectors))})
    ws = explorer.window.workspace
    assert ws is not None and not ws.has_decoder
    assert len(ws.projector.coords) == len(vectors)
    assert sorted(ws.dataset.label_names or []) == ["cat", "dog", "fox"]
    assert "score" in ws.dataset.metadata
    np.testing.assert_allclose(ws.latents, vectors, rtol=1e-6)
    explorer.selection = [0, 3, 6]
    assert list(explorer.selection) == [0, 3, 6]


def test_explore_refuses_latents_with_a_model_or_of_the_wrong_shape() -> None:
    vectors, _ = _clusters()
    with pytest.raises(SpecError, match="not both"):
        lx.explore(model="demo", latents=vectors, block=False)
    with pytest.raises(SpecError, match=r"\(N, D\)"):
        lx.explore(latents=vectors[0], block=False)
