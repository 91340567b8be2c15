"""Colour schemes for the map: a palette and one palette index per point.

Recolouring the map only swaps the palette and the index array (``PointCloudItem.set_colors``
/ ``set_color_index``); the points themselves are never rebuilt. The final palette is folded
from three parts, each a multiple of the one before:

``index = (colour * ALPHA_LEVELS + opacity_level) + K * dimmed``

where ``K`` is the number of colours times :data:`ALPHA_LEVELS`; indices ``K .. 2K-1`` are faint
copies for points outside the selection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pyqtgraph as pg
from PySide6.QtGui import QColor

from latent_explorer.qt.palette import category_color

IntArray = npt.NDArray[np.int64]
ALPHA_LEVELS = 8
"""Opacity steps an opacity column is cut into."""
NUMERIC_LEVELS = 64
"""Colours of the continuous colour map."""
CATEGORY_LIMIT = 30
"""Integer columns with at most this many distinct values are shown as categories."""
MISSING = QColor("#5c6370")
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

    @property
    def numeric(self) -> bool:
        """Whether a continuous colour map (with a colour bar) is used."""
        return self.value_range is not None


def is_categorical(values: np.ndarray) -> bool:
    """Whether a column is best shown as categories rather than a colour ramp."""
    kind = values.dtype.kind
    if kind in "bUSO":
        return True
    if kind in "iu":
        return len(np.unique(values[:: max(1, len(values) // _SAMPLE)])) <= CATEGORY_LIMIT
    return False


def categorical_scheme(title: str, values: np.ndarray,
                       name: Callable[[Any], str] = str) -> ColourScheme:
    """One colour per distinct value; negative integers (noise, missing) are grey."""
    values = np.asarray(values)
    if values.dtype.kind in "iu" and len(values) and values.min() >= 0 \
            and values.max() < 65_536:
        counts = np.bincount(values)
        classes = np.flatnonzero(counts)
        lookup = np.zeros(len(counts), dtype=np.int64)
        lookup[classes] = np.arange(len(classes))
        index = lookup[values]
    else:
        classes, inverse = np.unique(values, return_inverse=True)
        index = inverse.reshape(-1).astype(np.int64)
    colours, legend = [], []
    for i, value in enumerate(classes):
        if values.dtype.kind in "iu" and int(value) < 0:
            colour = NOISE
            text = "noise" if int(value) == -1 else name(value)
        else:
            colour = category_color(int(value) if values.dtype.kind in "iu" else i)
            text = name(value.item() if hasattr(value, "item") else value) or "(empty)"
        colours.append(colour)
        legend.append((text, colour))
    return ColourScheme(title, index, colours, legend)


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
    scaled = (np.asarray(values, dtype=np.float32) - np.float32(low)) * np.float32(
        count / (high - low))
    np.clip(scaled, 0, count - 1, out=scaled)
    out = scaled.astype(np.int64)
    nan = np.isnan(scaled)
    if nan.any():
        out[nan] = count
    return out


def ramp(count: int = NUMERIC_LEVELS) -> list[QColor]:
    """The continuous colour map: viridis without its darkest end (the map is dark)."""
    rgba = pg.colormap.get("viridis").map(np.linspace(0.12, 1.0, count), mode="byte")
    return [QColor(int(r), int(g), int(b)) for r, g, b, _ in rgba]


def numeric_scheme(title: str, values: np.ndarray) -> ColourScheme:
    """A continuous colour map over the column's robust range; missing values grey."""
    bounds = value_range(values)
    index = levels(values, NUMERIC_LEVELS, bounds)
    return ColourScheme(title, index, [*ramp(), MISSING], [], bounds)


def scheme_for(title: str, values: np.ndarray,
               name: Callable[[Any], str] = str) -> ColourScheme:
    """The categorical or numeric scheme that suits ``values``."""
    values = np.asarray(values)
    if is_categorical(values):
        return categorical_scheme(title, values, name)
    return numeric_scheme(title, values)


def opacity_levels(values: np.ndarray) -> IntArray:
    """An opacity column cut into :data:`ALPHA_LEVELS` steps (missing: the faintest)."""
    out = levels(values, ALPHA_LEVELS, value_range(np.asarray(values)))
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
