"""Issue 25, section 2: rows show their fields. ``lx.explore(latents=Z, metadata=df)`` with a
typed table where most rows have no picture: the clicked row's fields in the Original pane, a
card per neighbour, the table of the selection linked both ways with the map, charts that
filter the map and follow its selection, and a search box whose hits are ringed on the map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from latent_explorer.qt.charts_controller import counts_for
from tests.qt.conftest import click, drag
from tests.researcher_data import PICTURE_EVERY, SPECIES, researcher_table, researcher_vectors

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

ROWS = 600


def _frame(folder: Path) -> Any:
    frame = researcher_table(folder / "pics", count=ROWS)
    frame["picture"] = [None if name is None else str(folder / "pics" / name)
                        for name in frame["picture"]]
    return frame


def _click_point(window: Any, qtbot: Any, sample: int) -> None:
    """Click sample ``sample``'s point on the map (zoomed in so no other point is nearer)."""
    view, analysis = window.map_view, window.analysis
    x, y = (float(v) for v in window.workspace.projector.coords[sample])
    view.view_box.setRange(xRange=(x - 1e-3, x + 1e-3), yRange=(y - 1e-3, y + 1e-3), padding=0)
    qtbot.wait(10)
    with qtbot.waitSignal(analysis.neighbors_shown, timeout=10_000):
        click(view.viewport(), view.view_to_widget(x, y))
    assert window.explorer.selected_index == sample


def _click_row(qtbot: Any, table: Any, row: int, ctrl: bool = False) -> None:
    index = table.model.index(row, 1)
    table.view.scrollTo(index)
    rect = table.view.visualRect(index)
    assert table.view.viewport().rect().contains(rect.center())
    modifier = Qt.KeyboardModifier.ControlModifier if ctrl else Qt.KeyboardModifier.NoModifier
    qtbot.mouseClick(table.view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def test_rows_show_their_fields_on_cards_and_in_the_original_pane(
        open_explorer: Any, qtbot: Any, tmp_path: Path) -> None:
    frame = _frame(tmp_path)
    explorer = open_explorer(latents=researcher_vectors(ROWS), metadata=frame)
    window = explorer.window
    analysis = window.analysis
    qtbot.waitUntil(lambda: analysis.index is not None, timeout=30_000)
    _click_point(window, qtbot, 68)
    # The Original pane shows the row's fields, not a bare "#68".
    pane = window.decoder_view.original_pane
    assert pane.array is None
    assert pane.fields == [("species", SPECIES[68 % 5]), ("score", f"{frame['score'][68]:g}"),
                           ("taken", f"{frame['taken'][68]:%Y-%m-%d}"),
                           ("caption", frame["caption"][68])]
    shot = pane.grab().toImage()
    inks = {shot.pixel(x, y) for x in range(0, shot.width(), 3)
            for y in range(0, shot.height(), 3)}
    assert len(inks) > 4  # text was drawn, not an empty pane
    # Each neighbour is a card with its fields (most have no picture).
    grid = analysis.neighbors_panel.grid
    assert grid.fields is not None and len(grid.fields) == len(grid.keys) == 10
    for key, fields in zip(grid.keys, grid.fields, strict=True):
        assert dict(fields)["species"] == SPECIES[key % 5]
    assert grid.cell_rect(0).width() > grid.side * 2  # room for the fields beside
    # The user picks the fields: the id (a whole number) and the flag.
    picker = window.rows.neighbor_picker
    for name in ("id", "is_outlier", "species", "score", "taken", "caption"):
        picker.actions_[name].trigger()
    assert analysis.state.card_columns == ("id", "is_outlier")
    key = grid.keys[0]
    flag = "true" if frame["is_outlier"][key] else "false"
    assert grid.fields[0] == [("id", str(100_000 + key)), ("is_outlier", flag)]
    assert pane.fields == [("id", "100068"),
                           ("is_outlier", "true" if frame["is_outlier"][68] else "false")]
    # A row with a picture shows it; its card keeps the picture beside the fields.
    window.explorer.selected_index = PICTURE_EVERY
    assert pane.array is not None
    # "Default" goes back to the first four columns, in every picker.
    table_picker = window.rows.table_panel.card_picker
    assert table_picker.chosen() == ["id", "is_outlier"]
    picker.menu_.actions()[-1].trigger()
    assert analysis.state.card_columns == () and table_picker.chosen()[0] == "species"


def test_the_table_of_the_selection_is_linked_both_ways_with_the_map(
        open_explorer: Any, qtbot: Any, tmp_path: Path) -> None:
    frame = _frame(tmp_path)
    explorer = open_explorer(latents=researcher_vectors(ROWS), metadata=frame,
                             size=(1400, 900))  # as `latent-explorer gui` opens
    window = explorer.window
    analysis = window.analysis
    rows = window.rows
    table = rows.table_panel
    qtbot.waitUntil(lambda: analysis.index is not None, timeout=30_000)
    # With no decoder the Table is in front under the map, tall enough to read rows.
    assert rows.docks["Table"].isVisible()
    assert table.view.viewport().height() >= 7 * table.view.verticalHeader().defaultSectionSize()
    # No selection: every row; a lasso (here the API's selection): its rows.
    assert table.model.rowCount() == ROWS and table.count_label.text() == "all 600 rows"
    chosen = list(range(3, 300, 11))
    with qtbot.waitSignal(rows.table.rows_listed, timeout=5000):
        explorer.selection = chosen
    assert table.model.rows.tolist() == chosen
    assert table.count_label.text() == f"{len(chosen)} selected"
    # Sort by score, descending, by clicking the column's title twice.
    header = table.view.horizontalHeader()
    at = table.model.names.index("score")
    middle = QPoint(header.sectionViewportPosition(at) + header.sectionSize(at) // 2,
                    header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=middle)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=middle)
    scores = frame["score"].to_numpy()
    wanted = sorted(chosen, key=lambda i: -scores[i])
    assert table.model.rows.tolist() == wanted
    assert table.model.data(table.model.index(0, at)) == f"{scores[wanted[0]]:g}"
    # Click a row: its sample is the current one, the map rings it and comes to it.
    view = window.map_view
    view.view_box.setRange(xRange=(1e6, 1e6 + 1), yRange=(1e6, 1e6 + 1), padding=0)
    _click_row(qtbot, table, 2)
    sample = wanted[2]
    assert window.explorer.selected_index == sample
    x, y = window.workspace.projector.coords[sample]
    (x0, x1), (y0, y1) = view.view_box.viewRange()
    assert x0 <= x <= x1 and y0 <= y <= y1
    # Ctrl+click a second row: the two rows' points are the selection; the table keeps
    # listing what it listed.
    _click_row(qtbot, table, 5, ctrl=True)
    assert sorted(analysis.state.selection.tolist()) == sorted([wanted[2], wanted[5]])
    assert table.model.rows.tolist() == wanted
    assert table.selected_samples().tolist() == [wanted[2], wanted[5]]
    # The map -> the table: a point clicked on the map becomes the current row.
    with qtbot.waitSignal(rows.table.rows_listed, timeout=5000):
        explorer.selection = chosen
    _click_point(window, qtbot, chosen[7])
    current = table.view.selectionModel().currentIndex()
    assert current.isValid() and table.model.rows[current.row()] == chosen[7]
    # The neighbours, as a source: the table lists them.
    table.source_combo.setCurrentIndex(table.source_combo.findData("neighbors"))
    assert table.model.rows.tolist() == sorted(
        analysis.neighbors.tolist(), key=lambda i: -scores[i])
    assert table.count_label.text() == "10 neighbours"


def test_charts_filter_the_map_and_follow_its_selection(open_explorer: Any, qtbot: Any,
                                                       tmp_path: Path) -> None:
    frame = _frame(tmp_path)
    explorer = open_explorer(latents=researcher_vectors(ROWS), metadata=frame)
    window = explorer.window
    analysis, rows = window.analysis, window.rows
    rows.docks["Charts"].raise_()
    panel = rows.charts_panel
    # Numbers and dates get histograms, categories and flags bars; free text none.
    assert list(panel.charts) == ["species", "score", "taken", "id", "is_outlier"]
    kinds = {name: chart.chart.kind for name, chart in panel.charts.items()}
    assert kinds == {"species": "bars", "score": "range", "taken": "range", "id": "range",
                     "is_outlier": "bars"}
    qtbot.waitUntil(lambda: panel.charts["score"].plot.isVisible(), timeout=5000)
    # Brush the scores from about 0.25 to 0.5 with the mouse: the filter says so and the
    # map shows those rows only.
    score = panel.charts["score"]
    with qtbot.waitSignal(rows.charts.redrawn, timeout=5000):
        drag(score.plot.viewport(), score.point_at(0.25, 1).toPoint(),
             score.point_at(0.5, 1).toPoint())
    text = analysis.state.filter_text
    assert text.startswith("score between ")
    low, high = (float(v) for v in text.removeprefix("score between ").split(" and "))
    assert abs(low - 0.25) < 0.03 and abs(high - 0.5) < 0.03
    scores = frame["score"].to_numpy()
    in_range = (scores >= low) & (scores <= high)
    np.testing.assert_array_equal(window.map_view.cloud.visible, in_range)
    assert score.region.isVisible()
    # Click the "cat" bar: both brushes filter the map.
    species = panel.charts["species"]
    with qtbot.waitSignal(rows.charts.redrawn, timeout=5000):
        click(species.plot.viewport(), species.point_at(1, SPECIES.index("cat")).toPoint())
    cats = np.arange(ROWS) % 5 == SPECIES.index("cat")
    np.testing.assert_array_equal(window.map_view.cloud.visible, in_range & cats)
    assert "species" in analysis.state.filter_text and "score between" in \
        analysis.state.filter_text
    # The charts draw what the map shows, and follow its selection.
    shown = counts_for(panel, "species")[1]
    assert shown.tolist() == [0, 0, int((in_range & cats).sum()), 0, 0]
    with qtbot.waitSignal(rows.charts.redrawn, timeout=5000):
        explorer.selection = [0, 1, 2, 3, 8]
    assert counts_for(panel, "species")[2].tolist() == [1, 1, 1, 2, 0]
    # A filter typed by hand shows on its chart; "Clear brushes" keeps the rest of it.
    analysis.filter_bar.edit.setText("score between 0.1 and 0.2 and id < 100300")
    analysis.filter_bar.apply()
    qtbot.waitUntil(lambda: score.brush is not None and score.brush.low == 0.1, timeout=5000)
    assert score.region.getRegion() == pytest.approx((0.1, 0.2))
    panel.clear_button.click()
    assert analysis.state.filter_text == "id < 100300"
    np.testing.assert_array_equal(window.map_view.cloud.visible, np.arange(ROWS) < 300)


def test_search_lists_the_hits_and_rings_them_on_the_map(open_explorer: Any, qtbot: Any,
                                                         tmp_path: Path) -> None:
    frame = _frame(tmp_path)
    explorer = open_explorer(latents=researcher_vectors(ROWS), metadata=frame)
    window = explorer.window
    rows = window.rows
    rows.docks["Search"].raise_()
    search = rows.search_panel
    # Every word, any case, in the text columns.
    with qtbot.waitSignal(rows.table.searched, timeout=5000):
        qtbot.keyClicks(search.edit, "DOG river")
    dogs = np.flatnonzero(np.arange(ROWS) % 5 == SPECIES.index("dog"))
    assert rows.table.hits is not None
    assert rows.table.hits.rows.tolist() == dogs.tolist()
    assert search.model.rowCount() == len(dogs) and search.count_label.text() == "120 found"
    assert search.model.data(search.model.index(0, 0)).startswith("#3  caption: ")
    ringed_x, ringed_y = rows.table.rings.getData()
    coords = window.workspace.projector.coords
    np.testing.assert_allclose(ringed_x, coords[dogs, 0], rtol=1e-6)
    np.testing.assert_allclose(ringed_y, coords[dogs, 1], rtol=1e-6)
    # A phrase in quotes is looked for whole.
    search.edit.clear()
    with qtbot.waitSignal(rows.table.searched, timeout=5000):
        qtbot.keyClicks(search.edit, '"number 17 by"')
    assert rows.table.hits.rows.tolist() == [17]
    # Click a hit: its point is the current sample. "Select": the hits are the selection.
    search.edit.clear()
    with qtbot.waitSignal(rows.table.searched, timeout=5000):
        qtbot.keyClicks(search.edit, 'eel "number 1"')
    hits = rows.table.hits.rows.tolist()
    assert hits and all(i % 5 == 4 and str(i).startswith("1") for i in hits)
    rect = search.list.visualRect(search.model.index(1, 0))
    qtbot.mouseClick(search.list.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.explorer.selected_index == hits[1]
    with qtbot.waitSignal(rows.table.rows_listed, timeout=5000):
        search.select_button.click()
    assert window.analysis.state.selection.tolist() == hits
    assert rows.table_panel.count_label.text() == f"{len(hits)} selected"


def test_the_charts_dock_is_offered_only_with_a_column_to_chart(
        open_explorer: Any, qtbot: Any, tmp_path: Path) -> None:
    explorer = open_explorer(latents=researcher_vectors(200))  # no table, no labels
    window = explorer.window
    dock = window.rows.docks["Charts"]
    assert not dock.isVisibleTo(window) and not dock.toggleViewAction().isVisible()
    # A joined table brings it back, in its tab beside the neighbours.
    researcher_table(count=200).to_csv(tmp_path / "meta.csv", index=False)
    with qtbot.waitSignal(window.rows.charts.available, timeout=30_000):
        window.analysis.jobs.join_metadata(tmp_path / "meta.csv")
    assert dock.toggleViewAction().isVisible() and dock.toggleViewAction().isChecked()
    assert "species" in window.rows.charts_panel.charts
    neighbours = next(d for d in window.analysis_docks if d.windowTitle() == "Neighbours")
    assert dock in window.tabifiedDockWidgets(neighbours)


def test_charts_hidden_for_data_without_columns_come_back_at_the_next_start(
        qtbot: Any, tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from latent_explorer.core.compute.vectors_workspace import VectorsSpec
    from latent_explorer.qt.main_window import MainWindow

    np.save(tmp_path / "z.npy", researcher_vectors(200))
    researcher_table(count=200).to_csv(tmp_path / "meta.csv", index=False)
    settings = str(tmp_path / "settings.ini")
    specs = [VectorsSpec(str(tmp_path / "z.npy")),
             VectorsSpec(str(tmp_path / "z.npy"), None, str(tmp_path / "meta.csv"))]
    shown = []
    for spec in specs:
        window = MainWindow(settings=QSettings(settings, QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        window.show()
        with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
            window.open(None, spec.to_spec())
        shown.append(window.rows.docks["Charts"].toggleViewAction().isChecked())
        window.close()  # saves the layout for the next start
    assert shown == [False, True]
