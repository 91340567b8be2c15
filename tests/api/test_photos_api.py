"""Folders and zips of photos from Python, at a chosen size: ``lx.load_dataset(...,
image_size=)`` and ``lx.explore(..., image_size=)``, as ``--image-size`` on the command line.

The folder holds photos of several sizes (one of 4000x3000), in two class folders, beside a
file that only looks like a JPEG.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

import latent_explorer as lx
from latent_explorer.core.datasets import image_folder as image_folder_module
from tests.core.family_files import save_taesd

skdata = pytest.importorskip("skimage.data")

SIZE = 32


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("photos")
    (root / "cats").mkdir()
    (root / "space").mkdir()
    Image.fromarray(skdata.chelsea()).save(root / "cats" / "chelsea.jpg", quality=90)  # 451x300
    Image.fromarray(skdata.coffee()).save(root / "cats" / "coffee.png")  # 600x400
    big = Image.fromarray(skdata.astronaut()).resize((4000, 3000), Image.Resampling.BILINEAR)
    big.save(root / "space" / "astronaut-4000x3000.jpg", quality=85)
    Image.fromarray(skdata.rocket()).save(root / "space" / "rocket.webp")  # 427x640
    (root / "space" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\0" * 40)
    return root


def test_load_dataset_opens_a_photo_folder_at_the_size_asked(
        photos: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dataset = lx.load_dataset(photos, image_size=SIZE)

    assert dataset.float_batch(0, len(dataset)).shape == (4, SIZE, SIZE, 3)
    assert dataset.label_names == ["cats", "space"]
    assert dataset.metadata["file"].tolist() == [
        "cats/chelsea.jpg", "cats/coffee.png", "space/astronaut-4000x3000.jpg",
        "space/rocket.webp"]
    assert any("space/broken.jpg" in note for note in dataset.notes)

    # A second opening reads the app's image cache: no photo is decoded again.
    def no_decoding(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a photo was decoded again")

    monkeypatch.setattr(image_folder_module, "decode_image", no_decoding)
    again = lx.load_dataset(photos, image_size=(SIZE, SIZE))
    np.testing.assert_array_equal(again.float_batch(0, 4), dataset.float_batch(0, 4))


def test_a_zip_of_photos_opens_at_a_size_with_labels_and_metadata_given(
        photos: Path, tmp_path: Path) -> None:
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in sorted(photos.rglob("*")):
            if file.is_file():
                zipped.write(file, file.relative_to(photos).as_posix())
    dataset = lx.load_dataset(archive, labels=["a", "b", "c", "d"],
                              metadata={"score": [0.1, 0.2, 0.3, 0.4]}, image_size=16,
                              name="my photos")
    assert dataset.float_batch(0, 4).shape == (4, 16, 16, 3)
    assert dataset.name == "my photos"
    assert dataset.label_names == ["a", "b", "c", "d"]
    assert dataset.metadata["score"].tolist() == [0.1, 0.2, 0.3, 0.4]
    assert dataset.metadata["file"].tolist()[0] == "cats/chelsea.jpg"  # kept from the zip


def test_image_size_is_for_images_in_files_and_in_memory(photos: Path) -> None:
    resized = lx.load_dataset(np.zeros((3, 8, 8), np.uint8), image_size=SIZE)
    assert resized.image_shape == (SIZE, SIZE, 1)  # held in memory: resized too
    with pytest.raises(lx.LatentExplorerError, match="only used with folders"):
        lx.load_dataset("digits", image_size=SIZE)
    with pytest.raises(lx.LatentExplorerError, match="give data= too"):
        lx.explore(image_size=SIZE, block=False)


def test_explore_shows_photos_at_a_size_through_a_taesd_model(
        photos: Path, tmp_path: Path, open_explorer: Any) -> None:
    save_taesd(tmp_path / "taesd")
    explorer = open_explorer(model=str(tmp_path / "taesd" / "taesd_encoder.pth"), data=photos,
                             image_size=SIZE)
    ws = explorer.window.workspace
    assert ws is not None and len(ws.dataset) == 4
    assert ws.model.latent_shape == (4, SIZE // 8, SIZE // 8)  # the model follows the photos
    assert explorer.latent.shape == (4 * (SIZE // 8) ** 2,)
    # A session saved from this window reopens the folder at the same size.
    assert explorer.window.sessions.snapshot().dataset.image_size == (SIZE, SIZE)


def test_explore_maps_vectors_beside_photos_loaded_at_a_size(
        photos: Path, open_explorer: Any) -> None:
    vectors = np.random.default_rng(0).normal(size=(4, 12)).astype(np.float32)[:, ::2]  # a view
    explorer = open_explorer(latents=vectors, data=photos, image_size=(SIZE, 2 * SIZE))
    ws = explorer.window.workspace
    assert ws is not None and not ws.has_decoder and ws.latents.shape == (4, 6)
    assert ws.dataset.image_shape == (SIZE, 2 * SIZE, 3)  # the photos, cropped and resized
    assert explorer.window.sessions.snapshot().dataset.image_size == (SIZE, 2 * SIZE)
    with pytest.raises(lx.LatentExplorerError, match="give its path as data="):
        lx.explore(latents=vectors, data=np.zeros((4, 8, 8), np.uint8), image_size=SIZE,
                   block=False)
