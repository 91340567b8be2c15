"""Issue 25 section 2, the Qt-free parts: a table's rows sorted by a typed column, charts of
columns and the filters their brushes stand for, searching text columns, and a table's own x
and y as the map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latent_explorer.core.analysis.filters import parse_filter
from latent_explorer.core.datasets.columns import (
    Column,
    as_columns,
    column_from_array,
    column_from_text,
)
from latent_explorer.core.errors import LatentExplorerError
from tests.researcher_data import SPECIES, researcher_table, researcher_vectors

pd = pytest.importorskip("pandas")


def _columns() -> dict[str, Column]:
    return as_columns(researcher_table())


# --- sorting ---------------------------------------------------------------------------------
def test_rows_sort_by_a_typed_column_with_gaps_last_and_ties_in_order() -> None:
    from latent_explorer.core.analysis.row_order import sort_rows

    score = Column(np.array([0.5, np.nan, 0.1, 0.5, 0.9]), "number")
    assert sort_rows(score, [0, 1, 2, 3, 4]).tolist() == [2, 0, 3, 4, 1]
    assert sort_rows(score, [0, 1, 2, 3, 4], descending=True).tolist() == [4, 0, 3, 2, 1]
    ids = Column(np.array([3, 0, 2], dtype=np.int64), "number",
                 mask=np.array([False, True, False]))
    assert sort_rows(ids, [0, 1, 2]).tolist() == [2, 0, 1]
    words = column_from_text(["banana", "Apple", "", "cherry"])
    assert sort_rows(words, [0, 1, 2, 3]).tolist() == [1, 0, 3, 2]  # case ignored, gap last
    days = column_from_text(["2025-03-01", "", "2024-01-31", "2025-01-01"])
    assert sort_rows(days, [0, 1, 2, 3], descending=True).tolist() == [0, 3, 2, 1]
    flags = column_from_text(["true", "false", "true"])
    assert sort_rows(flags, [2, 1, 0]).tolist() == [1, 2, 0]


def test_sorting_a_million_rows_reads_the_column_once() -> None:
    from latent_explorer.core.analysis.row_order import sort_rows

    values = np.random.default_rng(0).random(1_000_000)
    rows = np.arange(0, 1_000_000, 3)
    ordered = sort_rows(Column(values, "number"), rows)
    assert len(ordered) == len(rows) and np.all(np.diff(values[ordered]) >= 0)


# --- charts and brushes ----------------------------------------------------------------------
def test_charts_have_histograms_for_numbers_and_dates_and_bars_for_the_rest() -> None:
    from latent_explorer.core.analysis.column_charts import chartable, charts_of

    columns = _columns()
    names = chartable(columns)
    assert names == ["species", "score", "taken", "id", "is_outlier"]
    charts = charts_of(columns, names)
    assert charts["score"].kind == "range" and charts["taken"].time
    assert charts["species"].kind == "bars" and charts["species"].labels == SPECIES
    assert charts["is_outlier"].labels == ("false", "true")
    assert int(charts["score"].counts().sum()) == 2000
    lasso = np.arange(0, 2000, 5)  # every fifth row: all of them ants
    assert charts["species"].counts(lasso).tolist() == [400, 0, 0, 0, 0]
    mask = np.zeros(2000, dtype=bool)
    mask[lasso] = True
    assert charts["species"].counts(mask).tolist() == [400, 0, 0, 0, 0]
    # A category where every row has its own value (a few pictures' file names): no chart.
    files = {"file": column_from_array(np.array(["a.png", "b.png", "c.png"], dtype=object)),
             "kind": column_from_array(np.array(["x", "y", "x"], dtype=object))}
    assert files["file"].kind == "category" and chartable(files) == ["kind"]


def test_a_brush_is_a_filter_that_keeps_the_rows_in_the_brushed_range() -> None:
    from latent_explorer.core.analysis.column_charts import charts_of

    frame = researcher_table()
    columns = as_columns(frame)
    charts = charts_of(columns, ["score", "taken", "id", "species", "is_outlier"])
    brush = charts["score"].range_brush(0.2513, 0.5049)
    assert brush is not None
    text = brush.expression()
    assert text.startswith("score between 0.25") and text.endswith("and 0.505")
    kept = parse_filter(text).evaluate(columns)
    np.testing.assert_array_equal(kept, (frame["score"] >= 0.25).to_numpy()
                                  & (frame["score"] <= 0.505).to_numpy())
    # Dates: whole days (the column holds dates), written as dates the filter reads.
    low = pd.Timestamp("2024-06-01 13:00").timestamp()
    high = pd.Timestamp("2024-08-31 02:00").timestamp()
    days = charts["taken"].range_brush(low, high)
    assert days is not None and days.expression() == \
        "taken between 2024-06-02 and 2024-08-31"
    kept = parse_filter(days.expression()).evaluate(columns)
    wanted = ((frame["taken"] >= "2024-06-02") & (frame["taken"] <= "2024-08-31")).to_numpy()
    np.testing.assert_array_equal(kept, wanted)
    # Whole numbers stay whole; bars are values.
    ids = charts["id"].range_brush(100_010.4, 100_019.6)
    assert ids is not None and ids.expression() == "id between 100011 and 100019"
    species = charts["species"].bars_brush({1, 3})
    assert species is not None and species.expression() == 'species in ("bee", "dog")'
    flag = charts["is_outlier"].bars_brush([1])
    assert flag is not None and flag.expression() == "is_outlier == true"


def test_brushes_are_read_back_from_the_filter_and_other_parts_kept() -> None:
    from latent_explorer.core.analysis.column_charts import charts_of
    from latent_explorer.core.analysis.filter_text import join_filter, split_filter

    columns = _columns()
    charts = {name: chart.column for name, chart in charts_of(
        columns, ["score", "taken", "species", "is_outlier"]).items()}
    text = ('caption contains "river" and score between 0.25 and 0.5 and species in '
            '("ant", "eel") and (taken > 2025-01-01 or is_outlier)')
    brushes, others = split_filter(text, charts)
    assert set(brushes) == {"score", "species"}
    assert brushes["score"].low == 0.25 and brushes["species"].values == ("ant", "eel")
    assert others == ['caption contains "river"', "taken > 2025-01-01 or is_outlier"]
    again = join_filter(brushes.values(), others)
    assert again == ('caption contains "river" and (taken > 2025-01-01 or is_outlier) and '
                     'score between 0.25 and 0.5 and species in ("ant", "eel")')
    np.testing.assert_array_equal(parse_filter(again).evaluate(columns),
                                  parse_filter(text).evaluate(columns))
    # A bare flag and == are brushes of bars; two conditions on one column are not a brush.
    assert split_filter("is_outlier", charts)[0]["is_outlier"].values == (True,)
    brushes, others = split_filter("score > 0.1 and score < 0.2", charts)
    assert brushes == {} and others == ["score > 0.1", "score < 0.2"]
    assert split_filter("not valid ((", charts) == ({}, ["not valid (("])


def test_filter_text_writes_odd_column_names_and_text_so_they_read_back() -> None:
    from latent_explorer.core.analysis.filter_text import Brush, column_text

    assert column_text("label name") == "`label name`" and column_text("and") == "`and`"
    brush = Brush("kind of", values=('say "hi"', "a\\b"))
    columns = {"kind of": column_from_text(['say "hi"', "a\\b", "other"])}
    assert parse_filter(brush.expression()).evaluate(columns).tolist() == [True, True, False]


# --- search ----------------------------------------------------------------------------------
def test_search_finds_every_word_in_any_text_column_ignoring_case() -> None:
    from latent_explorer.core.analysis.text_search import TextSearch, snippet

    columns = _columns()
    search = TextSearch(columns)
    assert search.names == ["species", "caption"]
    hits = search.search("NUMBER 17 river")
    assert 17 in hits.rows.tolist() and 170 in hits.rows.tolist()
    assert all("17" in c and "river" in c for c in researcher_table()["caption"][hits.rows])
    assert len(hits.rows) == sum("17" in c for c in researcher_table()["caption"])
    exact = search.search('"number 17 "')
    assert exact.rows.tolist() == [17]
    assert exact.first_column(17) == "caption"
    spread = TextSearch({"kind": column_from_text(["cat", "dog"]),
                         "note": column_from_text(["Fluffy", "fluffy"])})
    both = spread.search("cat fluffy")  # one word in each column
    assert both.rows.tolist() == [0] and both.first_column(0) is None
    assert spread.search("fluffy").first_column(1) == "note"
    assert search.search("   ").rows.tolist() == []
    assert snippet("a" * 30 + " river bank " + "b" * 40, "river", 30).startswith("…")


# --- a table's own coordinates ---------------------------------------------------------------
def test_a_tables_x_and_y_are_the_map_as_they_come() -> None:
    from latent_explorer.core.projection import projector_from_arrays
    from latent_explorer.core.projection.table_projector import (
        coordinate_columns,
        fit_table,
        table_params,
    )

    vectors = researcher_vectors(300)
    frame = researcher_table(count=300)
    rng = np.random.default_rng(1)
    frame["umap_x"] = rng.normal(size=300) * 10
    frame["umap_y"] = rng.normal(size=300)
    frame.loc[[5, 7], "umap_y"] = np.nan
    columns = as_columns(frame)
    assert "umap_x" in coordinate_columns(columns) and "caption" not in \
        coordinate_columns(columns)
    projector = fit_table(vectors, columns, table_params("umap_x", "umap_y"))
    kept = np.setdiff1d(np.arange(300), [5, 7])
    np.testing.assert_allclose(projector.coords[kept, 0], frame["umap_x"].to_numpy()[kept],
                               rtol=1e-6)
    np.testing.assert_allclose(projector.coords[kept, 1], frame["umap_y"].to_numpy()[kept],
                               rtol=1e-5, atol=1e-6)
    assert projector.placed == 2 and np.all(np.isfinite(projector.coords))
    # The "you are here" star of a row lands on its own point.
    np.testing.assert_allclose(projector.transform(vectors[[10]])[0], projector.coords[10],
                               atol=1e-4)
    again = projector_from_arrays(projector.params, projector.to_arrays())
    assert again.params.method == "table" and getattr(again, "placed", 0) == 2
    for x, y, words in (("nope", "umap_y", "not in the table"),
                        ("caption", "umap_y", "holds free text, not numbers")):
        with pytest.raises(LatentExplorerError, match=words):
            fit_table(vectors, columns, table_params(x, y))


def test_a_table_file_keeps_its_map_columns_out_of_the_vector(tmp_path: Path) -> None:
    from latent_explorer.core.compute.vectors_workspace import (
        VectorsSpec,
        open_latents_workspace,
        open_spec_workspace,
    )
    from latent_explorer.core.projection.table_projector import table_params

    vectors = researcher_vectors(200, dim=6)
    frame = pd.DataFrame(vectors, columns=[f"f{c}" for c in "abcdef"])  # unnumbered floats
    frame["umap_x"] = np.linspace(-5, 5, 200)
    frame["umap_y"] = np.linspace(0, 1, 200) ** 2
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    ws = open_latents_workspace(path, params=table_params("umap_x", "umap_y"))
    assert ws.latents.shape == (200, 6) and {"umap_x", "umap_y"} <= set(ws.dataset.metadata)
    np.testing.assert_allclose(ws.projector.coords[:, 0], frame["umap_x"], rtol=1e-6)
    spec = VectorsSpec.parse(ws.model.source)
    assert spec.xy == ("umap_x", "umap_y")
    again = open_spec_workspace(str(path), ws.model.source)  # as a session reopens it
    assert again.projector.params.method == "table" and again.latents.shape == (200, 6)
    plain = open_latents_workspace(path)  # without: every float column is the vector
    assert plain.latents.shape == (200, 8) and plain.projector.params.method == "pca"
