"""``--image-size`` for arrays (``.npz``, ``.npy``, IDX), and ``.npz`` class names under
``classes``: a 32 px array opens at 64 px for a model that wants 64, as a folder of photos does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latent_explorer.cli import main
from latent_explorer.core.datasets import load_dataset
from latent_explorer.core.errors import SpecError
from tests.core.test_datasets_idx import write_idx


def halves(count: int, side: int) -> np.ndarray:
    """Colour images: the left half red, the right half blue."""
    images = np.zeros((count, side, side, 3), np.uint8)
    images[:, :, : side // 2, 0] = 255
    images[:, :, side // 2:, 2] = 255
    return images


def test_a_32_px_npz_opens_at_64_with_its_labels_named_by_classes(tmp_path: Path) -> None:
    path = tmp_path / "cifar-like.npz"
    np.savez(path, images=halves(5, 32), labels=np.array([0, 1, 1, 0, 1]),
             classes=np.array(["airplane", "horse"]), score=np.arange(5.0))
    dataset = load_dataset(str(path), image_size=64)
    assert dataset.image_shape == (64, 64, 3)
    assert dataset.label_names == ["airplane", "horse"]
    assert dataset.label_name(1) == "horse"
    assert set(dataset.metadata) == {"score"}  # `classes` names labels; it is no column
    image = dataset.images[0]
    assert image[:, :30, 0].min() == 255 and image[:, :30, 2].max() == 0  # left stays red
    assert image[:, 34:, 2].min() == 255 and image[:, 34:, 0].max() == 0  # right stays blue
    assert any("resized from 32x32 to 64x64" in note for note in dataset.notes)
    assert dataset.fingerprint() != load_dataset(str(path)).fingerprint()


def test_a_numeric_classes_array_stays_a_column(tmp_path: Path) -> None:
    path = tmp_path / "per-image.npz"
    np.savez(path, images=halves(4, 8), classes=np.array([3, 1, 3, 2]))
    dataset = load_dataset(str(path))
    assert dataset.label_names is None and set(dataset.metadata) == {"classes"}


def test_an_idx_file_opens_at_another_size_and_shape(tmp_path: Path) -> None:
    images = np.zeros((6, 28, 28), np.uint8)
    images[:, 10:18, 10:18] = 255
    path = write_idx(tmp_path / "t10k-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(6, dtype=np.uint8))
    dataset = load_dataset(str(path), image_size=(32, 48))
    assert dataset.image_shape == (32, 48, 1)
    assert dataset.labels is not None and dataset.labels.tolist() == list(range(6))
    assert any("cropped around the centre" in note for note in dataset.notes)


def test_the_same_size_is_the_same_dataset(tmp_path: Path) -> None:
    path = tmp_path / "same.npy"
    np.save(path, halves(3, 16))
    assert load_dataset(str(path), image_size=16).fingerprint() == \
        load_dataset(str(path)).fingerprint()


def test_built_in_datasets_still_take_no_size() -> None:
    with pytest.raises(SpecError, match="not the built-in 'digits'"):
        load_dataset("digits", image_size=16)


def test_the_cli_opens_a_16_px_array_for_a_32_px_model(tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    path = tmp_path / "small.npz"
    np.savez(path, images=halves(6, 16))
    assert main(["info", "--dataset", str(path), "--model", "demo-shapes",
                 "--image-size", "32"]) == 0
    out = capsys.readouterr().out
    assert "6 of 32x32, 3 channels" in out and "the model can encode this dataset" in out
