"""``latent-explorer gui`` with no model: --latents (with a metadata table), a dataset no model
fits, and a given model that does not fit (one line, exit status 2)."""

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


def _run(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen",
               XDG_STATE_HOME=str(tmp_path / "state"), XDG_DATA_HOME=str(tmp_path / "data"),
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "latent_explorer", "--no-cache", *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def _colour_folder(folder: Path, count: int = 24) -> Path:
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(count):
        Image.fromarray((rng.random((12, 12, 3)) * 255).astype(np.uint8)).save(folder / f"{i}.png")
    return folder


def test_a_given_model_that_does_not_fit_ends_with_status_2(tmp_path: Path) -> None:
    folder = _colour_folder(tmp_path / "photos")
    result = _run(["gui", "--dataset", str(folder), "--model", "demo"], tmp_path)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert errors == ["latent-explorer: error: digits VAE works on 8x8x1 images (HxWxC) but "
                      "photos has 12x12x3 images"]


def test_no_model_opens_the_pixels_and_latents_open_with_a_table(tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    folder = _colour_folder(tmp_path / "photos")
    shot = tmp_path / "pixels.png"
    result = _run(["gui", "--dataset", str(folder), "--projection", "pca",
                   "--screenshot", str(shot)], tmp_path)
    assert result.returncode == 0, result.stderr
    with Image.open(shot) as image:
        assert image.size == (1400, 900)

    z = np.random.default_rng(1).standard_normal((24, 10)).astype(np.float32)
    np.save(tmp_path / "z.npy", z)
    pd.DataFrame({"label": ["a", "b"] * 12, "score": np.arange(24.0)}).to_parquet(
        tmp_path / "meta.parquet")
    shot = tmp_path / "latents.png"
    result = _run(["gui", "--latents", "z.npy", "--metadata", "meta.parquet",
                   "--projection", "pca", "--screenshot", str(shot)], tmp_path)
    assert result.returncode == 0, result.stderr
    assert shot.exists()


def test_argument_mistakes_are_one_line_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gui", "--metadata", "table.csv"]) == 2
    assert "--metadata goes with --latents" in capsys.readouterr().err
    assert main(["gui", "--latents", "z.npy", "--model", "demo"]) == 2
    assert "leave out --model" in capsys.readouterr().err


def test_bench_train_reports_one_epoch(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    assert main(["bench", "--quick", "--only", "train", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    assert results["train_epoch_10k_s"] > 0 and results["train_epoch_loss"] > 0
    assert results["train_model"].startswith("mlp 256-128, latent 16")
