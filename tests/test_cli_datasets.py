"""Datasets on the command line: skipped files in ``info``, counts in words, sizes to load at."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.cli import main


def _grey_folder(root: Path, broken: bool = True) -> Path:
    for kind in ("a", "b"):
        (root / kind).mkdir(parents=True)
        for i in range(3):
            Image.new("L", (8, 8), 40 * i).save(root / kind / f"{i}.png")
    if broken:
        (root / "b" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n cut short")
    return root


def test_info_names_the_skipped_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _grey_folder(tmp_path / "pics")
    assert main(["info", "--dataset", str(folder), "--model", "demo"]) == 0
    out = capsys.readouterr().out
    assert "6 of 8x8" in out
    assert "note     skipped 1 unreadable file of 7: b/broken.png" in out
    assert "labels   2 classes (a: 3, b: 3)" in out


def test_info_says_1_class(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    np.savez(tmp_path / "one.npz", images=np.zeros((4, 8, 8), dtype=np.uint8),
             labels=np.zeros(4, dtype=np.int64))
    assert main(["info", "--dataset", str(tmp_path / "one.npz"), "--model", "demo"]) == 0
    out = capsys.readouterr().out
    assert "labels   1 class (0: 4)" in out and "1 classes" not in out


def test_image_size_loads_a_folder_at_that_size(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = _grey_folder(tmp_path / "pics", broken=False)
    assert main(["info", "--dataset", str(folder), "--model", "demo", "--image-size", "16"]) == 0
    out = capsys.readouterr().out
    assert "6 of 16x16" in out and "resized 6 of 6 images to 16x16" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["info", "--dataset", "digits", "--image-size", "16"], "not the built-in 'digits'"),
    (["info", "--image-size", "big"], "'big' is not a size"),
    (["encode", "--image-size", "0"], "sizes go from 1 to 16384 pixels"),
])
def test_bad_image_sizes_are_one_line_and_exit_2(argv: list[str], message: str,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        code = main(argv)
        raise SystemExit(code)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_the_photo_benchmark_runs_on_a_few_photos() -> None:
    from latent_explorer.bench.data import run_photo_bench

    results = run_photo_bench(6)
    assert results["encode_folder_6_photos_s"] > 0
    assert results["photo_folder_reopen_s"] < results["encode_folder_6_photos_s"]
    assert "6 JPEGs 1024x768" in results["photo_source"]
