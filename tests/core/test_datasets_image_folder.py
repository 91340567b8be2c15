"""Folders of image files: labels from sub-folders, modes, sizes, broken files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.core.datasets.image_folder import ROOT_LABEL, find_images, load_image_folder
from latent_explorer.core.errors import DatasetError, JobCancelled
from latent_explorer.core.jobs import JobContext


def save(path: Path, image: Image.Image) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path


def grey(value: int, size: tuple[int, int] = (8, 6)) -> Image.Image:
    return Image.new("L", size, value)


def test_labels_from_subfolders(tmp_path: Path) -> None:
    save(tmp_path / "dogs" / "b.png", grey(10))
    save(tmp_path / "cats" / "z.png", grey(20))
    save(tmp_path / "cats" / "deep" / "a.png", grey(30))
    save(tmp_path / "loose.png", grey(40))
    (tmp_path / "notes.txt").write_text("not an image")
    save(tmp_path / ".hidden" / "x.png", grey(50))

    dataset = load_image_folder(tmp_path)

    assert dataset.images.shape == (4, 6, 8, 1)
    files = dataset.metadata["file"].tolist()
    assert files == ["cats/deep/a.png", "cats/z.png", "dogs/b.png", "loose.png"]
    assert dataset.images[:, 0, 0, 0].tolist() == [30, 20, 10, 40]
    assert dataset.label_names == [ROOT_LABEL, "cats", "dogs"]
    assert dataset.labels is not None and dataset.labels.tolist() == [1, 1, 2, 0]
    assert dataset.name == tmp_path.name
    assert dataset.source == str(tmp_path.resolve())
    assert dataset.notes == []


def test_flat_folder_has_no_labels(tmp_path: Path) -> None:
    for index in range(3):
        save(tmp_path / f"{index}.png", grey(index))
    dataset = load_image_folder(tmp_path)
    assert dataset.labels is None and dataset.label_names is None
    assert dataset.metadata["file"].dtype.kind == "U"


def test_mixed_modes_become_rgb(tmp_path: Path) -> None:
    save(tmp_path / "a" / "1-grey.png", grey(100))
    save(tmp_path / "a" / "2-rgb.png", Image.new("RGB", (8, 6), (255, 0, 0)))
    save(tmp_path / "b" / "3-rgba.png", Image.new("RGBA", (8, 6), (0, 200, 0, 128)))
    palette = Image.new("P", (8, 6), 0)
    palette.putpalette([0, 0, 255] + [0] * 765)
    save(tmp_path / "b" / "4-palette.gif", palette)
    save(tmp_path / "b" / "5-bilevel.bmp", Image.new("1", (8, 6), 1))
    save(tmp_path / "b" / "6-photo.jpg", Image.new("RGB", (8, 6), (10, 20, 30)))

    dataset = load_image_folder(tmp_path)

    assert dataset.images.shape == (6, 6, 8, 3)
    corner = dataset.images[:, 0, 0].tolist()
    assert corner[0] == [100, 100, 100]
    assert corner[1] == [255, 0, 0]
    assert corner[2] == [0, 100, 0]  # 200 * 128 / 255, composited on black
    assert corner[3] == [0, 0, 255]
    assert corner[4] == [255, 255, 255]
    assert all(abs(a - b) <= 3 for a, b in zip(corner[5], [10, 20, 30], strict=True))
    assert any("greyscale images to RGB" in note for note in dataset.notes)
    assert any("transparent" in note for note in dataset.notes)


def test_sixteen_bit_and_grey_alpha_stay_grey(tmp_path: Path) -> None:
    deep = Image.fromarray(np.full((6, 8), 65535, dtype=np.uint16))
    save(tmp_path / "deep.png", deep)
    save(tmp_path / "la.png", Image.new("LA", (8, 6), (200, 128)))
    dataset = load_image_folder(tmp_path)
    assert dataset.images.shape == (2, 6, 8, 1)
    assert dataset.images[:, 0, 0, 0].tolist() == [255, 100]


def test_mixed_sizes_resized_to_most_common(tmp_path: Path) -> None:
    for index in range(3):
        save(tmp_path / f"common{index}.png", grey(50, (10, 4)))
    save(tmp_path / "big.png", grey(200, (20, 8)))
    dataset = load_image_folder(tmp_path)
    assert dataset.images.shape == (4, 4, 10, 1)
    assert np.all(dataset.images[0] == 200)  # "big.png" sorts first; a flat image stays flat
    assert ("resized 1 of 4 images to 10x4 (width x height; the most common size), cropped "
            "around the centre to keep their proportions") in dataset.notes


def test_corrupt_png_skipped_and_named(tmp_path: Path) -> None:
    save(tmp_path / "good.png", grey(1))
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    dataset = load_image_folder(tmp_path)
    assert dataset.metadata["file"].tolist() == ["good.png"]
    assert dataset.notes == ["skipped 1 unreadable file of 2: bad.png"]


def test_only_unreadable_files_refused_naming_one(tmp_path: Path) -> None:
    noise = np.random.default_rng(3).integers(0, 256, (64, 64, 3), dtype=np.uint8)
    path = save(tmp_path / "cut.jpg", Image.fromarray(noise))
    path.write_bytes(path.read_bytes()[:600])
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n not really a png")
    with pytest.raises(DatasetError, match="none of the 2 image files in this folder can be "
                       "read") as info:
        load_image_folder(tmp_path)
    assert "bad.png" in str(info.value) and len(str(info.value).splitlines()) == 1


def test_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "readme.txt").write_text("nothing to see")
    with pytest.raises(DatasetError, match="contains no images") as info:
        load_image_folder(tmp_path)
    assert str(tmp_path.resolve()) in str(info.value)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="no such file or folder") as info:
        load_image_folder(tmp_path / "gone")
    assert "gone" in str(info.value)


def test_find_images_suffixes_case_insensitive(tmp_path: Path) -> None:
    save(tmp_path / "A.PNG", grey(1))
    save(tmp_path / "b.JPEG", Image.new("RGB", (4, 4)))
    save(tmp_path / "c.webp", Image.new("RGB", (4, 4)))
    assert [path.name for path in find_images(tmp_path)] == ["A.PNG", "b.JPEG", "c.webp"]


def test_progress_every_256_files(tmp_path: Path) -> None:
    for index in range(300):
        save(tmp_path / f"{index:03d}.png", grey(index % 256, (2, 2)))
    fractions: list[float | None] = []
    ctx = JobContext(lambda fraction, _message: fractions.append(fraction))
    dataset = load_image_folder(tmp_path, ctx=ctx)
    assert len(dataset) == 300
    # Headers: files 0 and 256; pixels: every 16th file (decoding a photo takes longer).
    assert len(fractions) == 2 + 19
    known = [fraction for fraction in fractions if fraction is not None]
    assert known == sorted(known) and len(known) == len(fractions)


def test_cancel_stops_loading(tmp_path: Path) -> None:
    save(tmp_path / "a.png", grey(1))
    ctx = JobContext()
    ctx.cancel()
    with pytest.raises(JobCancelled):
        load_image_folder(tmp_path, ctx=ctx)
