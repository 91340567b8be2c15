"""Selection export: CSV and NPZ read back to what was selected."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.analysis.selection_export import (
    export_selection_csv,
    export_selection_npz,
)
from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.errors import ExportError


@pytest.fixture
def dataset() -> ArrayDataset:
    rng = np.random.default_rng(0)
    return ArrayDataset(
        "t", "t", rng.integers(0, 256, (6, 3, 3, 1), dtype=np.uint8),
        labels=np.array([0, 1, 2, 1, 0, 2]), label_names=["zero", "one", "two"],
        metadata={"file": np.array([f"f{i}.png" for i in range(6)]),
                  "size": np.linspace(0, 1, 6)},
    )


def test_csv_reads_back(tmp_path: Path, dataset: ArrayDataset) -> None:
    rng = np.random.default_rng(1)
    latents = rng.standard_normal((6, 3)).astype(np.float32)
    coords = rng.standard_normal((6, 2)).astype(np.float32)
    error = np.array([0.1, np.nan, 0.3, 0.4, 0.5, 0.6])
    target = tmp_path / "sub" / "selection.csv"
    out = export_selection_csv(target, [4, 1], dataset, latents, coords, {"error": error})
    assert out == target
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["index", "label", "label_name", "file", "size", "error",
                             "map_x", "map_y", "z0", "z1", "z2"]
    assert [row["index"] for row in rows] == ["4", "1"]
    assert [row["label_name"] for row in rows] == ["zero", "one"]
    assert rows[0]["file"] == "f4.png" and rows[1]["error"] == ""
    got = np.array([[float(row[f"z{d}"]) for d in range(3)] for row in rows], dtype=np.float32)
    np.testing.assert_array_equal(got, latents[[4, 1]])
    assert float(rows[1]["map_y"]) == pytest.approx(float(coords[1, 1]))
    assert [p.name for p in target.parent.iterdir()] == ["selection.csv"]  # no temp left


def test_npz_reads_back(tmp_path: Path, dataset: ArrayDataset) -> None:
    latents = np.arange(18, dtype=np.float32).reshape(6, 3)
    mask = np.array([False, True, True, False, False, True])
    out = export_selection_npz(tmp_path / "sel.npz", mask, dataset, latents,
                               coords=np.zeros((6, 3)))
    with np.load(out, allow_pickle=False) as data:
        assert data["index"].tolist() == [1, 2, 5]
        assert data["label"].tolist() == [1, 2, 2]
        assert data["label_names"].tolist() == ["zero", "one", "two"]
        np.testing.assert_array_equal(data["latents"], latents[[1, 2, 5]])
        assert data["coords"].shape == (3, 3)
        np.testing.assert_array_equal(data["images"], dataset.images[[1, 2, 5]])
        assert data["meta_file"].tolist() == ["f1.png", "f2.png", "f5.png"]
        np.testing.assert_allclose(data["meta_size"], [0.2, 0.4, 1.0])


def test_unwritable_target_leaves_the_old_file(tmp_path: Path, dataset: ArrayDataset) -> None:
    latents = np.zeros((6, 2), dtype=np.float32)
    target = tmp_path / "sel.csv"
    target.write_text("old")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    (folder / "x").write_text("")
    with pytest.raises(ExportError, match="cannot be written"):
        export_selection_csv(folder, [0], dataset, latents)  # a non-empty folder: refused
    assert target.read_text() == "old"
    with pytest.raises(ValueError, match="outside"):
        export_selection_csv(target, [9], dataset, latents)
    assert target.read_text() == "old"
