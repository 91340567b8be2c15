"""Issue 25, a researcher's walk: ``lx.explore(latents=Z, metadata=df)`` with a table of a
category, a float score, a date, free text, an integer id, a boolean flag and pictures for some
rows. Columns keep their types in the colour panel, the legend, the colour bar, the filter,
the hover card and the exports; what needs a decoder is not shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QListView

from tests.qt.conftest import send_mouse
from tests.researcher_data import PICTURE_EVERY, SPECIES, researcher_table, researcher_vectors

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")


def _frame(folder: Path) -> Any:
    """The table as a researcher hands it over: picture paths absolute, empty on most rows."""
    frame = researcher_table(folder / "pics")
    frame["picture"] = [None if name is None else str(folder / "pics" / name)
                        for name in frame["picture"]]
    return frame


def _type_filter(window: Any, qtbot: Any, text: str) -> None:
    edit = window.analysis.filter_bar.edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def _legend(window: Any) -> list[str]:
    legend = window.analysis.colour_panel.legend
    return [legend.item(i).text() for i in range(legend.count())]


def test_columns_keep_their_types_in_the_window(open_explorer: Any, qtbot: Any,
                                                tmp_path: Path, monkeypatch: Any) -> None:
    frame = _frame(tmp_path)
    explorer = open_explorer(latents=researcher_vectors(), metadata=frame)
    window = explorer.window
    ws = window.workspace
    analysis, panel = window.analysis, window.analysis.colour_panel
    # Free text (2,000 different captions) and the picture paths are no colours.
    combo = panel.colour_combo
    offered = [combo.itemText(i) for i in range(combo.count())]
    assert set(offered) == {"species", "score", "taken", "id", "is_outlier"}
    # A date: a continuous colour scale with a time axis.
    analysis.state.colour_by = "taken"
    bar = panel.colour_bar
    assert bar.isVisibleTo(window) and bar.time_axis and not panel.legend.isVisibleTo(window)
    labels = [label for _, label in bar.ticks]
    assert len(labels) >= 3 and all(label[:2] == "20" and "-" in label for label in labels)
    # A flag: a legend of true and false; a category: its values.
    analysis.state.colour_by = "is_outlier"
    assert _legend(window) == ["false", "true"] and not bar.isVisibleTo(window)
    analysis.state.colour_by = "species"
    assert _legend(window) == list(SPECIES)
    # The filter compares dates and flags, and looks into free text.
    _type_filter(window, qtbot, "is_outlier == true and taken > 2025-01-01")
    wanted = frame["is_outlier"].to_numpy() & (frame["taken"] > "2025-01-01").to_numpy()
    np.testing.assert_array_equal(window.map_view.cloud.visible, wanted)
    assert analysis.filter_bar.message.text() == f"{int(wanted.sum()):,} of 2,000 shown"
    _type_filter(window, qtbot, 'caption contains "number 17 "')
    assert np.flatnonzero(window.map_view.cloud.visible).tolist() == [17]
    assert "caption: free text" in analysis.filter_bar.edit.toolTip()
    # The hover card shows the row's fields as their types read: the id whole, the flag.
    view = window.map_view
    x, y = (float(v) for v in ws.projector.coords[17])
    view.view_box.setRange(xRange=(x - 1e-3, x + 1e-3), yRange=(y - 1e-3, y + 1e-3), padding=0)
    qtbot.wait(20)
    send_mouse(view.viewport(), "move", view.view_to_widget(x, y),
               buttons=Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: view.hover_card.isVisible(), timeout=5000)
    card = view.hover_card.text_label.text()
    flag = "true" if frame["is_outlier"][17] else "false"
    assert view.hover_card.index == 17 and "id  100017" in card and "100017.0" not in card
    assert f"is_outlier  {flag}" in card and f"taken  {frame['taken'][17]:%Y-%m-%d}" in card
    # Rows without a picture have none; the rest show theirs.
    window.explorer.selected_index = 1
    assert window.decoder_view.original_pane.array is None
    window.explorer.selected_index = PICTURE_EVERY
    assert window.decoder_view.original_pane.array is not None
    # Export the selection from the dialog, as Parquet: the types come back as they went.
    explorer.selection = [3, 17, PICTURE_EVERY]
    offered_types: list[str] = []
    target = tmp_path / "chosen.parquet"

    def ask(parent: Any, title: str, start: str, types: str) -> tuple[str, str]:
        offered_types.append(types)
        return str(target), "Parquet table (*.parquet)"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(ask))
    with qtbot.waitSignal(analysis.jobs.exported, timeout=30_000):
        analysis.export_selection_action.trigger()
    assert "Parquet table (*.parquet)" in offered_types[0]
    back = pd.read_parquet(target)
    assert back["id"].tolist() == [100003, 100017, 100000 + PICTURE_EVERY]
    assert back["id"].dtype == np.int64 and back["is_outlier"].dtype == bool
    assert back["taken"].dtype.kind == "M" and back["z0"].dtype == np.float32
    # The API exports the same way.
    csv = pd.read_csv(explorer.export_selection(tmp_path / "chosen.csv"))
    assert csv["id"].tolist() == [100003, 100017, 100000 + PICTURE_EVERY]


def test_with_vectors_and_no_decoder_what_cannot_work_is_hidden(open_explorer: Any,
                                                                qtbot: Any) -> None:
    explorer = open_explorer(latents=researcher_vectors(600), labels=["a", "b"] * 300)
    window = explorer.window
    for dock in (window.sliders_dock, window.filmstrip_dock, window.path_dock):
        assert not dock.isVisibleTo(window) and not dock.toggleViewAction().isVisible()
    for action in (window.export_path_action, window.save_path_action, window.play_action):
        assert not action.isVisible()
    outliers = window.analysis.outliers_view
    row = outliers.score_combo.findData("error")
    view = outliers.score_combo.view()
    assert isinstance(view, QListView) and view.isRowHidden(row)
    # No pictures to train on: no hint to train a model.
    assert not window.training.action.isEnabled()
    assert "sliders" not in window.training.panel.reason_label.text()
    assert "most central sample" in window.analysis.prototype_strip.grid.placeholder
    # The isolation score's colour bar says what high means.
    with qtbot.waitSignal(window.analysis.jobs.computed, timeout=60_000):
        window.analysis.compute("density")
    bar = window.analysis.colour_panel.colour_bar
    assert window.analysis.state.colour_by == "density" and bar.isVisibleTo(window)
    assert bar.ends is not None and "isolated" in bar.ends[1] and bar.ends[1].startswith("high")
    assert "isolation" in bar.title
    # Opening a model brings them back.
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open("digits", "demo")
    assert window.sliders_dock.toggleViewAction().isVisible()
    assert window.export_path_action.isVisible() and not view.isRowHidden(row)
