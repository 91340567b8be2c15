"""``latent-explorer cache``: where the image cache is, its size and limit; --limit; --clear."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.cli import main
from latent_explorer.core.datasets.image_cache_folder import cache_usage, images_folder
from latent_explorer.core.datasets.image_cache_limit import (
    LIMIT_ENV,
    format_size,
    image_cache_limit,
    set_image_cache_limit,
)
from latent_explorer.core.settings_file import CONFIG_ENV


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder and a settings folder of this test's own."""
    monkeypatch.setenv("LATENT_EXPLORER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "config"))
    return tmp_path / "cache"


def open_folder(root: Path, name: str) -> None:
    """Open a folder of three small photos at 16x16 as the command line does (``info``)."""
    folder = root / name
    folder.mkdir()
    for index in range(3):
        Image.fromarray(np.full((12, 14 + index, 3), 60 * index + len(name), np.uint8)).save(
            folder / f"{index}.jpg")
    assert main(["info", "--dataset", str(folder), "--image-size", "16"]) == 0
    gc.collect()


def test_cache_says_where_it_is_what_it_holds_and_its_limit(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    open_folder(tmp_path, "pics")
    capsys.readouterr()
    assert main(["cache"]) == 0
    size = cache_usage(images_folder(cache)).size
    assert size > 16 * 16 * 3 * 3
    assert capsys.readouterr().out.splitlines() == [
        f"image cache  {images_folder(cache)}",
        f"  holds      1 cached folder, {format_size(size)}",
        "  limit      10.0 GiB (the default)",
        f"computed     {cache} (not counted in the limit)",
        "  latents    0 files, 0 bytes",
        "  maps       0 files, 0 bytes",
        "  decoders   0 files, 0 bytes"]


def test_cache_clear_removes_the_cached_folders_and_nothing_else(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    open_folder(tmp_path, "first")
    open_folder(tmp_path, "second")
    folder = images_folder(cache)
    (folder / "mine.txt").write_text("not the cache's")
    size = cache_usage(folder).size
    capsys.readouterr()
    assert main(["cache", "--clear"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (f"removed 2 cached folders ({format_size(size)}) and 0 files of "
                      "computed results (0 bytes)")
    assert out[2] == "  holds      0 cached folders, 0 bytes"
    assert [path.name for path in folder.iterdir()] == ["mine.txt"]


def test_cache_shows_and_clears_computed_results_too(
        cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from latent_explorer.core.compute.cache import ResultCache

    results = ResultCache(cache)
    latents = np.zeros((1000, 16), np.float32)
    results.store("latents", "a" * 40, {"latents": latents})
    results.store("latents", "b" * 40, {"latents": latents})
    results.store("projection", "c" * 40, {"xy": np.zeros((1000, 2), np.float32)})
    (cache / "onnx").mkdir()
    (cache / "onnx" / "decoder-0123456789abcdef.onnx").write_bytes(b"x" * 5000)
    (cache / "latents" / "notes.txt").write_text("not the cache's")
    sizes = {kind: sum(p.stat().st_size for p in (cache / kind).glob(pattern))
             for kind, pattern in (("latents", "*.npz"), ("projection", "*.npz"),
                                   ("onnx", "*.onnx"))}
    assert main(["cache"]) == 0
    assert capsys.readouterr().out.splitlines()[4:] == [
        f"  latents    2 files, {format_size(sizes['latents'])}",
        f"  maps       1 file, {format_size(sizes['projection'])}",
        "  decoders   1 file, 4.9 KiB"]

    assert main(["cache", "--clear"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (f"removed 0 cached folders (0 bytes) and 4 files of computed results "
                      f"({format_size(sum(sizes.values()))})")
    assert out[5:] == ["  latents    0 files, 0 bytes", "  maps       0 files, 0 bytes",
                       "  decoders   0 files, 0 bytes"]
    assert [path.name for path in (cache / "latents").iterdir()] == ["notes.txt"]
    assert results.load("latents", "a" * 40) is None  # computed again when next asked


def test_cache_limit_is_remembered_for_later_runs_and_trims_at_once(
        cache: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    open_folder(tmp_path, "older")
    one = cache_usage(images_folder(cache)).size
    open_folder(tmp_path, "newer")
    capsys.readouterr()
    assert main(["cache", "--limit", f"{one * 3 // 2}"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"removed 1 cached folder used longest ago ({format_size(one)}) "
                          f"to fit {format_size(one * 3 // 2)}\n")
    assert "  holds      1 cached folder," in out
    set_image_cache_limit(None)  # as in a new process: the settings file says it
    assert (image_cache_limit().size, image_cache_limit().source) == (one * 3 // 2, "settings")
    later = subprocess.run([sys.executable, "-m", "latent_explorer", "cache"], env=os.environ,
                           capture_output=True, text=True, timeout=120, check=True)
    assert f"  limit      {format_size(one * 3 // 2)}\n" in later.stdout
    assert main(["cache", "--limit", "default"]) == 0
    assert "  limit      10.0 GiB (the default)" in capsys.readouterr().out


def test_cache_bad_limits_say_so_in_one_line(
        cache: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["cache", "--limit", "lots"])
    assert stop.value.code == 2
    assert ("error: argument --limit: 'lots' is not a size: give a size in bytes or with a unit"
            in capsys.readouterr().err)
    monkeypatch.setenv(LIMIT_ENV, "huge")
    assert main(["cache"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"latent-explorer: error: {LIMIT_ENV}: 'huge' is not a size")
    assert len(err.strip().splitlines()) == 1
