"""Colour by anything: metadata columns (categories with a legend, numbers with a colour bar),
opacity by a column, clusters with their prototypes, reconstruction error and outliers."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from latent_explorer.core.analysis.clusters import cluster_prototypes
from latent_explorer.core.analysis.outliers import reconstruction_error, top_outliers
from latent_explorer.core.datasets import load_dataset
from latent_explorer.qt.images import qimage_to_array
from latent_explorer.qt.widgets.analysis import colouring
from tests.qt.conftest import wait_decoded


def open_with_metadata(make_window, qtbot):  # type: ignore[no-untyped-def]
    window = make_window(dataset=None)
    dataset = load_dataset("digits")
    n = len(dataset)
    dataset.metadata["ink"] = dataset.images.reshape(n, -1).mean(axis=1).astype(np.float64)
    dataset.metadata["half"] = np.where(np.arange(n) < n // 2, "first", "second")
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(dataset, "demo")
    wait_decoded(qtbot, window)
    return window


def choose(combo, text: str, qtbot) -> None:  # type: ignore[no-untyped-def]
    """Pick ``text`` in a combo box with the keyboard, as a user would."""
    combo.setFocus()
    index = combo.findText(text)
    assert index >= 0, f"{text!r} not offered: {[combo.itemText(i) for i in range(combo.count())]}"
    while combo.currentIndex() != index:
        qtbot.keyClick(combo, Qt.Key.Key_Down if combo.currentIndex() < index else Qt.Key.Key_Up)


def test_colour_by_metadata_columns_and_opacity(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = open_with_metadata(make_window, qtbot)
    analysis = window.analysis
    panel = analysis.colour_panel
    cloud = window.map_view.cloud
    window.map_view.grab()
    builds = cloud.geometry_builds
    coords_id = id(cloud.coords)
    choose(panel.colour_combo, "half", qtbot)
    assert analysis.state.colour_by == "half"
    assert [text for text, _ in analysis._scheme.legend] == ["first", "second"]
    assert panel.legend.count() == 2 and panel.legend.item(1).text() == "second"
    assert not panel.colour_bar.isVisibleTo(panel)
    assert not window.map_view.legend.isVisible()  # the label legend would be wrong now
    n = len(cloud.coords)
    np.testing.assert_array_equal(cloud.color_index, (np.arange(n) >= n // 2).astype(int))
    choose(panel.colour_combo, "ink", qtbot)
    ink = window.workspace.dataset.metadata["ink"]
    assert panel.colour_bar.isVisibleTo(panel)
    low, high = panel.colour_bar.low, panel.colour_bar.high
    assert ink.min() <= low < high <= ink.max()
    darkest, brightest = int(np.argmin(ink)), int(np.argmax(ink))
    assert cloud.color_index[darkest] == 0
    assert cloud.color_index[brightest] == colouring.NUMERIC_LEVELS - 1
    assert cloud._colors[0] == colouring.ramp()[0]
    # The bar is drawn from the colour map: its right end shows the last colour.
    bar = panel.colour_bar.grab().toImage()
    right = panel.colour_bar.bar_rect().right() - 2
    pixel = qimage_to_array(bar)[panel.colour_bar.bar_rect().center().y(), right]
    last = colouring.ramp()[-1]
    assert np.abs(pixel.astype(int) - [last.red(), last.green(), last.blue()]).max() < 30
    # Opacity by a column folds 8 alpha levels into the palette.
    choose(panel.opacity_combo, "ink", qtbot)
    assert len(cloud._colors) == (colouring.NUMERIC_LEVELS + 1) * colouring.ALPHA_LEVELS
    assert cloud.color_index[brightest] % colouring.ALPHA_LEVELS == colouring.ALPHA_LEVELS - 1
    assert cloud.color_index[darkest] % colouring.ALPHA_LEVELS == 0
    assert cloud._colors[0].alpha() < cloud._colors[colouring.ALPHA_LEVELS - 1].alpha()
    window.map_view.grab()
    assert cloud.geometry_builds == builds  # recolouring never rebuilt the points
    assert id(cloud.coords) == coords_id
    # Back to the labels: the map legend returns.
    choose(panel.colour_combo, "label", qtbot)
    assert window.map_view.legend.isVisible()


def test_clusters_job_prototypes_and_click(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    analysis = window.analysis
    panel = analysis.colour_panel
    panel.param_spin.setFocus()
    panel.param_spin.selectAll()
    qtbot.keyClicks(panel.param_spin, "4")
    assert analysis.state.cluster_param == 4
    with qtbot.waitSignal(analysis.jobs.prototypes_ready, timeout=30_000):
        qtbot.mouseClick(panel.cluster_button, Qt.MouseButton.LeftButton)
    labels = analysis.computed["cluster"]
    assert sorted(np.unique(labels)) == [0, 1, 2, 3]
    assert analysis.state.colour_by == "cluster"
    assert panel.legend.count() == 4 and panel.legend.item(0).text() == "cluster 0"
    np.testing.assert_array_equal(window.map_view.cloud.color_index, labels)
    strip = analysis.prototype_strip
    assert strip.grid.keys == [0, 1, 2, 3]
    assert all(image is not None for image in strip.grid.first)
    _, centroids = cluster_prototypes(window.workspace.latents, labels)
    qtbot.mouseClick(strip.grid, Qt.MouseButton.LeftButton, pos=strip.grid.cell_rect(2).center())
    np.testing.assert_allclose(window.explorer.current_latent, centroids[2], rtol=1e-6)
    assert "cluster" in analysis.filter_bar.columns


def test_error_job_outliers_view_and_density(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    analysis = window.analysis
    ws = window.workspace
    with qtbot.waitSignal(analysis.jobs.computed, timeout=30_000):
        qtbot.mouseClick(analysis.colour_panel.error_button, Qt.MouseButton.LeftButton)
    expected = reconstruction_error(ws.model, ws.dataset, ws.latents)
    np.testing.assert_allclose(analysis.computed["error"], expected, rtol=1e-5)
    assert analysis.state.colour_by == "error"
    assert analysis.colour_panel.colour_bar.isVisibleTo(analysis.colour_panel)
    view = analysis.outliers_view
    view.count_spin.setFocus()
    view.count_spin.selectAll()
    qtbot.keyClicks(view.count_spin, "12")
    top = top_outliers(expected, 12)
    assert view.grid.keys == list(top)
    qtbot.waitUntil(lambda: all(i is not None for i in view.grid.second or [None]),
                    timeout=10_000)
    qtbot.mouseClick(view.grid, Qt.MouseButton.LeftButton, pos=view.grid.cell_rect(0).center())
    assert window.explorer.selected_index == top[0]
    qtbot.mouseClick(view.select_button, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(analysis.state.selection, np.sort(top))
    # Isolation: switch the view to density; it needs computing first.
    choose(view.score_combo, "Most isolated (lowest density)", qtbot)
    assert view.compute_button.isVisibleTo(view)
    with qtbot.waitSignal(analysis.jobs.computed, timeout=30_000):
        qtbot.mouseClick(view.compute_button, Qt.MouseButton.LeftButton)
    assert view.grid.keys == list(top_outliers(analysis.computed["density"], 12))
    assert "density" in [analysis.colour_panel.colour_combo.itemText(i)
                         for i in range(analysis.colour_panel.colour_combo.count())]
