"""Issue 25, section 1: a researcher's table keeps its column types end to end: reading it
(CSV, parquet, a DataFrame, a CSV read without pandas), filtering it, and exporting it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from latent_explorer.core.analysis.filters import FilterError, parse_filter
from latent_explorer.core.analysis.metadata import read_metadata_csv
from latent_explorer.core.analysis.selection_export import (
    export_selection_csv,
    export_selection_npz,
)
from latent_explorer.core.compute.vectors_workspace import open_latents_workspace
from latent_explorer.core.datasets.base import ArrayDataset
from latent_explorer.core.datasets.table import read_vector_table
from tests.researcher_data import PICTURE_EVERY, researcher_table, researcher_vectors

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("research")
    frame = researcher_table(folder)
    frame.to_csv(folder / "meta.csv", index=False)
    frame.to_parquet(folder / "meta.parquet")
    np.save(folder / "z.npy", researcher_vectors())
    return {"csv": folder / "meta.csv", "parquet": folder / "meta.parquet",
            "z": folder / "z.npy"}


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_table_keeps_its_column_types(tables: dict[str, Path], suffix: str) -> None:
    table = read_vector_table(tables[suffix], need_vectors=False)
    meta = table.metadata
    kinds = {name: meta[name].kind for name in meta}
    assert kinds == {"species": "category", "score": "number", "taken": "datetime",
                     "caption": "text", "id": "number", "is_outlier": "boolean",
                     "picture": "image"}
    assert meta["id"].dtype == np.int64 and meta["id"].text(17) == "100017"
    flags = pd.read_parquet(tables["parquet"])["is_outlier"].tolist()
    assert [meta["is_outlier"].text(i) for i in range(40)] == [
        "true" if flag else "false" for flag in flags[:40]]
    assert 0 < sum(flags) < 2000
    assert meta["taken"].date_only and meta["taken"].text(0).startswith("202")
    assert meta["caption"].distinct == 2000 and not meta["caption"].colourable
    # The picture column is empty on most rows: those rows have no picture, the rest theirs.
    paths = table.image_paths
    assert paths is not None and len(paths) == 2000
    assert paths[0] is not None and paths[0].name == "pic_0.png" and paths[1] is None
    assert sum(p is not None for p in paths) == len(range(0, 2000, PICTURE_EVERY))


def test_a_csv_joined_without_pandas_keeps_its_types(tmp_path: Path) -> None:
    path = tmp_path / "meta.csv"
    path.write_text("index,id,flag,when,score,note\n"
                    "0,7,true,2025-01-03,0.5,x\n1,8,false,2025-02-04T10:30,,y\n"
                    "3,10,,2025-03-05,1.5,z\n", encoding="utf-8")
    dataset = ArrayDataset("d", "d", np.zeros((4, 2, 2, 1), np.uint8))
    columns = read_metadata_csv(path, dataset)
    assert columns["id"].tolist() == [7, 8, None, 10]  # whole numbers, a gap for sample 2
    assert columns["flag"].tolist() == [True, False, None, None]
    assert columns["when"].kind == "datetime" and columns["when"].text(1) == \
        "2025-02-04 10:30:00"
    assert parse_filter("flag == true").evaluate(columns).tolist() == [True, False, False,
                                                                      False]
    assert parse_filter("id >= 8").evaluate(columns).tolist() == [False, True, False, True]


def test_filters_compare_dates_flags_ids_and_search_text(tables: dict[str, Path]) -> None:
    meta: dict[str, Any] = read_vector_table(tables["parquet"], need_vectors=False).metadata
    frame = pd.read_parquet(tables["parquet"])
    taken, flags = frame["taken"], frame["is_outlier"].to_numpy()

    def rows(text: str) -> np.ndarray:
        return parse_filter(text, meta).evaluate(meta)

    np.testing.assert_array_equal(rows("taken > 2025-01-01"), taken > "2025-01-01")
    np.testing.assert_array_equal(
        rows("taken between 2024-06-01 and 2024-06-30"),
        (taken >= "2024-06-01") & (taken <= "2024-06-30"))
    np.testing.assert_array_equal(rows('taken >= "2025-02-01" and not is_outlier'),
                                  (taken >= "2025-02-01") & ~flags)
    np.testing.assert_array_equal(rows("is_outlier == true"), flags)
    np.testing.assert_array_equal(rows("is_outlier"), flags)
    assert np.flatnonzero(rows("id == 100017")).tolist() == [17]
    assert np.flatnonzero(rows('caption contains "number 1234 "')).tolist() == [1234]
    assert rows("species in ('ant', 'eel')").sum() == 800
    with pytest.raises(FilterError, match="holds dates; compare it with a date like 2025-01-01"):
        rows("taken > 3")
    with pytest.raises(FilterError, match="is not a date"):
        rows('taken > "last week"')
    with pytest.raises(FilterError, match="holds true/false values; compare it with true"):
        rows("is_outlier == 1")


def test_missing_values_are_unequal_to_everything() -> None:
    columns = {"id": pd.Series(pd.array([1, None, 3], dtype="Int64")),
               "flag": pd.Series(pd.array([True, None, False], dtype="boolean"))}
    assert parse_filter("id > 0").evaluate(columns).tolist() == [True, False, True]
    assert parse_filter("id != id").evaluate(columns).tolist() == [False, True, False]
    assert parse_filter("flag").evaluate(columns).tolist() == [True, False, False]
    assert parse_filter("id not in (1)").evaluate(columns).tolist() == [False, True, True]


def _workspace(tables: dict[str, Path]) -> Any:
    return open_latents_workspace(tables["z"], metadata=tables["parquet"])


def test_exports_keep_the_types(tables: dict[str, Path], tmp_path: Path) -> None:
    ws = _workspace(tables)
    rows = np.array([3, 17, 0, 1999])
    # CSV as pandas writes it: ids whole, flags True/False, dates as dates.
    out = export_selection_csv(tmp_path / "sel.csv", rows, ws.dataset, ws.latents,
                               ws.projector.coords)
    back = pd.read_csv(out)
    assert back["id"].dtype == np.int64 and back["id"].tolist() == [100003, 100017, 100000,
                                                                    101999]
    flags = pd.read_parquet(tables["parquet"])["is_outlier"].to_numpy()[rows].tolist()
    assert back["is_outlier"].dtype == bool and back["is_outlier"].tolist() == flags
    assert "100017.0" not in out.read_text() and ",2024-" in out.read_text()
    np.testing.assert_array_equal(back[[f"z{d}" for d in range(16)]].to_numpy(np.float32),
                                  ws.latents[rows])
    # NPZ in the source dtypes.
    out = export_selection_npz(tmp_path / "sel.npz", rows, ws.dataset, ws.latents)
    with np.load(out, allow_pickle=False) as saved:
        assert saved["meta_id"].dtype == np.int64 and saved["meta_id"][1] == 100017
        assert saved["meta_is_outlier"].dtype == np.bool_
        assert saved["meta_taken"].dtype.kind == "M"
        assert saved["meta_caption"].dtype.kind == "U"
        assert saved["has_image"].tolist() == [False, False, True, False]
    # Parquet reads back as the table came.
    from latent_explorer.core.analysis.selection_export import export_selection_parquet

    out = export_selection_parquet(tmp_path / "sel.parquet", rows, ws.dataset, ws.latents)
    again = pd.read_parquet(out)
    original = pd.read_parquet(tables["parquet"]).iloc[rows].reset_index(drop=True)
    for name in ("id", "is_outlier", "score", "taken", "species"):
        assert again[name].dtype.kind == original[name].dtype.kind, name
        assert again[name].tolist() == original[name].tolist(), name
    assert again["z0"].dtype == np.float32


def test_integers_with_gaps_stay_integers_in_every_export(tmp_path: Path) -> None:
    ids = pd.Series(pd.array([5, None, 7, 8], dtype="Int64"))
    dataset = ArrayDataset("d", "", np.zeros((4, 1, 1, 1), np.uint8))
    latents = np.zeros((4, 2), np.float32)
    out = export_selection_csv(tmp_path / "s.csv", [0, 1, 2], dataset, latents,
                               extra_columns={"id": ids})
    assert out.read_text().splitlines()[1:] == ["0,5,0.0,0.0", "1,,0.0,0.0", "2,7,0.0,0.0"]
    with np.load(export_selection_npz(tmp_path / "s.npz", [0, 1], dataset, latents,
                                      extra_columns={"id": ids})) as saved:
        assert saved["meta_id"].tolist() == [5, 0] and saved["missing_id"].tolist() == [False,
                                                                                      True]


def test_rows_without_a_picture_open_with_none(tables: dict[str, Path]) -> None:
    ws = _workspace(tables)
    assert ws.has_images
    assert ws.picture(0) is not None and ws.picture(PICTURE_EVERY) is not None
    assert ws.picture(1) is None and ws.picture(PICTURE_EVERY + 1) is None
    assert any("have no picture" in note for note in ws.dataset.notes)
