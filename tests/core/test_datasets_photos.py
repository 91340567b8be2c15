"""Folders of real photos (scikit-image's sample photographs) loaded at a chosen size.

The folder holds what users' folders hold: a JPEG whose camera stored it sideways with an
EXIF rotation tag, a 16-bit greyscale PNG, a palette PNG, an RGBA PNG, a WebP, a 4000x3000
JPEG, and a file that is not an image at all.
"""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from latent_explorer.core.datasets import image_folder as image_folder_module
from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.errors import JobCancelled
from latent_explorer.core.jobs import JobContext

skdata = pytest.importorskip("skimage.data")

SIZE = 48


def fit(pixels: npt.NDArray[np.uint8], side: int) -> npt.NDArray[np.float64]:
    """The expected result: the centred square of ``pixels``, resized to ``side``."""
    height, width = pixels.shape[:2]
    crop = min(height, width)
    top, left = (height - crop) // 2, (width - crop) // 2
    square = Image.fromarray(pixels[top : top + crop, left : left + crop])
    return np.asarray(square.resize((side, side), Image.Resampling.BILINEAR), dtype=np.float64)


@pytest.fixture(scope="module")
def photos(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("photos")
    (root / "cats").mkdir()
    (root / "other").mkdir()
    cat = skdata.chelsea()  # 300x451, upright
    stored = Image.fromarray(cat).transpose(Image.Transpose.ROTATE_90)  # as a camera held sideways
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to show"
    stored.save(root / "cats" / "a-sideways.jpg", quality=95, exif=exif)
    Image.fromarray(cat[:, :, :].copy()).convert("RGBA").save(root / "cats" / "b-rgba.png")
    camera16 = skdata.camera().astype(np.uint16) * 257
    Image.fromarray(camera16).save(root / "other" / "c-camera16.png")
    Image.fromarray(skdata.coffee()).convert("P", palette=Image.Palette.ADAPTIVE).save(
        root / "other" / "d-palette.png")
    Image.fromarray(skdata.rocket()).save(root / "other" / "e-rocket.webp", quality=95)
    big = Image.fromarray(skdata.astronaut()).resize((4000, 3000), Image.Resampling.BILINEAR)
    big.save(root / "other" / "f-astronaut-4000x3000.jpg", quality=90)
    (root / "other" / "g-broken.jpg").write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\0" * 40)
    return root


def test_photos_of_every_kind_load_at_the_size_asked(photos: Path, tmp_path: Path) -> None:
    dataset = load_dataset(str(photos), image_size=SIZE, cache_dir=tmp_path)

    files = dataset.metadata["file"].tolist()
    assert files == ["cats/a-sideways.jpg", "cats/b-rgba.png", "other/c-camera16.png",
                     "other/d-palette.png", "other/e-rocket.webp",
                     "other/f-astronaut-4000x3000.jpg"]
    assert dataset.images.shape == (6, SIZE, SIZE, 3)
    assert dataset.label_names == ["cats", "other"]
    # The sideways JPEG is shown upright: it matches the upright cat, not the stored one.
    upright = fit(skdata.chelsea(), SIZE)
    assert np.abs(dataset.images[0] - upright).mean() < 6
    sideways = fit(np.asarray(Image.fromarray(skdata.chelsea()).transpose(
        Image.Transpose.ROTATE_90)), SIZE)
    assert np.abs(dataset.images[0] - sideways).mean() > 20
    assert np.abs(dataset.images[1] - upright).mean() < 2  # RGBA, opaque
    grey = dataset.images[2].astype(np.float64)
    assert np.array_equal(grey[..., 0], grey[..., 1])  # grey, made RGB
    assert np.abs(grey[..., 0] - fit(skdata.camera(), SIZE)).mean() < 2  # 16 bits -> 8
    assert np.abs(dataset.images[3] - fit(skdata.coffee(), SIZE)).mean() < 8  # palette
    assert np.abs(dataset.images[4] - fit(skdata.rocket(), SIZE)).mean() < 6  # WebP
    # 4000x3000 stretched from 512x512: its centre square is the middle 384 columns.
    middle = Image.fromarray(skdata.astronaut()[:, 64:448]).resize((SIZE, SIZE))
    assert np.abs(dataset.images[5] - np.asarray(middle, dtype=np.float64)).mean() < 8
    notes = " | ".join(dataset.notes)
    assert "skipped 1 unreadable file of 7: other/g-broken.jpg" in notes
    assert f"resized 6 of 6 images to {SIZE}x{SIZE} (width x height; the size asked for)" in notes
    assert "turned 1 photos upright as their EXIF data asks" in notes


def test_a_4000x3000_jpeg_never_exists_decoded_at_full_size(photos: Path,
                                                            tmp_path: Path) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.jpg").write_bytes((photos / "other" / "f-astronaut-4000x3000.jpg")
                                          .read_bytes())
    tracemalloc.start()
    try:
        dataset = load_dataset(str(folder), image_size=256)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert dataset.images.shape == (3, 256, 256, 3)
    # One decoded original is 36 MB; JPEG draft decoding at 1/8 scale makes it 0.6 MB.
    assert peak < 8 << 20


def test_the_second_opening_reads_the_cache(photos: Path, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    first = load_dataset(str(photos), image_size=SIZE, cache_dir=tmp_path)
    first_pixels = np.array(first.images)

    def no_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("decoded again")

    monkeypatch.setattr(image_folder_module, "decode_image", no_decoding)
    monkeypatch.setattr(image_folder_module, "read_header", no_decoding)
    messages: list[str] = []
    second = load_dataset(str(photos), image_size=SIZE, cache_dir=tmp_path,
                          ctx=JobContext(lambda _, message: messages.append(message)))
    assert isinstance(second.images.base, np.memmap) or isinstance(second.images, np.memmap)
    np.testing.assert_array_equal(second.images, first_pixels)
    assert second.metadata["file"].tolist() == first.metadata["file"].tolist()
    assert second.notes == first.notes and second.label_names == first.label_names
    assert messages == [f"{photos.name}: read from the cache"]
    with pytest.raises(AssertionError, match="decoded again"):  # another size is another entry
        load_dataset(str(photos), image_size=SIZE + 1, cache_dir=tmp_path)


def test_a_changed_file_misses_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "pics"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(skdata.astronaut()[::8, ::8]).save(folder / f"{i}.png")
    cache = tmp_path / "cache"
    load_dataset(str(folder), image_size=16, cache_dir=cache)
    Image.new("RGB", (64, 64), (255, 0, 0)).save(folder / "1.png")
    again = load_dataset(str(folder), image_size=16, cache_dir=cache)
    assert again.images[1, 8, 8].tolist() == [255, 0, 0]


def test_cancel_leaves_no_cache_entry(photos: Path, tmp_path: Path) -> None:
    def stop_when_decoding(_fraction: float | None, message: str) -> None:
        if message.startswith("reading images"):  # headers read, the memory map made
            ctx.cancel()

    ctx = JobContext(stop_when_decoding)
    with pytest.raises(JobCancelled):
        load_dataset(str(photos), image_size=SIZE, cache_dir=tmp_path, ctx=ctx)
    assert list((tmp_path / "images").iterdir()) == []


def test_a_zip_of_photos_at_a_size(photos: Path, tmp_path: Path) -> None:
    archive = tmp_path / "photos.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        for path in sorted(photos.rglob("*")):
            if path.is_file():
                handle.write(path, f"holiday/{path.relative_to(photos).as_posix()}")
    dataset = load_dataset(str(archive), image_size=(24, 32), cache_dir=tmp_path / "c")
    assert dataset.images.shape == (6, 24, 32, 3)
    assert dataset.label_names == ["cats", "other"]
    assert dataset.metadata["file"][0] == "holiday/cats/a-sideways.jpg"
