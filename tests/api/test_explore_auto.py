"""``lx.explore(data=...)`` with no model does what ``gui --dataset`` does: the demo model
where it fits the images, else a map of their pixels with "Train a model on these images"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits

import latent_explorer as lx
from tests.qt.conftest import noise_photos


@pytest.mark.parametrize("call", ["keyword", "positional"])
def test_a_folder_of_photos_opens_as_the_command_line_opens_it(
        open_explorer: Any, tmp_path: Path, call: str) -> None:
    folder = noise_photos(tmp_path / "photos", count=5, side=24)
    explorer = (open_explorer(data=str(folder)) if call == "keyword"
                else open_explorer(None, folder))
    window = explorer.window
    ws = window.workspace
    assert ws is not None and not ws.has_decoder and len(ws.dataset) == 5
    assert window.training.panel.isVisibleTo(window)
    assert window.training.panel.train_button.isVisibleTo(window)
    assert str(getattr(ws.model, "reason", "")).startswith("no model yet")  # as the CLI says


def test_images_the_demo_fits_open_with_the_demo(open_explorer: Any) -> None:
    digits = load_digits()
    explorer = open_explorer(data=(digits.images / 16.0).astype(np.float32)[:200],
                             labels=digits.target[:200])
    assert explorer.window.workspace.has_decoder
    assert explorer.model.latent_dim == 8


def test_auto_by_name_and_model_options_without_a_model(tmp_path: Path,
                                                        open_explorer: Any) -> None:
    folder = noise_photos(tmp_path / "photos", count=3, side=16)
    explorer = open_explorer("auto", str(folder))
    assert not explorer.window.workspace.has_decoder
    with pytest.raises(lx.LatentExplorerError, match="latent_shape describe a model"):
        lx.explore(data=str(folder), latent_shape=8, block=False)
