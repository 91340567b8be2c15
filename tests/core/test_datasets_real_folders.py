"""Folders and zips as users have them: a broken file among good ones, archives, wrappers."""

from __future__ import annotations

import logging
import zipfile
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.errors import DatasetError, SpecError


def png_bytes(value: int, size: tuple[int, int] = (12, 10)) -> bytes:
    rng = np.random.default_rng(value)
    pixels = rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)
    buffer = BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def make_classes(root: Path, per_class: int, classes: tuple[str, ...] = ("cats", "dogs")) -> None:
    for c, name in enumerate(classes):
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            (root / name / f"{i:03d}.png").write_bytes(png_bytes(100 * c + i))


def test_one_truncated_png_among_87_good_ones_is_skipped_and_named(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    make_classes(tmp_path, 44)
    (tmp_path / "dogs" / "043.png").unlink()  # 87 good ones
    whole = png_bytes(999)
    (tmp_path / "dogs" / "zz-cut.png").write_bytes(whole[: len(whole) // 2])

    with caplog.at_level(logging.WARNING):
        dataset = load_dataset(str(tmp_path))

    assert len(dataset) == 87
    assert "dogs/zz-cut.png" not in dataset.metadata["file"].tolist()
    assert dataset.label_names == ["cats", "dogs"]
    assert dataset.notes == ["skipped 1 unreadable file of 88: dogs/zz-cut.png"]
    assert "dogs/zz-cut.png" in caplog.text


def test_many_broken_files_noted_briefly_and_listed_in_full_in_the_log(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    make_classes(tmp_path, 3)
    for i in range(5):
        (tmp_path / "cats" / f"broken{i}.jpg").write_bytes(b"\xff\xd8\xff\xe0 nothing else")
    with caplog.at_level(logging.WARNING):
        dataset = load_dataset(str(tmp_path))
    assert len(dataset) == 6
    (note,) = dataset.notes
    assert note.startswith("skipped 5 unreadable files of 11: cats/broken0.jpg, ")
    assert note.endswith("and 2 more (listed in the log)")
    assert all(f"cats/broken{i}.jpg" in caplog.text for i in range(5))


def test_a_folder_whose_only_subfolder_holds_the_classes(tmp_path: Path) -> None:
    make_classes(tmp_path / "photos" / "train", 2, ("ants", "bees", "wasps"))
    dataset = load_dataset(str(tmp_path))
    assert dataset.label_names == ["ants", "bees", "wasps"]
    assert dataset.labels is not None and dataset.labels.tolist() == [0, 0, 1, 1, 2, 2]
    assert dataset.metadata["file"][0] == "photos/train/ants/000.png"


def test_a_folder_of_one_subfolder_of_images_has_no_labels(tmp_path: Path) -> None:
    make_classes(tmp_path, 3, ("all",))
    dataset = load_dataset(str(tmp_path))
    assert dataset.labels is None and dataset.label_names is None


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def test_a_zip_of_images_opens_like_a_folder_without_extracting(tmp_path: Path) -> None:
    members = {f"pets/{kind}/{i}.png": png_bytes(10 * c + i)
               for c, kind in enumerate(("cats", "dogs")) for i in range(3)}
    members["pets/readme.txt"] = b"not an image"
    members["__MACOSX/pets/cats/._0.png"] = b"resource fork"
    members["pets/dogs/broken.png"] = b"\x89PNG\r\n\x1a\n cut"
    archive = write_zip(tmp_path / "pets.zip", members)
    before = sorted(tmp_path.rglob("*"))

    dataset = load_dataset(str(archive))

    assert sorted(tmp_path.rglob("*")) == before  # nothing extracted
    assert dataset.name == "pets.zip" and dataset.source == str(archive.resolve())
    assert dataset.images.shape == (6, 10, 12, 3)
    assert dataset.label_names == ["cats", "dogs"]
    assert dataset.metadata["file"].tolist()[:2] == ["pets/cats/0.png", "pets/cats/1.png"]
    first = np.asarray(Image.open(BytesIO(members["pets/cats/0.png"])))
    np.testing.assert_array_equal(dataset.images[0], first)
    assert dataset.notes == ["skipped 1 unreadable file of 7: pets/dogs/broken.png"]


def test_a_zip_of_neither_images_nor_arrays_says_so_in_one_line(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "docs.zip", {"a.txt": b"x", "b/c.csv": b"1,2"})
    with pytest.raises(DatasetError) as info:
        load_dataset(str(archive))
    message = str(info.value)
    assert "docs.zip: is a zip archive of neither images nor .npy arrays" in message
    assert "a.txt" in message and len(message.splitlines()) == 1


def test_an_npz_is_still_an_npz(tmp_path: Path) -> None:
    np.savez(tmp_path / "arrays.npz", images=np.zeros((2, 4, 4), dtype=np.uint8))
    assert load_dataset(str(tmp_path / "arrays.npz")).images.shape == (2, 4, 4, 1)


def test_a_damaged_zip_is_named(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "cut.zip", {f"{i}.png": png_bytes(i) for i in range(3)})
    archive.write_bytes(archive.read_bytes()[:-30])
    with pytest.raises(DatasetError, match=r"cut\.zip: cannot be read as a zip archive"):
        load_dataset(str(archive))


def test_image_size_only_for_images(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="only used with image files"):
        load_dataset("digits", image_size=16)


def test_photos_too_big_at_their_own_size_ask_for_a_size(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from latent_explorer.core.datasets import image_folder

    make_classes(tmp_path / "pics", 4)
    monkeypatch.setattr(image_folder, "MEMORY_BUDGET", 1000)  # 8 images of 12x10x3 = 2,880
    # In memory: the pixels and decoding one image (12x10 x 24 bytes) within 4,000 bytes.
    monkeypatch.setenv("LATENT_EXPLORER_MEMORY_LIMIT", "4000")
    with pytest.raises(DatasetError, match=r"8 images of 12x10 would need 5\.6 KiB of memory, "
                       r"more than the 3\.9 KiB \(set by LATENT_EXPLORER_MEMORY_LIMIT\) one "
                       r"file may take here: choose a smaller size to load them at"):
        load_dataset(str(tmp_path / "pics"), cache_dir=tmp_path / "cache")
    # A size asked for explicitly goes to the disk cache, whatever its total.
    dataset = load_dataset(str(tmp_path / "pics"), image_size=10, cache_dir=tmp_path / "cache")
    assert dataset.images.shape == (8, 10, 10, 3)
    with pytest.raises(DatasetError, match="choose a smaller size"):  # but not to memory
        load_dataset(str(tmp_path / "pics"), image_size=10)


def test_an_unwritable_cache_folder_falls_back_to_memory(tmp_path: Path) -> None:
    make_classes(tmp_path / "pics", 2)
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    dataset = load_dataset(str(tmp_path / "pics"), image_size=8, cache_dir=blocker)
    assert dataset.images.shape == (4, 8, 8, 3) and not isinstance(dataset.images, np.memmap)


def test_a_zip_member_declaring_too_much_is_skipped_unread(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from latent_explorer.core.datasets import image_files

    members = {f"{i}.png": png_bytes(i) for i in range(3)}
    members["huge.png"] = png_bytes(9, (400, 400))
    archive = write_zip(tmp_path / "mixed.zip", members)
    monkeypatch.setattr(image_files, "MAX_MEMBER_BYTES", 100_000)
    dataset = load_dataset(str(archive))
    assert len(dataset) == 3
    assert dataset.notes == ["skipped 1 unreadable file of 4: huge.png"]
