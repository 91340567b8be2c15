"""Anchors (and selections, and latents to show) named by file name and glob, on the command
line and from Python: ``render --anchors airplane/0004.png,horse/*``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from latent_explorer.cli import main
from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.export.path_file import load_path_file

NAMES = ("airplane/0001.png", "airplane/0004.png", "horse/0703.png", "horse/0704.png")


@pytest.fixture
def photos(tmp_path: Path) -> Path:
    """Four 32x32 colour pictures in two class folders (the bundled shapes model's size)."""
    rng = np.random.default_rng(1)
    for name in NAMES:
        path = tmp_path / "photos" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(path)
    return tmp_path / "photos"


def _index(folder: Path, name: str) -> int:
    files = [str(f) for f in load_dataset(str(folder)).metadata["file"]]
    return files.index(name)


def test_render_takes_file_names_and_globs(photos: Path, tmp_path: Path) -> None:
    saved = tmp_path / "walk.json"
    assert main(["render", "--dataset", str(photos), "--model", "demo-shapes", "--anchors",
                 "airplane/0004.png,horse/*", "--frames", "6", "--size", "32", "--out",
                 str(tmp_path / "walk.gif"), "--save-path", str(saved)]) == 0
    wanted = [_index(photos, n) for n in ("airplane/0004.png", "horse/0703.png",
                                          "horse/0704.png")]
    assert list(load_path_file(saved).indices or ()) == wanted
    assert (tmp_path / "walk.gif").stat().st_size > 0


def test_a_name_no_file_has_is_one_line(photos: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["render", "--dataset", str(photos), "--model", "demo-shapes", "--anchors",
                 "airplane/0004.png,zebra/0001.png", "--out", str(tmp_path / "w.gif")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--anchors 'zebra/0001.png': no file of photos" in err


def test_the_python_handle_takes_names_too(open_explorer: Any, photos: Path,
                                           tmp_path: Path) -> None:
    explorer = open_explorer("demo-shapes", str(photos))
    ws = explorer.window.workspace
    horse = _index(photos, "horse/0703.png")
    report = explorer.render(tmp_path / "walk.gif", anchors=["0004.png", "horse/0703.png"],
                             frames=4, size=32)
    assert report.frames == 4
    explorer.selection = ["horse/*"]
    assert explorer.selection.tolist() == sorted(_index(photos, n) for n in NAMES[2:])
    explorer.set_latent("horse/0703.png")
    np.testing.assert_array_equal(explorer.latent, ws.latents[horse])
    with pytest.raises(LatentExplorerError, match="no file of photos has that name"):
        explorer.render(tmp_path / "bad.gif", anchors=["cat.png"])
