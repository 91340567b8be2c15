"""Samples named by number, by file name or by glob, as an artist names them."""

from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.datasets.sample_names import resolve_samples
from latent_explorer.core.errors import SpecError

FILES = ["airplane/0001.jpg", "airplane/0004.jpg", "horse/0703.jpg", "horse/0704.jpg",
         "ship/0004.jpg"]


def photos() -> ArrayDataset:
    return ArrayDataset("photos", "/data/photos", np.zeros((5, 2, 2, 3), np.uint8),
                        metadata={"file": np.array(FILES)})


def test_names_globs_and_numbers_in_order() -> None:
    data = photos()
    assert resolve_samples(data, "airplane/0004.jpg,horse/0703.jpg") == [1, 2]
    assert resolve_samples(data, "horse/*.jpg, 0") == [2, 3, 0]
    assert resolve_samples(data, ["0703.jpg", 4, "*/0001.*"]) == [2, 4, 0]
    assert resolve_samples(data, [np.int64(3), "3"]) == [3, 3]
    assert resolve_samples(data, ["horse\\0704.jpg"]) == [3]  # typed on Windows


@pytest.mark.parametrize(("items", "message"), [
    ("0004.jpg", "2 files of photos have that name ('airplane/0004.jpg', 'ship/0004.jpg')"),
    ("cat/0001.jpg", "no file of photos has that name (names look like 'airplane/0001.jpg')"),
    ("cat/*", "no file of photos matches it"),
    ("9", "photos has sample numbers 0 to 4; 9 is out of range"),
    (" , ", "names no samples"),
])
def test_what_names_nothing_says_so(items: str, message: str) -> None:
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace(")", r"\)")):
        resolve_samples(photos(), items, "--anchors")


def test_samples_without_file_names_take_numbers() -> None:
    digits = ArrayDataset("digits", "digits", np.zeros((3, 2, 2, 1), np.uint8))
    assert resolve_samples(digits, "2,0") == [2, 0]
    with pytest.raises(SpecError, match="digits has no file names, so samples are "
                       "comma-separated numbers 0 to 2"):
        resolve_samples(digits, "1,x", "--anchors")
