"""Colour schemes follow the column's type: whole numbers with gaps get a legend of whole
numbers (and "(missing)"), dates a ramp with a time axis, free text no colours at all."""

from __future__ import annotations

import numpy as np
import pytest

from latent_explorer.qt.widgets.analysis import colouring
from latent_explorer.qt.widgets.analysis.colour_bar import QtColourBar

pd = pytest.importorskip("pandas")


def test_whole_numbers_with_gaps_have_a_legend_of_whole_numbers() -> None:
    ratings = pd.Series(pd.array([1, 2, None, 5, 2], dtype="Int64"))
    scheme = colouring.scheme_for("rating", ratings)
    assert [text for text, _ in scheme.legend] == ["1", "2", "5", "(missing)"]
    assert scheme.index.tolist() == [0, 1, 3, 2, 1]
    assert scheme.colours[3] == colouring.MISSING


def test_dates_colour_on_a_time_scale() -> None:
    days = pd.Series(pd.to_datetime(["2024-01-01", "2024-06-01", None, "2025-01-01"]))
    scheme = colouring.scheme_for("taken", days)
    assert scheme.numeric and scheme.time_axis and not scheme.legend
    assert scheme.index[2] == colouring.NUMERIC_LEVELS  # the missing date is grey
    assert scheme.index[0] < scheme.index[1] < scheme.index[3]
    assert scheme.ticks and all(label.startswith("202") for _, label in scheme.ticks)


def test_free_text_colours_nothing(qtbot) -> None:  # type: ignore[no-untyped-def]
    captions = np.array([f"caption {i}" for i in range(5000)])
    scheme = colouring.scheme_for("caption", captions)
    assert len(scheme.colours) == 1 and not scheme.numeric
    assert "free text" in scheme.legend[0][0] and "contains" in scheme.legend[0][0]
    # The colour bar draws a time axis and the meaning of its ends without overlaps.
    bar = QtColourBar()
    qtbot.addWidget(bar)
    bar.resize(260, 90)
    bar.set_range("isolation", colouring.ramp(), 0.0, 1.0,
                  [(0.0, "0"), (0.5, "0.5"), (1.0, "1")], False,
                  ("low: typical", "high: isolated"))
    image = bar.grab().toImage()
    assert image.width() == 260 and bar.minimumHeight() >= 80
