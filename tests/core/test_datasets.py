"""``load_dataset``: the built-in digits and the dispatch to each file format.

The formats themselves are tested in ``test_datasets_idx.py``, ``test_datasets_arrays.py``
and ``test_datasets_image_folder.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latent_explorer.core.datasets import (
    BUILTIN_DATASETS,
    BUILTIN_LOADERS,
    ArrayDataset,
    Dataset,
    detect_format,
    load_dataset,
)
from latent_explorer.core.datasets.conversion import to_labels
from latent_explorer.core.datasets.digits import load_digits_dataset
from latent_explorer.core.errors import DatasetError, SpecError
from tests.conftest import MNIST_SKIP
from tests.core.test_datasets_idx import MNIST, write_idx


def test_builtins_listed() -> None:
    assert BUILTIN_DATASETS[0] == "digits"  # the default comes first
    assert set(BUILTIN_LOADERS) == set(BUILTIN_DATASETS)


def test_digits() -> None:
    dataset = load_digits_dataset()
    assert isinstance(dataset, Dataset)
    assert (dataset.name, dataset.source) == ("digits", "digits")
    assert dataset.images.shape == (1797, 8, 8, 1)
    assert dataset.images.dtype == np.uint8
    assert int(dataset.images.min()) == 0 and int(dataset.images.max()) == 255
    assert dataset.labels is not None and dataset.labels.tolist()[:10] == list(range(10))
    assert dataset.label_names == [str(digit) for digit in range(10)]
    from sklearn.datasets import load_digits

    original = load_digits().images
    np.testing.assert_array_equal(dataset.images[..., 0], np.rint(original * 255 / 16))


def test_load_dataset_digits_by_name() -> None:
    dataset = load_dataset(" Digits ")
    assert dataset.name == "digits"
    assert dataset.fingerprint() == load_dataset(dataset.source).fingerprint()


def test_dispatch_to_each_format(tmp_path: Path) -> None:
    images = np.zeros((3, 5, 5), dtype=np.uint8)
    idx_file = write_idx(tmp_path / "train-images-idx3-ubyte.gz", images)
    write_idx(tmp_path / "train-labels-idx1-ubyte.gz", np.array([0, 1, 2], dtype=np.uint8))
    np.savez(tmp_path / "a.npz", images=images)
    np.save(tmp_path / "a.npy", images)
    folder = tmp_path / "pictures" / "class"
    folder.mkdir(parents=True)
    Image.new("L", (5, 5)).save(folder / "p.png")
    (folder.parent / "other").mkdir()
    Image.new("L", (5, 5)).save(folder.parent / "other" / "q.png")

    from_idx = load_dataset(str(idx_file))
    assert isinstance(from_idx, ArrayDataset) and from_idx.labels is not None
    assert load_dataset(str(tmp_path / "a.npz")).name == "a.npz"
    assert load_dataset(str(tmp_path / "a.npy")).name == "a.npy"
    assert load_dataset(str(tmp_path / "pictures")).label_names == ["class", "other"]
    for spec in (idx_file, tmp_path / "a.npz", tmp_path / "a.npy", tmp_path / "pictures"):
        dataset = load_dataset(str(spec))
        assert dataset.images.shape[1:] == (5, 5, 1)
        assert load_dataset(dataset.source).fingerprint() == dataset.fingerprint()


def test_dispatch_by_magic_not_name(tmp_path: Path) -> None:
    images = np.zeros((2, 5, 5), dtype=np.uint8)
    odd_idx = write_idx(tmp_path / "mnist.bin", images)
    odd_npy = tmp_path / "arrays.dat"
    with odd_npy.open("wb") as stream:
        np.save(stream, images)
    assert detect_format(odd_idx) == "idx"
    assert detect_format(odd_npy) == "arrays"
    assert load_dataset(str(odd_idx)).images.shape == (2, 5, 5, 1)
    assert load_dataset(str(odd_npy)).images.shape == (2, 5, 5, 1)


def test_explicit_labels_pass_through(tmp_path: Path) -> None:
    images_file = write_idx(tmp_path / "faces.idx", np.zeros((2, 5, 5), dtype=np.uint8))
    labels_file = write_idx(tmp_path / "faces-labels.idx", np.array([1, 0], dtype=np.uint8))
    dataset = load_dataset(str(images_file), labels=str(labels_file))
    assert dataset.labels is not None and dataset.labels.tolist() == [1, 0]


def test_labels_refused_for_digits() -> None:
    with pytest.raises(SpecError, match="labels file"):
        load_dataset("digits", labels="whatever.npy")


def test_wrong_magic_with_idx_name_reaches_idx_loader(tmp_path: Path) -> None:
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(b"\x12\x34\x56\x78" + b"\0" * 20)
    with pytest.raises(DatasetError, match="not an IDX file") as info:
        load_dataset(str(path))
    assert path.name in str(info.value)


def test_missing_path(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.npz"
    with pytest.raises(DatasetError, match="no such file or folder") as info:
        load_dataset(str(missing))
    assert "nothing.npz" in str(info.value)


@pytest.mark.parametrize("spec", ["shapes-of-nothing", ""])
def test_unknown_spec(spec: str) -> None:
    with pytest.raises(SpecError) as info:
        load_dataset(spec)
    message = str(info.value)
    assert "digits" in message and ".npz" in message and "IDX" in message and "folder" in message


def test_unknown_file_format(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(SpecError, match="not a dataset format") as info:
        load_dataset(str(path))
    assert "notes.txt" in str(info.value)


def test_to_labels_uses_given_name_order() -> None:
    ids, names = to_labels(np.array(["dog", "cat"]), "x", 2, ["dog", "cat", "eel"])
    assert ids.tolist() == [0, 1] and names == ["dog", "cat", "eel"]


@pytest.mark.skipif(not (MNIST / "t10k-images-idx3-ubyte.gz").is_file(), reason=MNIST_SKIP)
def test_real_mnist_through_load_dataset() -> None:
    dataset = load_dataset(str(MNIST / "t10k-images-idx3-ubyte.gz"))
    assert len(dataset) == 10_000
    assert dataset.image_shape == (28, 28, 1)
    assert dataset.labels is not None and len(dataset.labels) == 10_000
    batch = dataset.float_batch(0, 4)
    assert batch.shape == (4, 28, 28, 1) and batch.min() >= 0.0 and batch.max() <= 1.0
