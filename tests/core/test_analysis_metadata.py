"""Metadata CSVs: joined by file name, by index, by row order; every failure is explained."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.analysis.metadata import find_metadata_csv, read_metadata_csv
from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.errors import InputFileError


def _dataset(files: list[str] | None = None, count: int = 4) -> ArrayDataset:
    metadata = {} if files is None else {"file": np.array(files, dtype=str)}
    return ArrayDataset("t", "t", np.zeros((count, 2, 2, 1), dtype=np.uint8), metadata=metadata)


def _csv(tmp_path: Path, text: str, name: str = "meta.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_join_by_file_name_and_base_name(tmp_path: Path) -> None:
    data = _dataset(["cats/a.png", "cats/b.png", "dogs/c.png", "dogs/d.png"])
    notes: list[str] = []
    path = _csv(tmp_path, "Filename,weight,owner\nc.png,3.5,ann\na.png,,bob\nd.png,NA,\n")
    columns = read_metadata_csv(path, data, notes)
    assert list(columns) == ["weight", "owner"]
    np.testing.assert_array_equal(columns["weight"], [np.nan, np.nan, 3.5, np.nan])
    assert columns["weight"].dtype == np.float64
    assert columns["owner"].tolist() == ["bob", None, "ann", None]
    assert "by 'Filename'" in notes[0] and "1 samples have no row" in notes[0]
    path = _csv(tmp_path, "path;score\ndogs/c.png;1\ncats/a.png;2\n")  # whole paths, ';'
    score = read_metadata_csv(path, data)["score"]  # whole numbers stay whole, with gaps
    assert score.is_integer and score.tolist() == [2, None, 1, None]


def test_join_by_index_and_by_row_order(tmp_path: Path) -> None:
    data = _dataset()
    columns = read_metadata_csv(_csv(tmp_path, "index,kind\n3,x\n0,y\n"), data)
    assert columns["kind"].tolist() == ["y", None, None, "x"]
    notes: list[str] = []
    columns = read_metadata_csv(_csv(tmp_path, "\ufeffa\tb\n1\tp\n2\tq\n3\tr\n4\ts\n"), data,
                                notes)
    np.testing.assert_array_equal(columns["a"], [1, 2, 3, 4])
    assert columns["b"].tolist() == ["p", "q", "r", "s"]
    assert "by row order" in notes[0]


@pytest.mark.parametrize(("text", "problem"), [
    ("a,b\n1,2\n", "cannot tell which row belongs to which sample"),
    ("index,a\n0,1\n0,2\n", "index '0' appears twice"),
    ("index,a\n7,1\n", "index '7' is not a sample number 0 .. 3"),
    ("index,a\nx,1\n", "index 'x' is not a sample number"),
    ("a,b\n1,2\n1\n1,2\n1,2\n", "row 3 has 1 cells but the header has 2"),
    ("a,a\n1,2\n1,2\n1,2\n1,2\n", "names the column 'a' twice"),
    ("", "is empty"),
])
def test_failures(tmp_path: Path, text: str, problem: str) -> None:
    path = _csv(tmp_path, text)
    with pytest.raises(InputFileError, match=re.escape(problem)):
        read_metadata_csv(path, _dataset())


def test_file_failures(tmp_path: Path) -> None:
    data = _dataset(["x/a.png", "y/a.png", "b.png", "c.png"])
    with pytest.raises(InputFileError, match=re.escape("'a.png' appears twice")):
        read_metadata_csv(_csv(tmp_path, "file,v\na.png,1\na.png,2\n"), data)
    with pytest.raises(InputFileError, match=re.escape("several samples are named 'a.png'")):
        read_metadata_csv(_csv(tmp_path, "file,v\na.png,1\n"), data)
    with pytest.raises(InputFileError, match=re.escape("'zzz.png' matches no sample")):
        read_metadata_csv(_csv(tmp_path, "file,v\nb.png,1\nzzz.png,2\n"), data)
    with pytest.raises(InputFileError, match="no such file"):
        read_metadata_csv(tmp_path / "missing.csv", data)
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(InputFileError, match="not UTF-8"):
        read_metadata_csv(binary, data)


def test_find_metadata_csv(tmp_path: Path) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    data = ArrayDataset("f", str(folder), np.zeros((1, 2, 2, 1), dtype=np.uint8))
    assert find_metadata_csv(data) is None
    (folder / "metadata.csv").write_text("a\n1\n")
    assert find_metadata_csv(data) == folder / "metadata.csv"
    arrays = tmp_path / "set.npz"
    arrays.write_bytes(b"")
    (tmp_path / "set.csv").write_text("a\n1\n")
    data = ArrayDataset("s", str(arrays), np.zeros((1, 2, 2, 1), dtype=np.uint8))
    assert find_metadata_csv(data) == tmp_path / "set.csv"
    assert find_metadata_csv(_dataset()) is None  # built-in: nothing beside it
