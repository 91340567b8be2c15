"""Colour schemes for the map: a palette and one palette index per point.

Recolouring the map only swaps the palette and the index array (``PointCloudItem.set_colors``
/ ``set_color_index``); the points themselves are never rebuilt. The final palette is folded
from three parts, each a multiple of the one before:

``index = (colour * ALPHA_LEVELS + opacity_level) + K * dimmed``

where ``K`` is the number of colours times :data:`ALPHA_LEVELS`; indices ``K .. 2K-1`` are faint
copies for points outside the selection.

A column colours by its type (:class:`~latent_explorer.core.datasets.columns.Column`):
true/false, categories and whole numbers with few values get a colour each and a legend
(``true``/``false``, ``3``, never ``3.0``); numbers a continuous ramp with a numeric axis;
dates and times the same ramp with a time axis. Free text and image paths colour nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtGui import QColor

from latent_explorer.core.analysis.axis_ticks import Tick, time_ticks, value_ticks
from latent_explorer.core.datasets.columns import Column, ColumnData, as_column
from latent_explorer.qt.palette import category_color

IntArray = npt.NDArray[np.int64]
ALPHA_LEVELS = 8
"""Opacity steps an opacity column is cut into."""
NUMERIC_LEVELS = 64
"""Colours of the continuous colour map."""
CATEGORY_LIMIT = 30
"""Integer columns with at most this many distinct values are shown as categories."""
MISSING = QColor("#5c6370")
MISSING_TEXT = "(missing)"
COLUMN_ENDS = {
    "density": ("low: typical, close to its neighbours",
                "high: isolated, far from its neighbours"),
    "error": ("low: decoded faithfully", "high: decoded poorly"),
}
"""What the low and high ends of a computed score mean, written under its colour bar."""
NOISE = QColor("#6b7280")
DIM_ALPHA = 38
_SAMPLE = 100_000


@dataclass(frozen=True, eq=False)
class ColourScheme:
    """How one column colours the map."""

    title: str
    """The column's name."""
    index: IntArray
    """``(N,)`` palette index per point."""
    colours: list[QColor]
    """The palette."""
    legend: list[tuple[str, QColor]]
    """Categories (name, colour) for a categorical column; empty for a numeric one."""
    value_range: tuple[float, float] | None = None
    """``(low, high)`` of a numeric column's colour map; ``None`` for categories."""
    ticks: list[Tick] | None = None
    """Positions (in the units of :attr:`value_range`) and labels of the colour bar's axis."""
    time_axis: bool = False
    """The colour bar's axis is time (a date column; values are seconds since 1970)."""
    ends: tuple[str, str] | None = None
    """What low and high mean, in words (a score's colour bar), or ``None``."""

    @property
    def numeric(self) -> bool:
        """Whether a continuous colour map (with a colour bar) is used."""
        return self.value_range is not None


def is_categorical(values: ColumnData) -> bool:
    """Whether a column is best shown as categories rather than a colour ramp: true/false,
    categories, and whole numbers with at most :data:`CATEGORY_LIMIT` values."""
    column = as_column(values)
    if column.kind in ("boolean", "category", "text", "image"):
        return True
    if column.is_integer:
        kept = column.values[~column.missing]
        return len(np.unique(kept[:: max(1, len(kept) // _SAMPLE)])) <= CATEGORY_LIMIT
    return False


def categorical_scheme(title: str, values: ColumnData,
                       name: Callable[[Any], str] = str) -> ColourScheme:
    """One colour per distinct value; negative whole numbers (noise) and missing values are
    grey. ``name`` writes a value for the legend (by default as the column shows it)."""
    column = as_column(values)
    gaps = column.missing if column.mask is not None else None
    raw = column.values
    whole = raw.dtype.kind in "iu"
    if whole and len(raw) and raw.min() >= 0 and raw.max() < 65_536:
        counts = np.bincount(raw if gaps is None else raw[~gaps])
        classes = np.flatnonzero(counts)
        lookup = np.zeros(max(len(counts), int(raw.max()) + 1), dtype=np.int64)
        lookup[classes] = np.arange(len(classes))
        index = lookup[raw]
    else:
        kept = raw if gaps is None else raw[~gaps]
        classes = np.unique(kept)
        index = np.searchsorted(classes, raw).clip(0, max(0, len(classes) - 1)).astype(
            np.int64)
    colours, legend = [], []
    for i, value in enumerate(classes):
        if whole and int(value) < 0:
            colour = NOISE
            text = "noise" if int(value) == -1 else name(int(value))
        else:
            colour = category_color(int(value) if whole else i)
            plain = value.item() if hasattr(value, "item") else value
            text = (name(plain) if name is not str else _shown(column, plain)) or "(empty)"
        colours.append(colour)
        legend.append((text, colour))
    if gaps is not None and gaps.any():
        index = np.where(gaps, len(classes), index)
        colours.append(MISSING)
        legend.append((MISSING_TEXT, MISSING))
    return ColourScheme(title, index, colours, legend)


def _shown(column: Column, value: Any) -> str:
    """A category as the legend shows it: ``true``/``false``, ``3`` (never ``3.0``)."""
    if column.kind == "boolean":
        return "true" if value else "false"
    if column.kind == "number" and isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def value_range(values: np.ndarray) -> tuple[float, float]:
    """A robust colour-map range: the 1st to 99th percentile of (a sample of) the values."""
    sample = values[:: max(1, len(values) // _SAMPLE)].astype(np.float64)
    sample = sample[np.isfinite(sample)]
    if not len(sample):
        return 0.0, 1.0
    low, high = (float(v) for v in np.percentile(sample, [1.0, 99.0]))
    if high <= low:
        low, high = float(sample.min()), float(sample.max())
    if high <= low:
        high = low + 1.0
    return low, high


def levels(values: np.ndarray, count: int, bounds: tuple[float, float]) -> IntArray:
    """``values`` cut into ``count`` even steps over ``bounds`` (NaN gives ``count``)."""
    low, high = bounds
    # float64: times (seconds since 1970) lose minutes in float32
    scaled = (np.asarray(values, dtype=np.float64) - low) * (count / (high - low))
    nan = np.isnan(scaled)
    if nan.any():
        scaled[nan] = 0.0
    np.clip(scaled, 0, count - 1, out=scaled)
    out = scaled.astype(np.int64)
    if nan.any():
        out[nan] = count
    return out


def ramp(count: int = NUMERIC_LEVELS) -> list[QColor]:
    """The continuous colour map: viridis without its darkest end (the map is dark)."""
    rgba = pg.colormap.get("viridis").map(np.linspace(0.12, 1.0, count), mode="byte")
    return [QColor(int(r), int(g), int(b)) for r, g, b, _ in rgba]


def numeric_scheme(title: str, values: ColumnData) -> ColourScheme:
    """A continuous colour map over the column's robust range, with a numeric axis (a time
    axis for dates and times); missing values grey."""
    column = as_column(values)
    numbers = column.as_float()
    bounds = value_range(numbers)
    index = levels(numbers, NUMERIC_LEVELS, bounds)
    time = column.kind == "datetime"
    ticks = (time_ticks if time else value_ticks)(*bounds, 4)
    return ColourScheme(title, index, [*ramp(), MISSING], [], bounds, ticks, time,
                        COLUMN_ENDS.get(title))


def text_scheme(title: str, values: ColumnData) -> ColourScheme:
    """Free text or image paths colour nothing: every point in one colour, the legend says
    why (they are for search and ``contains`` filters)."""
    column = as_column(values)
    colour = QColor("#8ecae6")
    return ColourScheme(title, np.zeros(len(column), dtype=np.int64), [colour],
                        [(f"{title}: {column.describe()}, {column.distinct:,} values: search "
                          f"it or filter with contains", colour)])


def scheme_for(title: str, values: ColumnData,
               name: Callable[[Any], str] = str) -> ColourScheme:
    """The scheme that suits the column's type: categories, a ramp, or none for text."""
    column = as_column(values)
    if column.kind in ("text", "image"):
        return text_scheme(title, column)
    if is_categorical(column):
        return categorical_scheme(title, column, name)
    return numeric_scheme(title, column)


def opacity_levels(values: ColumnData) -> IntArray:
    """An opacity column cut into :data:`ALPHA_LEVELS` steps (missing: the faintest)."""
    numbers = as_column(values).as_float()
    out = levels(numbers, ALPHA_LEVELS, value_range(numbers))
    out[out >= ALPHA_LEVELS] = 0
    return out


def compose(scheme: ColourScheme, opacity: IntArray | None,
            selected: npt.NDArray[np.bool_] | None) -> tuple[IntArray, list[QColor]]:
    """The final palette and index: colours x opacity levels, plus faint copies.

    ``selected`` (or ``None`` when nothing is selected) marks the points drawn at full
    strength; the rest use the faint copy (index + K).
    """
    alphas = [round(255 * (0.18 + 0.82 * a / (ALPHA_LEVELS - 1)))
              for a in range(ALPHA_LEVELS)]
    if opacity is None:
        colours = list(scheme.colours)
        index = scheme.index
    else:
        colours = []
        for colour in scheme.colours:
            for alpha in alphas:
                faded = QColor(colour)
                faded.setAlpha(alpha)
                colours.append(faded)
        index = scheme.index * ALPHA_LEVELS + opacity
    if selected is None:
        return index, colours
    dim = []
    for colour in colours:
        faint = QColor(colour)
        faint.setAlpha(min(DIM_ALPHA, colour.alpha()))
        dim.append(faint)
    shift = np.int64(len(colours))
    index = index + np.where(selected, np.int64(0), shift)
    return index, colours + dim
