"""Issue 25, section 2: a table's own 2-D coordinates (``umap_x``/``umap_y`` made elsewhere)
are the map, as they come, while the vectors stay what neighbours and clusters use: from
Python (``xy=``), the command line (``--x``/``--y``), the Projection panel, and sessions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QSettings

import latent_explorer as lx
from latent_explorer.cli import main
from latent_explorer.core.analysis.nearest import NeighborIndex
from latent_explorer.core.compute.vectors_workspace import VectorsSpec
from latent_explorer.core.errors import LatentExplorerError, SpecError
from latent_explorer.qt.main_window import MainWindow
from tests.qt.conftest import click
from tests.researcher_data import researcher_table, researcher_vectors

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

ROWS = 500


def _frame() -> Any:
    """The table with a layout made elsewhere, and a row with no x (placed by neighbours)."""
    frame = researcher_table(count=ROWS)
    rng = np.random.default_rng(3)
    frame["umap_x"] = rng.uniform(-10, 10, ROWS)
    frame["umap_y"] = rng.uniform(100, 120, ROWS)
    frame.loc[7, "umap_x"] = np.nan
    return frame


def test_xy_makes_the_tables_columns_the_map_and_neighbours_use_the_vectors(
        open_explorer: Any, qtbot: Any) -> None:
    frame, vectors = _frame(), researcher_vectors(ROWS)
    explorer = open_explorer(latents=vectors, metadata=frame, xy=("umap_x", "umap_y"))
    window = explorer.window
    ws = window.workspace
    assert ws.projector.params.method == "table"
    coords = ws.projector.coords
    known = np.arange(ROWS) != 7
    np.testing.assert_allclose(coords[known, 0], frame["umap_x"][known], rtol=1e-6)
    np.testing.assert_allclose(coords[known, 1], frame["umap_y"][known], rtol=1e-5)
    # The row with no x is placed (both axes) by its neighbours, inside the layout.
    assert -10 <= coords[7, 0] <= 10 and 100 <= coords[7, 1] <= 120
    # The window says which columns make the map; the panel offers and shows the choice.
    panel = window.projection_panel
    assert "x, y: umap_x, umap_y" in window.workspaces.info_label.text()
    assert panel.method_combo.currentText() == "Table columns"
    assert panel.x_combo.currentText() == "umap_x" and panel.y_combo.currentText() == "umap_y"
    assert panel.x_combo.isVisibleTo(window) and not panel.seed_spin.isVisibleTo(window)
    # Neighbours of a clicked point are its neighbours among the vectors, not on the map.
    analysis = window.analysis
    qtbot.waitUntil(lambda: analysis.index is not None, timeout=30_000)
    view = window.map_view
    x, y = (float(v) for v in coords[42])
    view.view_box.setRange(xRange=(x - 1e-3, x + 1e-3), yRange=(y - 1e-3, y + 1e-3), padding=0)
    qtbot.wait(10)
    with qtbot.waitSignal(analysis.neighbors_shown, timeout=10_000):
        click(view.viewport(), view.view_to_widget(x, y))
    expected, _ = NeighborIndex(vectors).query(vectors[42], 10, exclude=42)
    assert analysis.neighbors_panel.grid.keys == list(expected)
    # Another pair of columns, from the panel's combo: the map follows.
    with qtbot.waitSignal(window.map_changed, timeout=30_000):
        panel.y_combo.setCurrentIndex(panel.y_combo.findText("score"))
        panel.y_combo.activated.emit(panel.y_combo.currentIndex())
    np.testing.assert_allclose(window.workspace.projector.coords[known, 1],
                               frame["score"][known], rtol=1e-5)


def test_xy_mistakes_are_one_line_errors(open_explorer: Any,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(LatentExplorerError, match=r"^the map's x column 'nope' is not in the "
                       r"table \(its number columns: score, id\)$"):
        open_explorer(latents=researcher_vectors(200), metadata=researcher_table(count=200),
                      xy=("nope", "score"))
    with pytest.raises(SpecError, match="give latents="):
        lx.explore("digits", "demo", xy=("a", "b"), block=False)
    with pytest.raises(SpecError, match="leave out projection="):
        lx.explore(latents=np.zeros((4, 2)), xy=("a", "b"), projection="umap", block=False)
    with pytest.raises(SpecError, match="must name two columns"):
        lx.explore(latents=np.zeros((4, 2)), xy="umap_x", block=False)
    assert main(["gui", "--latents", "z.npy", "--x", "umap_x"]) == 2
    assert "--x and --y go together" in capsys.readouterr().err
    assert main(["gui", "--dataset", "digits", "--x", "a", "--y", "b"]) == 2
    assert "give it with --latents" in capsys.readouterr().err
    assert main(["gui", "--latents", "z.npy", "--x", "a", "--y", "b", "--projection",
                 "umap"]) == 2
    assert "leave out --projection" in capsys.readouterr().err


def test_the_projection_panel_offers_the_table_columns_and_a_session_keeps_them(
        qtbot: Any, tmp_path: Path) -> None:
    frame = _frame()
    frame.to_parquet(tmp_path / "meta.parquet")
    np.save(tmp_path / "z.npy", researcher_vectors(ROWS))
    spec = VectorsSpec(str(tmp_path / "z.npy"), None, str(tmp_path / "meta.parquet")).to_spec()
    windows = []
    for name in ("first", "again"):
        window = MainWindow(settings=QSettings(str(tmp_path / f"{name}.ini"),
                                               QSettings.Format.IniFormat))
        qtbot.addWidget(window)
        window.resize(1100, 760)
        window.show()
        windows.append(window)
    window, again = windows
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(None, spec)
    panel = window.projection_panel
    combo = panel.method_combo
    assert window.workspace.projector.params.method == "pca"
    # "Table columns" is a method; choosing it guesses umap_x / umap_y and maps them.
    at = combo.findData("table")
    assert at >= 0 and combo.itemText(at) == "Table columns"
    with qtbot.waitSignal(window.map_changed, timeout=30_000):
        combo.setCurrentIndex(at)
    assert (window.projection.x_column, window.projection.y_column) == ("umap_x", "umap_y")
    known = np.arange(ROWS) != 7
    np.testing.assert_allclose(window.workspace.projector.coords[known, 1],
                               frame["umap_y"][known], rtol=1e-5)
    assert "placed by their nearest neighbours" in panel.status_label.text()
    # The card's and the charts' columns are kept with the map.
    window.rows.neighbor_picker.pick(["id", "caption"])
    window.rows.charts_panel.picker.pick(["score", "taken"])
    saved = window.sessions.save(tmp_path / "table_map.lxs")
    assert saved is not None
    with qtbot.waitSignal(again.sessions.restored, timeout=60_000):
        again.sessions.open_session(saved)
    qtbot.waitUntil(lambda: again.workspace is not None
                    and again.workspace.projector.params.method == "table", timeout=30_000)
    np.testing.assert_allclose(again.workspace.projector.coords,
                               window.workspace.projector.coords, rtol=1e-6)
    assert again.projection_panel.method_combo.currentText() == "Table columns"
    assert again.analysis.state.card_columns == ("caption", "id")
    assert list(again.rows.charts_panel.charts) == ["score", "taken"]


def test_the_command_line_names_a_column_that_is_not_there(tmp_path: Path) -> None:
    from tests.test_cli_no_model import _run

    frame = _frame().iloc[:200]
    frame.to_csv(tmp_path / "meta.csv", index=False)
    np.save(tmp_path / "z.npy", researcher_vectors(200))
    result = _run(["gui", "--latents", "z.npy", "--metadata", "meta.csv", "--x", "umap_z",
                   "--y", "umap_y", "--screenshot", str(tmp_path / "shot.png")], tmp_path)
    assert result.returncode == 2, result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line]
    assert errors == ["latent-explorer: error: the map's x column 'umap_z' is not in the table "
                      "(its number columns: score, id, umap_x, umap_y)"]
    assert not (tmp_path / "shot.png").exists()
