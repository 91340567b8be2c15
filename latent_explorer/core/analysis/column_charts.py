"""What a per-column chart draws: a histogram of a number or time column, or bars of a
category, true/false or small whole-number column, and how rows (a selection, the rows a
filter shows) fall into the same bins.

:func:`chart_of` looks at the whole column once (bin edges, or the bars and the value each
stands for); :meth:`ColumnChart.counts` then counts any subset of rows into those bins with
one ``numpy.bincount``, so a chart follows a lasso of 50,000 points at once. A brush on the
chart becomes a :class:`~latent_explorer.core.analysis.filter_text.Brush` (a filter
expression) through :meth:`ColumnChart.range_brush` and :meth:`ColumnChart.bars_brush`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from latent_explorer.core.analysis.filter_text import Brush
from latent_explorer.core.datasets.columns import Column, format_value

BINS = 40
"""Bins of a histogram (fewer for whole numbers spanning less)."""
MAX_BARS = 24
"""Bars of a category chart: the most common values (the rest are counted as "other")."""
SMALL_WHOLE = 24
"""Whole-number columns with at most this many distinct values get a bar per value."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ColumnChart:
    """The bins of one column's chart.

    For a histogram (``kind`` ``"range"``) ``edges`` holds the ``B + 1`` bin edges on the
    column's float scale (seconds since 1970 for times; see
    :meth:`~latent_explorer.core.datasets.columns.Column.as_float`). For bars (``"bars"``)
    ``values`` holds the value each bar stands for and ``labels`` how it reads.
    """

    name: str
    kind: str
    column: Column
    bin_of: IntArray
    """Each row's bin (``-1``: missing, or in no bar)."""
    edges: FloatArray | None = None
    values: tuple[Any, ...] = ()
    labels: tuple[str, ...] = ()
    time: bool = False
    """A time column: its axis shows dates."""
    other: int = 0
    """Rows whose value has no bar of its own (categories beyond :data:`MAX_BARS`)."""

    @property
    def bins(self) -> int:
        """How many bins or bars."""
        return len(self.values) if self.kind == "bars" else (
            0 if self.edges is None else len(self.edges) - 1)

    @property
    def missing(self) -> int:
        """Rows with no value."""
        return int(np.count_nonzero(self.column.missing))

    def counts(self, rows: npt.ArrayLike | None = None) -> IntArray:
        """Rows per bin: of every row (``None``), of the rows ``rows`` (indices), or of the
        rows where ``rows`` is true (a mask)."""
        bins = self.bin_of
        if rows is not None:
            bins = bins[np.asarray(rows)]
        kept = bins[bins >= 0]
        return np.bincount(kept, minlength=self.bins)[: self.bins].astype(np.int64)

    # --- brushes -----------------------------------------------------------------------------
    def range_brush(self, low: float, high: float) -> Brush | None:
        """The brush of the range ``[low, high]`` on the chart's scale (a histogram), with
        ends as the filter writes them: whole numbers for whole-number columns, dates for a
        column of dates, minutes for times; ``None`` when the range holds no value."""
        if self.kind != "range" or self.edges is None:
            return None
        low, high = sorted((float(low), float(high)))
        column = self.column
        if column.kind == "datetime":
            unit = "D" if column.date_only else "m"
            step = 86400.0 if column.date_only else 60.0
            first = np.datetime64(math.ceil(low / step - 1e-9) * int(step), "s")
            last = np.datetime64(math.floor(high / step + 1e-9) * int(step), "s")
            if last < first:
                return None
            return Brush(self.name, low=first.astype(f"datetime64[{unit}]"),
                         high=last.astype(f"datetime64[{unit}]"))
        if column.is_integer:
            first_i, last_i = math.ceil(low - 1e-9), math.floor(high + 1e-9)
            return None if last_i < first_i else Brush(self.name, low=first_i, high=last_i)
        return Brush(self.name, low=_round_down(low, high), high=_round_up(high, low))

    def bars_brush(self, bars: set[int] | list[int]) -> Brush | None:
        """The brush of the bars ``bars`` (indices), ``None`` for none."""
        chosen = sorted(int(b) for b in bars if 0 <= int(b) < len(self.values))
        if self.kind != "bars" or not chosen:
            return None
        return Brush(self.name, values=tuple(self.values[b] for b in chosen))

    def brush_span(self, brush: Brush) -> tuple[float, float] | set[int] | None:
        """Where ``brush`` lies on this chart: ``(low, high)`` on its scale for a range, the
        bars' indices for a set of values (``None`` if it is of another kind)."""
        if brush.is_range and self.kind == "range":
            return _scale(brush.low), _scale(brush.high)
        if not brush.is_range and self.kind == "bars":
            wanted = {_key(v) for v in brush.values}
            return {i for i, value in enumerate(self.values) if _key(value) in wanted}
        return None


def chart_of(name: str, column: Column, namer: Callable[[Any], str] | None = None
             ) -> ColumnChart | None:
    """The chart of ``column``: a histogram for numbers and times, bars for categories,
    true/false and whole numbers with few values; ``None`` for free text, image paths or a
    column with no value at all. ``namer`` names the bars' values (class names of labels)."""
    present = ~column.missing
    if column.kind in ("text", "image") or not present.any():
        return None
    if column.kind == "boolean":
        bins = np.where(present, column.values.astype(np.int64), -1)
        return ColumnChart(name, "bars", column, bins, values=(False, True),
                           labels=("false", "true"))
    if column.kind == "category":
        return _category_chart(name, column, present, namer)
    if column.is_integer:
        distinct = np.unique(column.values[present])
        if len(distinct) <= SMALL_WHOLE:
            lookup = np.searchsorted(distinct, column.values)
            bins = np.where(present, lookup, -1).astype(np.int64)
            read = namer or (lambda v: format_value(v, "number"))
            return ColumnChart(name, "bars", column, bins,
                               values=tuple(int(v) for v in distinct),
                               labels=tuple(read(int(v)) for v in distinct))
    scale = column.as_float()
    kept = scale[present]
    low, high = float(kept.min()), float(kept.max())
    if high <= low:
        high = low + (1.0 if column.kind != "datetime" else 86400.0)
    count = BINS
    if column.is_integer:
        count = int(min(BINS, max(1, high - low + 1)))
    edges = np.linspace(low, high, count + 1)
    bins = np.clip(np.searchsorted(edges, scale, side="right") - 1, 0, count - 1)
    bins = np.where(present, bins, -1).astype(np.int64)
    return ColumnChart(name, "range", column, bins, edges=edges,
                       time=column.kind == "datetime")


def charts_of(columns: Mapping[str, Column], names: list[str],
              namers: Mapping[str, Callable[[Any], str]] | None = None
              ) -> dict[str, ColumnChart]:
    """The charts of the columns ``names`` that have one (in that order)."""
    found: dict[str, ColumnChart] = {}
    for name in names:
        if name in columns:
            chart = chart_of(name, columns[name], (namers or {}).get(name))
            if chart is not None:
                found[name] = chart
    return found


def chartable(columns: Mapping[str, Column]) -> list[str]:
    """The columns that have a chart (numbers, times, true/false, categories), ``index``
    left out, and categories where every row has a value of its own (file names of a few
    pictures): a bar per row says nothing."""
    return [name for name, column in columns.items()
            if name != "index" and column.kind in ("number", "datetime", "boolean", "category")
            and not (column.kind == "category" and _all_distinct(column))]


def _all_distinct(column: Column) -> bool:
    present = column.values[~column.missing]
    return len(present) > 1 and len(np.unique(present)) == len(present)


def _category_chart(name: str, column: Column, present: npt.NDArray[np.bool_],
                    namer: Callable[[Any], str] | None) -> ColumnChart:
    distinct, inverse, counts = np.unique(column.values, return_inverse=True,
                                          return_counts=True)
    inverse = inverse.reshape(-1)
    gap = np.flatnonzero(distinct == "")
    if len(gap):
        counts = counts.copy()
        counts[gap] = -1  # the empty text is "missing", never a bar
    top = np.argsort(-counts, kind="stable")[:MAX_BARS]
    top = top[counts[top] > 0]
    top = top[np.argsort(distinct[top], kind="stable")]  # bars in the order of their names
    lookup = np.full(len(distinct), -1, dtype=np.int64)
    lookup[top] = np.arange(len(top))
    bins = np.where(present, lookup[inverse], -1).astype(np.int64)
    other = int(np.count_nonzero(present & (bins < 0)))
    values = tuple(str(v) for v in distinct[top])
    read = namer or str
    return ColumnChart(name, "bars", column, bins, values=values,
                       labels=tuple(read(v) for v in values), other=other)


def _scale(value: object) -> float:
    """A brush end on a chart's float scale (seconds since 1970 for times)."""
    if isinstance(value, np.datetime64):
        return float(value.astype("datetime64[us]").astype(np.int64)) / 1e6
    return float(value)  # type: ignore[arg-type]


def _key(value: object) -> object:
    if isinstance(value, (bool, np.bool_)):
        return ("bool", bool(value))
    if isinstance(value, (int, np.integer)):
        return ("number", int(value))
    return ("text", str(value))


def _round_down(value: float, other: float) -> float:
    """``value`` cut to the digits that tell it from ``other`` (the brush's other end)."""
    digits = _digits(value, other)
    factor = 10.0 ** digits
    return math.floor(value * factor) / factor


def _round_up(value: float, other: float) -> float:
    digits = _digits(value, other)
    factor = 10.0 ** digits
    return math.ceil(value * factor) / factor


def _digits(value: float, other: float) -> int:
    """Decimals worth keeping: three significant digits of the range's width."""
    width = abs(value - other) or abs(value) or 1.0
    return int(max(0, 2 - math.floor(math.log10(width))))
