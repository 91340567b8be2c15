"""Datasets from the Python objects a notebook holds: arrays, tensors, torch datasets, PIL lists."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch
from PIL import Image

from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.datasets.from_object import dataset_from_object
from latent_explorer.core.errors import DatasetError


def test_uint8_grey_array_is_used_as_it_is() -> None:
    images = np.random.default_rng(0).integers(0, 256, (5, 6, 7), dtype=np.uint8)
    dataset = dataset_from_object(images, labels=[0, 1, 0, 1, 2], name="mine")
    assert isinstance(dataset, Dataset)
    assert dataset.images.shape == (5, 6, 7, 1) and np.shares_memory(dataset.images, images)
    assert dataset.name == "mine" and dataset.source == "object:mine"
    assert dataset.labels is not None and dataset.labels.tolist() == [0, 1, 0, 1, 2]
    assert dataset.notes == []


def test_channel_first_floats_in_0_1_are_scaled_and_made_contiguous() -> None:
    rng = np.random.default_rng(1)
    images = rng.random((4, 3, 8, 9), dtype=np.float32)
    dataset = dataset_from_object(images)
    assert dataset.images.shape == (4, 8, 9, 3) and dataset.images.flags.c_contiguous
    expected = np.rint(np.moveaxis(images, 1, -1) * 255)
    assert np.abs(dataset.images.astype(float) - expected).max() <= 1
    assert any("channel-first" in note for note in dataset.notes)


def test_minus_one_to_one_floats_are_read_as_black_to_white() -> None:
    images = np.stack([np.full((4, 4), -1.0), np.zeros((4, 4)), np.ones((4, 4))])
    dataset = dataset_from_object(images)
    assert dataset.images[:, 0, 0, 0].tolist() == [0, 128, 255]
    assert dataset.notes[0] == "read pixel values in [-1, 1] as -1 = black, 1 = white"


def test_any_other_range_is_rescaled_with_a_note() -> None:
    images = np.linspace(0, 1000, 2 * 5 * 5).reshape(2, 5, 5)
    dataset = dataset_from_object(images)
    assert dataset.images.min() == 0 and dataset.images.max() == 255
    assert "rescaled pixel values from [0, 1000] to 0..255" in dataset.notes


def test_a_transposed_view_is_copied_contiguous() -> None:
    base = np.random.default_rng(2).integers(0, 256, (8, 8, 3, 6), dtype=np.uint8)
    view = base.transpose(3, 0, 1, 2)  # (6, 8, 8, 3), not contiguous
    dataset = dataset_from_object(view)
    assert dataset.images.flags.c_contiguous
    np.testing.assert_array_equal(dataset.images, view)


def test_a_tensor_that_requires_grad_is_detached() -> None:
    tensor = torch.rand(3, 1, 6, 6, requires_grad=True) * 2 - 1
    dataset = dataset_from_object(tensor, labels=torch.tensor([2, 0, 1]))
    assert dataset.images.shape == (3, 6, 6, 1) and dataset.name == "tensor"
    assert dataset.labels is not None and dataset.labels.tolist() == [2, 0, 1]


class _Pairs(torch.utils.data.Dataset):  # type: ignore[type-arg]
    """Items like torchvision's with ToTensor: ``(float tensor (C, H, W), int label)``."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.rng = np.random.default_rng(3)
        self.pixels = self.rng.integers(0, 256, (7, 10, 12, 3), dtype=np.uint8)

    def __len__(self) -> int:
        return len(self.pixels)

    def __getitem__(self, index: int) -> Any:
        pixels = self.pixels[index]
        if self.kind == "tensor":
            image: Any = torch.from_numpy(pixels).permute(2, 0, 1).float() / 255
        elif self.kind == "pil":
            image = Image.fromarray(pixels)
        else:
            image = pixels
        return image, index % 3


@pytest.mark.parametrize("kind", ["tensor", "pil", "ndarray"])
def test_a_torch_dataset_of_image_label_pairs(kind: str) -> None:
    source = _Pairs(kind)
    dataset = dataset_from_object(source)
    assert dataset.images.shape == (7, 10, 12, 3)
    assert np.abs(dataset.images.astype(int) - source.pixels.astype(int)).max() <= 1
    assert dataset.labels is not None and dataset.labels.tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert dataset.name == "_Pairs"


def test_a_list_of_pil_images_of_mixed_sizes_and_modes() -> None:
    images = [Image.new("RGB", (16, 8), (255, 0, 0)) for _ in range(3)]
    images.append(Image.new("L", (32, 32), 100))
    images.append(Image.new("RGBA", (16, 8), (0, 0, 255, 255)))
    dataset = dataset_from_object(images, labels=["red", "red", "red", "grey", "blue"])
    assert dataset.images.shape == (5, 8, 16, 3)
    assert dataset.images[3, 4, 8].tolist() == [100, 100, 100]
    assert dataset.images[4, 0, 0].tolist() == [0, 0, 255]
    assert dataset.label_names == ["blue", "grey", "red"]
    assert dataset.labels is not None and dataset.labels.tolist() == [2, 2, 2, 1, 0]
    assert any(note.startswith("resized 1 of 5 images to 16x8") for note in dataset.notes)


def test_a_spec_string_with_labels_and_metadata() -> None:
    dataset = dataset_from_object("digits", metadata={"even": np.arange(1797) % 2 == 0})
    assert len(dataset) == 1797 and dataset.labels is not None
    even = dataset.metadata["even"]  # true/false stays true/false
    assert even.kind == "boolean" and even.dtype == np.bool_ and even.text(0) == "true"


def test_metadata_from_a_dataframe() -> None:
    pandas = pytest.importorskip("pandas")
    table = pandas.DataFrame({
        "age": [1, 2, None, 4],
        "site": ["a", None, "b", "a"],
        "when": pandas.to_datetime(["2024-01-01"] * 4),
    })
    images = np.zeros((4, 3, 3), dtype=np.uint8)
    dataset = dataset_from_object(images, metadata=table)
    age = dataset.metadata["age"]  # pandas made it float64 (None): it stays a number
    assert age.kind == "number" and np.isnan(age[2]) and age[3] == 4
    assert dataset.metadata["site"].tolist() == ["a", None, "b", "a"]
    when = dataset.metadata["when"]
    assert when.kind == "datetime" and when.text(0) == "2024-01-01"


@pytest.mark.parametrize(("metadata", "message"), [
    ({"age": [1, 2, 3]}, r"metadata: column 'age' has 3 values for 4 images"),
    ({"ok": [1, 2, 3, 4], "grid": np.zeros((4, 2))}, r"column 'grid' has shape \(4, 2\)"),
    ([1, 2, 3, 4], "a list is not a table"),
])
def test_bad_metadata_names_the_column(metadata: Any, message: str) -> None:
    with pytest.raises(DatasetError, match=message):
        dataset_from_object(np.zeros((4, 3, 3), dtype=np.uint8), metadata=metadata)


def test_dataframe_of_the_wrong_length() -> None:
    pandas = pytest.importorskip("pandas")
    with pytest.raises(DatasetError, match="metadata: the table has 2 rows for 4 images"):
        dataset_from_object(np.zeros((4, 3, 3), dtype=np.uint8),
                            metadata=pandas.DataFrame({"a": [1, 2]}))


@pytest.mark.parametrize(("data", "labels", "message"), [
    (np.zeros((4, 3, 3), dtype=np.uint8), [0, 1], "has 2 labels for 4 images"),
    ({"a": 1}, None, "item 0 cannot be read"),
    (3.5, None, "a float cannot be read as images"),
    ([np.zeros((4, 4)), np.zeros((4, 4)), np.zeros((5, 5))], None,
     r"most are \(4, 4\), item 2 is \(5, 5\)"),
    (np.zeros((2, 3)), None, "images must be shaped"),
])
def test_bad_objects_say_what_is_wrong(data: Any, labels: Any, message: str) -> None:
    with pytest.raises(DatasetError, match=message):
        dataset_from_object(data, labels=labels)


def test_dict_items_as_hugging_face_gives_them() -> None:
    rng = np.random.default_rng(4)
    records = [{"image": Image.fromarray(rng.integers(0, 256, (6, 6), dtype=np.uint8)),
                "label": ["cat", "dog"][i % 2]} for i in range(4)]
    dataset = dataset_from_object(records)
    assert dataset.images.shape == (4, 6, 6, 1)
    assert dataset.label_names == ["cat", "dog"]
    with pytest.raises(DatasetError, match="item 0 is a dict without an image"):
        dataset_from_object([{"pixels": 1}])


def test_a_dataset_of_the_app_passes_through_as_a_copy() -> None:
    digits = dataset_from_object("digits")
    relabelled = dataset_from_object(digits, labels=np.zeros(len(digits), dtype=int),
                                     metadata={"n": np.arange(len(digits))}, name="mine")
    assert relabelled.name == "mine" and relabelled.images is digits.images
    assert relabelled.labels is not None and set(relabelled.labels.tolist()) == {0}
    assert digits.labels is not None and len(set(digits.labels.tolist())) == 10
    assert "n" not in digits.metadata
    assert relabelled.fingerprint() != digits.fingerprint()


def test_labels_with_a_gap_say_what_they_hold() -> None:
    with pytest.raises(DatasetError, match="labels: must be all whole numbers or all names; "
                       "found None"):
        dataset_from_object(np.zeros((3, 4, 4), dtype=np.uint8), labels=[1, None, 2])
