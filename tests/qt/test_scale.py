"""The map at scale: level of detail, a background hover index, cheap recolouring, honest notes.

No timing assertions (the figures live in ``latent_explorer.bench.scale``); the sizes are
the smallest that exercise each path.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from latent_explorer.bench.scale import clustered_latents
from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.widgets import map_view as map_view_module
from latent_explorer.qt.widgets.map_view import QtMapView
from latent_explorer.qt.widgets.point_cloud import channel_bits, density_image


@pytest.fixture
def view(qtbot) -> Iterator[QtMapView]:  # type: ignore[no-untyped-def]
    widget = QtMapView(ExplorerState())
    qtbot.addWidget(widget)
    widget.resize(800, 600)
    widget.show()
    qtbot.waitExposed(widget)
    yield widget
    widget.wait_index(30.0)  # no index thread outlives the test


def _points(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    latents, labels = clustered_latents(n, 2, classes=6, seed=seed)
    return latents, labels


def _zoom(view: QtMapView, x: float, y: float, half: float) -> None:
    view.view_box.setRange(xRange=(x - half, x + half), yRange=(y - half, y + half), padding=0)
    view.viewport().repaint()


def test_zoomed_out_draws_density_zoomed_in_draws_points(view: QtMapView) -> None:
    coords, labels = _points(300_000)
    view.set_points(coords, labels)
    view.viewport().repaint()
    assert view.cloud.mode == "density"
    assert view.cloud.points_in_view > 250_000
    assert "density" in view.status_note
    _zoom(view, float(coords[0, 0]), float(coords[0, 1]), 0.05)
    assert view.cloud.mode == "points"
    assert "density" not in view.status_note
    view.reset_view()
    view.viewport().repaint()
    assert view.cloud.mode == "density"


def test_small_maps_always_draw_points(view: QtMapView) -> None:
    coords, labels = _points(20_000)
    view.set_points(coords, labels)
    view.viewport().repaint()
    assert view.cloud.mode == "points"
    assert view.status_note == ""


def test_density_pixels_show_the_class_colour() -> None:
    # Two classes on separate pixels, one mixed pixel: mean colour, opacity from the count.
    width, height = 4, 1
    flat = np.array([0, 0, 0, 2, 1, 1, 4], dtype=np.int64)  # the last one is out of view
    rgb = np.array([[255, 0, 0], [255, 0, 0], [255, 0, 0], [0, 0, 255], [255, 0, 0],
                    [0, 0, 255], [9, 9, 9]])
    bits, shift = channel_bits(len(flat)) or (8, None)
    assert shift is not None
    scaled = (rgb * ((1 << bits) - 1) + 127) // 255
    weights = (((scaled[:, 0] << shift) + scaled[:, 1]).astype(float),
               ((scaled[:, 2] << shift) + 1).astype(float))
    image = density_image(flat, weights, bits, shift, width, height)[0]
    alpha = image >> 24
    red, blue = (image >> 16) & 255, image & 255
    assert alpha[3] == 0  # empty pixel
    assert alpha[0] == 255 and red[0] == 255 and blue[0] == 0  # the densest pixel: 3 red
    assert red[2] == 0 and blue[2] > 0 and alpha[2] < 255  # one blue point: fainter
    assert red[1] > 0 and blue[1] > 0 and abs(int(red[1]) - int(blue[1])) <= 1  # half and half
    # Without packing (too many points for one float64) the image is the same.
    plain = density_image(flat, tuple(scaled[:, k].astype(float) for k in range(3)), bits, None,
                          width, height)[0]
    np.testing.assert_array_equal(plain, image)


def test_a_million_points_index_in_the_background_then_hover_works(view: QtMapView,
                                                                    qtbot) -> None:  # type: ignore[no-untyped-def]
    coords, labels = _points(1_000_000, seed=1)
    with qtbot.waitSignal(view.index_ready, timeout=60_000):
        view.set_points(coords, labels)
        # set_points returned before the index exists: nothing heavy ran on the GUI thread.
        assert view.index_pending
        assert "indexing 1,000,000 points" in view.status_note.lower()
        assert view.nearest_point(QPointF(float(coords[5, 0]), float(coords[5, 1]))) is None
    assert not view.index_pending
    assert "indexing" not in view.status_note.lower()
    for index in (5, 123_456, 999_999):
        x, y = (float(v) for v in coords[index])
        _zoom(view, x, y, 0.002)
        assert view.nearest_point(QPointF(x, y)) == index
    # The draw order is now the index's spatial order.
    np.testing.assert_array_equal(np.sort(view.cloud.draw_order[:1000]),
                                  np.sort(view._index.order[:1000]))


def test_hidden_classes_are_skipped_by_hover(view: QtMapView) -> None:
    coords, labels = _points(200_000, seed=2)
    view.set_points(coords, labels)
    assert view.wait_index(30.0)
    index = 777
    x, y = (float(v) for v in coords[index])
    _zoom(view, x, y, 0.002)
    assert view.nearest_point(QPointF(x, y)) == index
    view.state.hidden_labels = frozenset({int(labels[index])})
    found = view.nearest_point(QPointF(x, y))
    assert found != index
    assert found is None or labels[found] != labels[index]
    assert not view.cloud.visible[labels == labels[index]].any()


def test_recolouring_rebuilds_nothing(view: QtMapView) -> None:
    coords, labels = _points(300_000, seed=3)
    view.set_points(coords, labels)
    assert view.wait_index(30.0)
    view.viewport().repaint()
    index, builds, renders = view._index, view.cloud.geometry_builds, view.cloud.render_count
    geometry = view.cloud._visible_geometry()
    view.cloud.set_color_index((labels + 1) % 6)
    view.cloud.set_colors([QColor(255, 255, 255)] * 6)
    view.viewport().repaint()
    assert view.cloud.render_count == renders + 1  # redrawn ...
    assert view.cloud.geometry_builds == builds  # ... without rebuilding positions
    assert view.cloud._visible_geometry() is geometry
    assert view._index is index  # nor the hover index
    image = view.cloud._cache_image
    assert image is not None
    centre = view.view_to_widget(float(np.median(coords[:, 0])), float(np.median(coords[:, 1])))
    pixel = QColor(image.pixel(int(centre.x()), int(centre.y())))
    assert pixel.red() == pixel.green() == pixel.blue() > 0  # white at some opacity


def test_status_note_says_when_the_map_was_fitted_on_a_sample(view: QtMapView,
                                                              qtbot) -> None:  # type: ignore[no-untyped-def]
    coords, labels = _points(5_000, seed=4)
    with qtbot.waitSignal(view.status_changed) as signal:
        view.set_points(coords, labels, sampled=1_000)
    assert "sample of 1,000 of 5,000 points" in signal.args[0]
    assert view.status_note == signal.args[0]
    view.set_points(coords, labels)
    assert view.status_note == ""


def test_small_maps_index_at_once(view: QtMapView, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(map_view_module, "SYNC_INDEX_LIMIT", 10_000)
    coords, labels = _points(10_000, seed=5)
    view.set_points(coords, labels)
    assert not view.index_pending  # hover works straight away
    x, y = (float(v) for v in coords[42])
    _zoom(view, x, y, 0.01)
    assert view.nearest_point(QPointF(x, y)) == 42


def test_new_layout_of_the_same_classes_keeps_the_legend(view: QtMapView) -> None:
    coords, labels = _points(2_000)
    view.set_points(coords, labels)
    items = dict(view._legend_items)
    assert sorted(items) == sorted(set(labels.tolist()))
    view.set_points(coords[:, ::-1] * 2.0, labels)  # e.g. UMAP replacing PCA
    assert view._legend_items == items  # the very same entries: no rebuild
    view.set_points(coords, labels % 3)  # other classes: a new legend
    assert sorted(view._legend_items) == [0, 1, 2]
    assert all(item not in items.values() for item in view._legend_items.values())
    view.set_points(coords, None)  # no labels: no legend entries
    assert view._legend_items == {}


def test_dimmed_points_darken_the_density_image(view: QtMapView) -> None:
    # Zoomed out on 300,000 points: a selection (bright) must stand out from the rest (dimmed).
    coords, labels = _points(300_000, seed=5)
    view.set_points(coords, labels)
    selected = coords[:, 0] < np.median(coords[:, 0])
    view.cloud.set_colors([QColor(255, 255, 255), QColor(255, 255, 255, 40)])
    view.cloud.set_color_index(np.where(selected, 0, 1))
    view.viewport().repaint()
    assert view.cloud.mode == "density"
    image = view.cloud._cache_image
    assert image is not None

    def brightness(mask: np.ndarray) -> float:
        values = []
        for x, y in coords[mask][:400]:
            p = view.view_to_widget(float(x), float(y))
            colour = QColor(image.pixel(int(p.x()), int(p.y())))
            values.append(colour.red() * colour.alphaF())
        return float(np.mean(values))

    assert brightness(selected) > 2.5 * brightness(~selected)
