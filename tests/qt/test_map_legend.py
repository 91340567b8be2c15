"""The map legend covers no data point: the view leaves it a margin; movable, see-through."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF


def test_the_legend_covers_no_point(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    view = window.map_view
    qtbot.waitUntil(lambda: view.legend.sceneBoundingRect().width() > 0, timeout=5000)
    view.reset_view()
    legend = view.legend.sceneBoundingRect()
    assert legend.width() > 20 and legend.height() > 50  # ten classes are listed
    coords = view.coords
    inside = [i for i in range(0, len(coords), 3)
              if legend.contains(view.view_box.mapViewToScene(
                  QPointF(float(coords[i, 0]), float(coords[i, 1]))))]
    assert inside == [], f"{len(inside)} points under the legend"
    assert view.legend.opts["brush"].color().alpha() < 255
    # Every point is still in view.
    (x0, x1), (y0, y1) = view.view_box.viewRange()
    assert x0 <= coords[:, 0].min() and coords[:, 0].max() <= x1
    assert y0 <= coords[:, 1].min() and coords[:, 1].max() <= y1
    assert np.isfinite([x0, x1, y0, y1]).all()
