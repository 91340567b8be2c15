"""The filter bar (valid, bad syntax, unknown column, with the legend) and nearest neighbours
(of the clicked sample, the current latent, a placed image; metric and k)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from latent_explorer.core.analysis.nearest import NeighborIndex
from tests.qt.conftest import click
from tests.qt.test_analysis_colour import choose


def type_filter(window, qtbot, text: str) -> None:  # type: ignore[no-untyped-def]
    edit = window.analysis.filter_bar.edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_filter_bar_sets_the_visible_mask_and_reports_errors(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    analysis = window.analysis
    labels = window.workspace.dataset.labels
    cloud = window.map_view.cloud
    bar = analysis.filter_bar
    type_filter(window, qtbot, "label in (3, 8)")
    wanted = np.isin(labels, [3, 8])
    np.testing.assert_array_equal(cloud.visible, wanted)
    assert bar.message.text() == f"{wanted.sum():,} of {len(labels):,} shown"
    # Bad syntax: a red message, and nothing changes.
    type_filter(window, qtbot, "label in (3, 8")
    assert "expected ',' or ')'" in bar.message.text()
    assert "ef476f" in bar.message.styleSheet()
    np.testing.assert_array_equal(cloud.visible, wanted)
    assert analysis.state.filter_text == "label in (3, 8)"
    type_filter(window, qtbot, "lable == 3")
    assert "unknown column 'lable'" in bar.message.text()
    assert "did you mean 'label'" in bar.message.text()
    np.testing.assert_array_equal(cloud.visible, wanted)
    # The legend's hidden classes combine with the filter.
    window.explorer.hidden_labels = frozenset({8})
    np.testing.assert_array_equal(cloud.visible, labels == 3)
    window.explorer.hidden_labels = frozenset()
    type_filter(window, qtbot, "index < 100 and not (label == 3)")
    np.testing.assert_array_equal(cloud.visible, (np.arange(len(labels)) < 100) & (labels != 3))
    # Points hidden by the filter cannot be lassoed.
    analysis.select_polygon(np.array([[-1e3, -1e3], [1e3, -1e3], [1e3, 1e3], [-1e3, 1e3]]))
    np.testing.assert_array_equal(analysis.state.selection, np.flatnonzero(cloud.visible))
    bar.edit.clear()  # the clear button empties the line: everything shows again
    assert cloud.visible.all()
    assert bar.message.text() == ""


def test_neighbours_of_sample_latent_and_placed_image(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    analysis = window.analysis
    qtbot.waitUntil(lambda: analysis.index is not None, timeout=10_000)
    ws = window.workspace
    index = NeighborIndex(ws.latents)
    coords = ws.projector.coords
    view = window.map_view
    sample = 42
    x, y = (float(v) for v in coords[sample])
    view.view_box.setRange(xRange=(x - 0.02, x + 0.02), yRange=(y - 0.02, y + 0.02), padding=0)
    qtbot.wait(10)
    with qtbot.waitSignal(analysis.neighbors_shown, timeout=5000):
        click(view.viewport(), view.view_to_widget(x, y))
    assert window.explorer.selected_index == sample
    panel = analysis.neighbors_panel
    expected, _ = index.query(ws.latents[sample], 10, exclude=sample)
    assert panel.grid.keys == list(expected)
    assert "sample #42" in panel.status.text()
    rx, _ = analysis.rings.getData()
    np.testing.assert_allclose(rx, coords[expected, 0], rtol=1e-6)
    # k and the metric.
    panel.k_spin.setFocus()
    panel.k_spin.selectAll()
    with qtbot.waitSignal(analysis.neighbors_shown, timeout=5000):
        qtbot.keyClicks(panel.k_spin, "5")
    choose(panel.metric_combo, "Cosine", qtbot)
    qtbot.waitUntil(lambda: analysis.state.neighbor_metric == "cosine", timeout=2000)
    qtbot.wait(20)
    expected, _ = index.query(ws.latents[sample], 5, "cosine", exclude=sample)
    assert panel.grid.keys == list(expected)
    # Clicking a neighbour selects it (and its own neighbours follow).
    with qtbot.waitSignal(analysis.neighbors_shown, timeout=5000):
        qtbot.mouseClick(panel.grid, Qt.MouseButton.LeftButton,
                         pos=panel.grid.cell_rect(1).center())
    assert window.explorer.selected_index == expected[1]
    # The current latent as the query.
    choose(panel.source_combo, "Current latent", qtbot)
    latent = ws.latents[7] + 0.1
    with qtbot.waitSignal(analysis.neighbors_shown, timeout=5000):
        window.explorer.current_latent = latent.astype(np.float32)
    assert panel.grid.keys == list(index.query(latent, 5, "cosine")[0])
    # Encode to find: a placed image's neighbours.
    placed = ws.latents[100] * 0.9
    with qtbot.waitSignal(analysis.neighbors_shown, timeout=5000):
        window.models.image_placed.emit(placed, 0.01)
    assert analysis.state.neighbor_source == "placed"
    assert panel.source_combo.currentData() == "placed"
    assert panel.grid.keys == list(index.query(placed, 5, "cosine")[0])
    assert "placed image" in panel.status.text()
