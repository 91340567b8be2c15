"""Selecting on the map: lasso and rectangle by mouse, Shift+click, the Selection panel's
thumbnails, Isolate / Re-project / Show all, and named selections."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from latent_explorer.qt.images import qimage_to_array
from latent_explorer.qt.widgets.analysis.lasso import points_in_polygon
from tests.qt.conftest import click, send_mouse


def draw(window, points, modifiers=Qt.KeyboardModifier.NoModifier) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Press, move through ``points`` (widget pixels), release; the polygon in map units."""
    view = window.map_view
    port = view.viewport()
    send_mouse(port, "press", points[0], modifiers=modifiers)
    for p in points[1:]:
        send_mouse(port, "move", p, modifiers=modifiers)
    send_mouse(port, "release", points[-1], modifiers=modifiers)
    QApplication.processEvents()
    return np.array([[v.x(), v.y()] for v in (view.view_box.mapSceneToView(
        view.mapToScene(p.toPoint())) for p in points)])


def blob(window) -> list[QPointF]:  # type: ignore[no-untyped-def]
    """A lasso around the middle of the map: an irregular polygon of 24 vertices."""
    rect = window.map_view.viewport().rect()
    cx, cy, r = rect.width() / 2, rect.height() / 2, min(rect.width(), rect.height()) * 0.28
    angles = np.linspace(0, 2 * np.pi, 24, endpoint=False)
    radii = r * (1 + 0.3 * np.sin(3 * angles))
    return [QPointF(cx + a * np.cos(t), cy + a * np.sin(t)) for a, t in zip(radii, angles,
                                                                          strict=True)]


def test_lasso_selects_dims_the_rest_and_fills_the_panel(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    analysis = window.analysis
    qtbot.keyClick(window.map_view, Qt.Key.Key_L)
    assert analysis.state.tool == "lasso"
    assert analysis.selection_panel.tool_buttons["lasso"].isChecked()
    before = window.explorer.probe_position
    polygon = draw(window, blob(window))
    coords = window.workspace.projector.coords
    expected = np.flatnonzero(points_in_polygon(coords[:, 0], coords[:, 1], polygon))
    selection = analysis.state.selection
    assert 50 < len(selection) < len(coords)
    # Lasso vertices are recorded every few pixels: compare with the polygon as drawn.
    assert len(np.setxor1d(selection, expected)) <= 0.02 * len(expected)
    assert window.explorer.probe_position == before  # the drag drew, it did not pan or probe
    # Unselected points use the faint half of the palette.
    cloud = window.map_view.cloud
    half = len(cloud._colors) // 2
    selected = np.zeros(len(coords), dtype=bool)
    selected[selection] = True
    assert (cloud.color_index[selected] < half).all()
    assert (cloud.color_index[~selected] >= half).all()
    assert cloud._colors[half].alpha() < 60
    panel = analysis.selection_panel
    assert f"{len(selection):,}" in panel.count_label.text()
    assert panel.grid.keys == list(selection[:48])
    assert "Labels" in panel.mix_label.text()
    qtbot.waitUntil(lambda: panel.grid.second is not None and panel.grid.second[0] is not None,
                    timeout=10_000)
    # Esc goes back to panning.
    qtbot.keyClick(window.map_view, Qt.Key.Key_Escape)
    assert analysis.state.tool == "pan"
    assert analysis.tool_actions["pan"].isChecked()


def test_rectangle_shift_click_and_thumbnail_click(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    analysis = window.analysis
    qtbot.mouseClick(analysis.selection_panel.tool_buttons["rectangle"],
                     Qt.MouseButton.LeftButton)
    assert analysis.state.tool == "rectangle"
    rect = window.map_view.viewport().rect()
    a = QPointF(rect.width() * 0.2, rect.height() * 0.2)
    b = QPointF(rect.width() * 0.55, rect.height() * 0.6)
    polygon = draw(window, [a, QPointF((a.x() + b.x()) / 2, a.y()), b])
    (x0, y0), (x1, y1) = polygon[0], polygon[-1]
    coords = window.workspace.projector.coords
    inside = ((coords[:, 0] >= min(x0, x1)) & (coords[:, 0] <= max(x0, x1))
              & (coords[:, 1] >= min(y0, y1)) & (coords[:, 1] <= max(y0, y1)))
    np.testing.assert_array_equal(analysis.state.selection, np.flatnonzero(inside))
    # Shift+click (in pan mode) toggles one point; a plain click still selects for the decoder.
    analysis.state.tool = "pan"
    outside = int(np.flatnonzero(~inside)[0])
    x, y = (float(v) for v in coords[outside])
    view = window.map_view
    view.view_box.setRange(xRange=(x - 0.02, x + 0.02), yRange=(y - 0.02, y + 0.02), padding=0)
    qtbot.wait(10)
    click(view.viewport(), view.view_to_widget(x, y), Qt.KeyboardModifier.ShiftModifier)
    assert outside in analysis.state.selection
    click(view.viewport(), view.view_to_widget(x, y), Qt.KeyboardModifier.ShiftModifier)
    assert outside not in analysis.state.selection
    view.reset_view()
    # A thumbnail click selects that sample and rings it on the map.
    grid = analysis.selection_panel.grid
    target = grid.keys[3]
    qtbot.mouseClick(grid, Qt.MouseButton.LeftButton, pos=grid.cell_rect(3).center())
    assert window.explorer.selected_index == target
    assert grid.highlight == target
    ring = view.selection_item.getData()
    assert ring[0][0] == coords[target, 0]


def test_isolate_reproject_show_all_and_named_selections(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    analysis = window.analysis
    labels = window.workspace.dataset.labels
    analysis.state.select(np.flatnonzero(labels == 3))
    panel = analysis.selection_panel
    qtbot.mouseClick(panel.isolate_button, Qt.MouseButton.LeftButton)
    cloud = window.map_view.cloud
    np.testing.assert_array_equal(cloud.visible, labels == 3)
    image = qimage_to_array(window.map_view.grab().toImage())
    assert image.reshape(-1, 3).std(axis=0).sum() > 0  # the isolated points are drawn
    old_coords = window.workspace.projector.coords.copy()
    with qtbot.waitSignal(window.map_changed, timeout=10_000):
        qtbot.mouseClick(panel.reproject_button, Qt.MouseButton.LeftButton)
    new_coords = window.workspace.projector.coords
    assert not np.allclose(new_coords, old_coords)
    subset = new_coords[labels == 3]
    np.testing.assert_allclose(subset.mean(axis=0), 0.0, atol=1e-4)  # centred on the subset
    np.testing.assert_array_equal(cloud.visible, labels == 3)
    assert panel.show_all_button.isEnabled()
    qtbot.mouseClick(panel.show_all_button, Qt.MouseButton.LeftButton)
    np.testing.assert_allclose(window.workspace.projector.coords, old_coords)
    assert cloud.visible.all()
    # Named selections: save, change the selection, click the saved one to bring it back.
    qtbot.keyClicks(panel.name_edit, "threes")
    qtbot.keyClick(panel.name_edit, Qt.Key.Key_Return)
    assert [s.name for s in analysis.state.named_selections] == ["threes"]
    analysis.state.select([1, 2, 3])
    item = panel.saved_list.item(0)
    qtbot.mouseClick(panel.saved_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=panel.saved_list.visualItemRect(item).center())
    np.testing.assert_array_equal(analysis.state.selection, np.flatnonzero(labels == 3))
    selections, _, _ = analysis.session_parts()
    assert selections[0].name == "threes"
    np.testing.assert_array_equal(window.sessions.snapshot().selections[0].indices,
                                  np.flatnonzero(labels == 3))
    qtbot.mouseClick(panel.clear_button, Qt.MouseButton.LeftButton)
    assert len(analysis.state.selection) == 0
    assert (cloud.color_index < len(cloud._colors)).all()
    assert len(cloud._colors) == 10  # no faint half without a selection


def test_reproject_uses_the_projection_panels_method(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    analysis = window.analysis
    labels = window.workspace.dataset.labels
    chosen = np.isin(labels, (0, 6))
    analysis.state.select(np.flatnonzero(chosen))
    window.projection.method = "umap"  # chosen in the panel, not yet computed for the map
    window.projection.n_neighbors = 10
    panel = analysis.selection_panel
    with qtbot.waitSignal(window.map_changed, timeout=180_000):
        qtbot.mouseClick(panel.reproject_button, Qt.MouseButton.LeftButton)
    projector = window.workspace.projector
    assert projector.params.method == "umap" and projector.params.n_components == 2
    assert np.isfinite(projector.coords).all() and len(projector.coords) == len(labels)
    np.testing.assert_array_equal(window.map_view.cloud.visible, chosen)
    # The two digits form two groups on the subset's own map.
    zeros, sixes = projector.coords[labels == 0], projector.coords[labels == 6]
    gap = np.linalg.norm(zeros.mean(axis=0) - sixes.mean(axis=0))
    assert gap > 2 * max(zeros.std(axis=0).max(), sixes.std(axis=0).max())
    assert "UMAP of the" in window.statusBar().currentMessage()


def test_picking_a_selection_tool_ends_box_zoom(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window(dataset=None)
    window.box_zoom_action.trigger()
    assert window.box_zoom_action.isChecked()
    window.analysis.tool_actions["lasso"].trigger()
    assert window.analysis.state.tool == "lasso"
    assert not window.box_zoom_action.isChecked()
    window.box_zoom_action.trigger()
    window.analysis.tool_actions["pan"].trigger()
    assert window.box_zoom_action.isChecked()  # panning and box zoom get along
