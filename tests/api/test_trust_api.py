"""The Python API with files that run code when opened (issue 23): ``lx.load_model`` and
``lx.explore`` refuse them, with one line naming the file, unless ``trust_code=True``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

import latent_explorer as lx
from latent_explorer.core.errors import LatentExplorerError
from tests.core.trust_attacks import ADAPTER, torchscript_that_writes, touching


def test_load_model_refuses_a_torchscript_archive_unless_trusted(tmp_path: Path) -> None:
    marker = tmp_path / "written-by-torchscript"
    archive = torchscript_that_writes(tmp_path / "G.pt", marker)
    with pytest.raises(LatentExplorerError) as refused:
        lx.load_model(str(archive))
    message = str(refused.value)
    assert "\n" not in message and "G.pt: is a TorchScript archive" in message
    assert "trust_code=True" in message
    assert not marker.exists()
    model = lx.load_model(archive, trust_code=True)
    assert marker.exists() and model.latent_shape == (6,)
    assert model.decode(np.zeros((2, 6), np.float32)).shape == (2, 4, 4, 1)


def test_explore_refuses_code_before_a_window_opens(tmp_path: Path, qtbot: Any) -> None:
    from PySide6.QtWidgets import QApplication

    marker = tmp_path / "written-by-torchscript"
    archive = torchscript_that_writes(tmp_path / "G.pt", marker)
    adapter = tmp_path / "adapter.py"
    adapter.write_text(touching(tmp_path / "ran-adapter") + ADAPTER)
    windows = len(QApplication.topLevelWidgets()) if QApplication.instance() else 0
    for spec in (archive, adapter):
        with pytest.raises(LatentExplorerError, match=rf"{spec.name}: is a "):
            lx.explore(model=str(spec), screenshot=tmp_path / "shot.png")
    assert not marker.exists() and not (tmp_path / "ran-adapter").exists()
    assert not (tmp_path / "shot.png").exists()
    now = len(QApplication.topLevelWidgets()) if QApplication.instance() else 0
    assert now == windows  # refused before any window was made
