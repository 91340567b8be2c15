"""A latent store written by encode-distributed opens as the window's data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("zarr")

from latent_explorer.core.compute.latent_store import create_latent_store, mark_complete
from latent_explorer.core.compute.pipeline import open_workspace
from latent_explorer.core.errors import IncompatibleError
from latent_explorer.core.models import load_model
from latent_explorer.core.models.base import to_uint8


def _store(tmp_path: Path, count: int = 300, dim: int = 8) -> Path:
    rng = np.random.default_rng(0)
    latents = rng.standard_normal((count, dim)).astype(np.float32)
    path = tmp_path / "codes.zarr"
    group = create_latent_store(path, count, dim, chunk=128, labels=np.arange(count) % 4)
    group["latents"][:] = latents
    mark_complete(path)
    return path


def test_a_store_opens_with_pictures_decoded_on_demand(tmp_path: Path) -> None:
    model = load_model("demo")
    path = _store(tmp_path)
    ws = open_workspace(str(path), model)
    assert len(ws.latents) == 300 and ws.projector.coords.shape == (300, 2)
    assert ws.dataset.labels is not None and ws.dataset.label_name(3) == "3"
    np.testing.assert_array_equal(ws.dataset.images[7], to_uint8(model.decode(ws.latents[7:8]))[0])
    np.testing.assert_array_equal(ws.dataset.images[[9, 2]],
                                  to_uint8(model.decode(ws.latents[[9, 2]])))
    assert ws.dataset.image_shape == (8, 8, 1)


def test_a_store_for_another_latent_size_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IncompatibleError, match="5-value latents"):
        open_workspace(str(_store(tmp_path, dim=5)), load_model("demo"))
