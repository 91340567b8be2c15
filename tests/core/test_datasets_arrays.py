""".npz and .npy files: keys, layouts, value ranges, memory maps, and refusing pickles."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.datasets.arrays import load_array_dataset
from latent_explorer.core.errors import DatasetError


def grey_stack(n: int = 5, h: int = 6, w: int = 7) -> np.ndarray:
    return (np.arange(n * h * w) % 256).astype(np.uint8).reshape(n, h, w)


def test_npz_images_labels_names(tmp_path: Path) -> None:
    path = tmp_path / "set.npz"
    images = grey_stack()
    np.savez(
        path,
        images=images,
        labels=np.array([0, 1, 1, 0, 2]),
        label_names=np.array(["cat", "dog", "eel"]),
        factor=np.linspace(0, 1, 5),
        unrelated=np.zeros(3),
    )
    dataset = load_array_dataset(path)
    assert dataset.images.shape == (5, 6, 7, 1)
    np.testing.assert_array_equal(dataset.images[..., 0], images)
    assert dataset.labels is not None and dataset.labels.dtype == np.int64
    assert dataset.labels.tolist() == [0, 1, 1, 0, 2]
    assert dataset.label_names == ["cat", "dog", "eel"]
    assert set(dataset.metadata) == {"factor"}
    assert dataset.name == "set.npz"
    assert dataset.source == str(path.resolve())


@pytest.mark.parametrize("key", ["x", "X", "data", "anything"])
def test_npz_image_key_fallbacks(tmp_path: Path, key: str) -> None:
    path = tmp_path / "k.npz"
    # numpy's stubs read ** as its allow_pickle flag; the names here are array keys.
    np.savez_compressed(path, **{key: grey_stack(3)}, y=np.array([2, 0, 1]))  # type: ignore[arg-type]
    dataset = load_array_dataset(path)
    assert dataset.images.shape == (3, 6, 7, 1)
    assert dataset.labels is not None and dataset.labels.tolist() == [2, 0, 1]


def test_npz_string_labels(tmp_path: Path) -> None:
    path = tmp_path / "s.npz"
    np.savez(path, images=grey_stack(4), labels=np.array(["b", "a", "b", "c"]))
    dataset = load_array_dataset(path)
    assert dataset.label_names == ["a", "b", "c"]
    assert dataset.labels is not None and dataset.labels.tolist() == [1, 0, 1, 2]


def test_npz_ambiguous_images(tmp_path: Path) -> None:
    path = tmp_path / "two.npz"
    np.savez(path, first=grey_stack(), second=grey_stack())
    with pytest.raises(DatasetError, match="several 3-D/4-D arrays") as info:
        load_array_dataset(path)
    assert "two.npz" in str(info.value)


def test_npz_label_count_mismatch(tmp_path: Path) -> None:
    path = tmp_path / "n.npz"
    np.savez(path, images=grey_stack(5), labels=np.arange(4))
    with pytest.raises(DatasetError, match="4 labels for 5 images") as info:
        load_array_dataset(path)
    assert "n.npz" in str(info.value)


def test_npz_object_array_refused(tmp_path: Path) -> None:
    path = tmp_path / "obj.npz"
    images = np.empty(2, dtype=object)
    images[:] = [np.zeros((3, 3)), np.zeros((3, 3))]
    np.savez(path, images=images)
    with pytest.raises(DatasetError, match="refused for safety") as info:
        load_array_dataset(path)
    assert "obj.npz" in str(info.value)


def test_truncated_npz(tmp_path: Path) -> None:
    path = tmp_path / "cut.npz"
    np.savez(path, images=grey_stack(50))
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(DatasetError, match=r"cannot be read as a \.npz") as info:
        load_array_dataset(path)
    assert "cut.npz" in str(info.value)


def test_uint8_npy_is_memory_mapped(tmp_path: Path) -> None:
    path = tmp_path / "rgb.npy"
    images = np.random.default_rng(1).integers(0, 256, (4, 5, 6, 3), dtype=np.uint8)
    np.save(path, images)
    dataset = load_array_dataset(path)
    assert isinstance(dataset.images, np.memmap)
    np.testing.assert_array_equal(dataset.images, images)
    assert dataset.notes == []


def test_grey_npy_without_channel_axis_stays_mapped(tmp_path: Path) -> None:
    path = tmp_path / "grey.npy"
    np.save(path, grey_stack())
    dataset = load_array_dataset(path)
    assert dataset.images.shape == (5, 6, 7, 1)
    assert isinstance(dataset.images, np.memmap)


def test_float_unit_range_scaled(tmp_path: Path) -> None:
    path = tmp_path / "f.npy"
    np.save(path, np.array([[[0.0, 0.5], [1.0, 0.25]]], dtype=np.float32))
    dataset = load_array_dataset(path)
    assert dataset.images[0, :, :, 0].tolist() == [[0, 128], [255, 64]]
    assert dataset.notes == []


def test_float_other_range_rescaled_with_note(tmp_path: Path) -> None:
    path = tmp_path / "g.npy"
    np.save(path, np.array([[[-1.0, 0.0], [1.0, 3.0]]]))
    dataset = load_array_dataset(path)
    assert dataset.images[0, :, :, 0].tolist() == [[0, 64], [128, 255]]
    assert any("rescaled pixel values from [-1, 3]" in note for note in dataset.notes)


def test_nan_refused(tmp_path: Path) -> None:
    path = tmp_path / "nan.npy"
    values = np.zeros((2, 4, 4))
    values[0, 1, 1] = np.nan
    values[1, 2, 2] = np.inf
    np.save(path, values)
    with pytest.raises(DatasetError, match="1 NaN and 1 infinite") as info:
        load_array_dataset(path)
    assert "nan.npy" in str(info.value)


def test_object_npy_refused(tmp_path: Path) -> None:
    path = tmp_path / "obj.npy"
    values = np.empty(3, dtype=object)
    values[:] = ["a", 1, None]
    np.save(path, values, allow_pickle=True)
    with pytest.raises(
        DatasetError, match="pickled object arrays, which are refused for safety"
    ) as info:
        load_array_dataset(path)
    assert "obj.npy" in str(info.value)


def test_bool_and_int(tmp_path: Path) -> None:
    np.save(tmp_path / "b.npy", np.array([[[True, False]]]))
    assert load_array_dataset(tmp_path / "b.npy").images.ravel().tolist() == [255, 0]
    np.save(tmp_path / "i.npy", np.array([[[3, 200]]], dtype=np.int32))
    dataset = load_array_dataset(tmp_path / "i.npy")
    assert dataset.images.ravel().tolist() == [3, 200]
    assert dataset.notes == []


def test_channel_first_transposed(tmp_path: Path) -> None:
    path = tmp_path / "chw.npy"
    images = np.random.default_rng(2).integers(0, 256, (3, 3, 8, 9), dtype=np.uint8)
    np.save(path, images)
    dataset = load_array_dataset(path)
    assert dataset.images.shape == (3, 8, 9, 3)
    assert dataset.images.flags.c_contiguous
    np.testing.assert_array_equal(dataset.images, images.transpose(0, 2, 3, 1))
    assert any("channel-first" in note for note in dataset.notes)


def test_rgba_composited_on_black(tmp_path: Path) -> None:
    path = tmp_path / "rgba.npy"
    pixels = np.array([[[[200, 100, 50, 255], [200, 100, 50, 0], [200, 100, 50, 128]]]])
    np.save(path, pixels.astype(np.uint8))
    dataset = load_array_dataset(path)
    assert dataset.images.shape == (1, 1, 3, 3)
    assert dataset.images[0, 0].tolist() == [[200, 100, 50], [0, 0, 0], [100, 50, 25]]
    assert any("composited" in note for note in dataset.notes)


@pytest.mark.parametrize("shape", [(5,), (2, 3, 4, 5, 6), (2, 5, 5, 7)])
def test_bad_shapes(tmp_path: Path, shape: tuple[int, ...]) -> None:
    path = tmp_path / "shape.npy"
    np.save(path, np.zeros(shape, dtype=np.uint8))
    with pytest.raises(DatasetError, match="images must be shaped") as info:
        load_array_dataset(path)
    assert "shape.npy" in str(info.value)


def test_empty_array(tmp_path: Path) -> None:
    path = tmp_path / "empty.npy"
    np.save(path, np.zeros((0, 4, 4), dtype=np.uint8))
    with pytest.raises(DatasetError, match="contains no images") as info:
        load_array_dataset(path)
    assert "empty.npy" in str(info.value)


def test_truncated_npy(tmp_path: Path) -> None:
    path = tmp_path / "cut.npy"
    np.save(path, grey_stack(20))
    path.write_bytes(path.read_bytes()[:200])
    with pytest.raises(DatasetError, match=r"cannot be read as a \.npy") as info:
        load_array_dataset(path)
    assert "cut.npy" in str(info.value)


def test_separate_labels_file(tmp_path: Path) -> None:
    np.save(tmp_path / "img.npy", grey_stack(3))
    np.save(tmp_path / "lab.npy", np.array([2.0, 1.0, 0.0]))
    dataset = load_array_dataset(tmp_path / "img.npy", labels=tmp_path / "lab.npy")
    assert dataset.labels is not None and dataset.labels.tolist() == [2, 1, 0]
    np.save(tmp_path / "short.npy", np.array([1, 2]))
    with pytest.raises(DatasetError, match="2 labels for 3 images") as info:
        load_array_dataset(tmp_path / "img.npy", labels=tmp_path / "short.npy")
    assert "short.npy" in str(info.value)


def test_fractional_labels_refused(tmp_path: Path) -> None:
    path = tmp_path / "frac.npz"
    np.savez(path, images=grey_stack(2), labels=np.array([0.5, 1.0]))
    with pytest.raises(DatasetError, match="whole numbers") as info:
        load_array_dataset(path)
    assert "frac.npz" in str(info.value)


def test_not_numpy_at_all(tmp_path: Path) -> None:
    path = tmp_path / "fake.npy"
    path.write_text("hello")
    with pytest.raises(DatasetError, match=r"neither a \.npy nor a \.npz") as info:
        load_array_dataset(path)
    assert "fake.npy" in str(info.value)
