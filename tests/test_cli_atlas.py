"""``latent-explorer atlas`` and ``gui --atlas``: the decoded atlas from the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.cli import main
from tests.conftest import REPO


def test_atlas_command_writes_the_decoded_map(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "atlas.png"
    assert main(["atlas", "--dataset", "shapes", "--model", "demo-shapes", "--grid", "6",
                 "--out", str(out)]) == 0
    assert "6x6 grid, 192x192 pixels" in capsys.readouterr().out
    with Image.open(out) as picture:
        pixels = np.asarray(picture.convert("RGB"))
    assert pixels.shape == (192, 192, 3)
    tiles = pixels.reshape(6, 32, 6, 32, 3).transpose(0, 2, 1, 3, 4).reshape(36, -1)
    assert len({tile.tobytes() for tile in tiles}) == 36  # every place decodes differently
    assert np.ptp(pixels.reshape(-1, 3).astype(int), axis=0).min() > 100  # in colour


def test_atlas_command_rejects_bad_input_in_one_line(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as refused:  # while the arguments are read
        main(["atlas", "--grid", "1", "--out", str(tmp_path / "a.png")])
    assert refused.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--grid: 1 is out of range: give from 2 to 64" in err
    assert not (tmp_path / "a.png").exists()


def test_gui_starts_with_the_atlas_instead_of_the_points(tmp_path: Path) -> None:
    shot = tmp_path / "window.png"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO),
               LATENT_EXPLORER_CONFIG=str(tmp_path / "config"),
               LATENT_EXPLORER_CACHE=str(tmp_path / "cache"))
    result = subprocess.run(
        [sys.executable, "-m", "latent_explorer", "gui", "--dataset", "shapes", "--model",
         "demo-shapes", "--atlas", "instead", "--size", "1400x860", "--screenshot", str(shot)],
        env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    with Image.open(shot) as picture:
        pixels = np.asarray(picture.convert("RGB")).astype(int)
    # The map is a mosaic of decoded pictures (shapes in hundreds of shades), not dots in
    # the five colours of the legend (about 70 shades with anti-aliasing).
    h, w, _ = pixels.shape
    middle = pixels[int(h * 0.1): int(h * 0.75), int(w * 0.3): int(w * 0.65)]
    assert len(np.unique(middle.reshape(-1, 3) // 16, axis=0)) > 300
