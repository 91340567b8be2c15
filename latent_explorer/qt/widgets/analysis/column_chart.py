"""One column's chart beside the map: a histogram (numbers, dates) or bars (categories,
true/false), with the rows the map shows and the selected rows drawn over the whole, and a
brush to filter by.

Drag across a histogram to brush a range (drag the brushed band to move it, its edges to
resize it; click outside it to clear it). Click a bar to keep only its rows, Ctrl+click to
add or remove bars, click the only chosen bar again to clear. The chart never filters by
itself: it says what was brushed (:attr:`QtColumnChart.brushed`) and draws the brush it is
given (:meth:`QtColumnChart.show_brush`), which the filter text decides.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from latent_explorer.core.analysis.axis_ticks import time_ticks, value_ticks
from latent_explorer.core.analysis.column_charts import ColumnChart
from latent_explorer.core.analysis.filter_text import Brush
from latent_explorer.qt.palette import MAP_BACKGROUND

ALL = "#434c5e"
SHOWN = "#81a1c1"
SELECTED = "#ffd166"
CHOSEN = "#eceff4"
HISTOGRAM_H = 92
BAR_H = 15


class _BrushBox(pg.ViewBox):  # type: ignore[misc]
    """A view box whose left drag and click brush instead of pan and zoom."""

    def __init__(self, chart: QtColumnChart) -> None:
        super().__init__(enableMenu=False)
        self.chart = chart
        self.setMouseEnabled(False, False)

    def mouseDragEvent(self, ev: Any, axis: Any = None) -> None:
        if ev.button() != Qt.MouseButton.LeftButton or self.chart.chart.kind != "range":
            ev.ignore()
            return
        ev.accept()
        start = self.mapSceneToView(ev.buttonDownScenePos()).x()
        here = self.mapSceneToView(ev.scenePos()).x()
        self.chart.drag_range(start, here, ev.isFinish())

    def mouseClickEvent(self, ev: Any) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        ev.accept()
        point = self.mapSceneToView(ev.scenePos())
        adding = bool(ev.modifiers() & Qt.KeyboardModifier.ControlModifier)
        self.chart.click_at(point.x(), point.y(), adding)


class QtColumnChart(QWidget):
    """The chart of one column (a :class:`ColumnChart`), brushed with the mouse."""

    brushed = Signal(str, object)
    """(column, :class:`Brush` or ``None`` for cleared) the user brushed. Emitted on the GUI
    thread."""

    def __init__(self, chart: ColumnChart, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.chart = chart
        self.brush: Brush | None = None
        self._chosen: set[int] = set()
        self.title = QLabel()
        self.box = _BrushBox(self)
        self.plot = pg.PlotWidget(viewBox=self.box, background=MAP_BACKGROUND)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        bars = chart.kind == "bars"
        item.hideAxis("left" if not bars else "bottom")
        if not bars:
            item.getAxis("bottom").setHeight(22)
        self.all_item = self._bars(ALL)
        self.shown_item = self._bars(SHOWN)
        self.selected_item = self._bars(SELECTED)
        self.chosen_item = pg.BarGraphItem(x0=[], y0=[], width=[], height=[], brush=None,
                                           pen=pg.mkPen(CHOSEN, width=1.5))
        self.region = pg.LinearRegionItem(orientation="vertical", movable=True,
                                          brush=pg.mkBrush(236, 239, 244, 40),
                                          pen=pg.mkPen(CHOSEN, width=1.5))
        self.region.setZValue(10)
        self.region.setVisible(False)
        for graphic in (self.all_item, self.shown_item, self.selected_item, self.chosen_item,
                        self.region):
            self.plot.addItem(graphic)
        self.region.sigRegionChangeFinished.connect(self._on_region_moved)
        height = (HISTOGRAM_H if not bars
                  else 16 + BAR_H * max(2, chart.bins))
        self.plot.setFixedHeight(min(height, 380))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.title)
        layout.addWidget(self.plot)
        self._set_axes()
        self.show_counts(chart.counts(), None, None)

    def _bars(self, colour: str) -> pg.BarGraphItem:
        return pg.BarGraphItem(x0=[], y0=[], width=[], height=[], brush=pg.mkBrush(colour),
                               pen=None)

    def _set_axes(self) -> None:
        chart = self.chart
        item = self.plot.getPlotItem()
        if chart.kind == "bars":
            labels = list(chart.labels)
            item.getAxis("left").setTicks([[(float(i), text) for i, text in
                                            enumerate(labels)]])
            self.plot.setYRange(-0.6, len(labels) - 0.4, padding=0)
            self.plot.invertY(True)
            return
        assert chart.edges is not None
        low, high = float(chart.edges[0]), float(chart.edges[-1])
        ticks = (time_ticks if chart.time else value_ticks)(low, high, 4)
        item.getAxis("bottom").setTicks([ticks])
        self.plot.setXRange(low, high, padding=0.02)

    # --- drawing --------------------------------------------------------------------------
    def show_counts(self, everything: np.ndarray, shown: np.ndarray | None,
                    selected: np.ndarray | None) -> None:
        """Draw the counts per bin of every row, of the rows the map shows (``None``: no
        filter) and of the selected rows (``None``: no selection)."""
        chart = self.chart
        layers = ((self.all_item, everything), (self.shown_item, shown),
                  (self.selected_item, selected))
        top = max(1, int(np.max(everything))) if len(everything) else 1
        for graphic, counts in layers:
            values = np.zeros(chart.bins) if counts is None else np.asarray(counts, float)
            self._place(graphic, values)
        if chart.kind == "bars":
            self.plot.setXRange(0, top * 1.04, padding=0)
        else:
            self.plot.setYRange(0, top * 1.08, padding=0)
        self._show_title(everything, shown, selected)

    def _place(self, graphic: pg.BarGraphItem, values: np.ndarray) -> None:
        chart = self.chart
        if chart.kind == "bars":
            slots = np.arange(len(values), dtype=float)
            graphic.setOpts(x0=np.zeros(len(values)), y0=slots - 0.4,
                            width=values, height=np.full(len(values), 0.8))
            return
        assert chart.edges is not None
        edges = chart.edges
        graphic.setOpts(x0=edges[:-1], y0=np.zeros(len(values)), width=np.diff(edges) * 0.92,
                        height=values)

    def _show_title(self, everything: np.ndarray, shown: np.ndarray | None,
                    selected: np.ndarray | None) -> None:
        chart = self.chart
        kind = chart.column.describe()
        parts = [f"<b>{chart.name}</b> <span style='color:#8a93a5'>{kind}</span>"]
        if selected is not None:
            parts.append(f"<span style='color:{SELECTED}'>{int(np.sum(selected)):,} "
                         "selected</span>")
        elif shown is not None:
            parts.append(f"<span style='color:{SHOWN}'>{int(np.sum(shown)):,} shown</span>")
        quiet = [f"{chart.missing:,} empty"] if chart.missing else []
        if chart.other:
            quiet.append(f"{chart.other:,} in rarer values")
        if quiet:
            parts.append(f"<span style='color:#8a93a5'>{', '.join(quiet)}</span>")
        self.title.setText(" · ".join(parts))

    def show_brush(self, brush: Brush | None) -> None:
        """Draw ``brush`` (the part of the filter that is this column's), or none."""
        self.brush = brush
        span = None if brush is None else self.chart.brush_span(brush)
        if isinstance(span, tuple):
            self.region.blockSignals(True)
            self.region.setRegion(span)
            self.region.blockSignals(False)
            self.region.setVisible(True)
        else:
            self.region.setVisible(False)
        self._chosen = set(span) if isinstance(span, set) else set()
        slots = np.array(sorted(self._chosen), dtype=float)
        self.chosen_item.setOpts(x0=np.zeros(len(slots)), y0=slots - 0.45,
                                 width=np.full(len(slots), self._top_count() * 1.03),
                                 height=np.full(len(slots), 0.9))

    def _top_count(self) -> float:
        return float(max(1, int(np.max(self.chart.counts())))) if self.chart.bins else 1.0

    # --- brushing -------------------------------------------------------------------------
    def drag_range(self, start: float, here: float, finished: bool) -> None:
        """A left drag across a histogram from ``start`` to ``here`` (chart scale)."""
        self.region.blockSignals(True)
        self.region.setRegion(sorted((start, here)))
        self.region.blockSignals(False)
        self.region.setVisible(True)
        if finished:
            self.brushed.emit(self.chart.name, self.chart.range_brush(start, here))

    def click_at(self, x: float, y: float, adding: bool) -> None:
        """A click on the chart: a bar is chosen (with ``adding``, toggled); on a histogram
        a click outside the brush clears it."""
        if self.chart.kind != "bars":
            self.region.setVisible(False)
            self.brushed.emit(self.chart.name, None)
            return
        bar = round(y)
        if not 0 <= bar < self.chart.bins:
            return
        alone = set() if self._chosen == {bar} else {bar}
        chosen = self._chosen ^ {bar} if adding else alone
        self.brushed.emit(self.chart.name, self.chart.bars_brush(chosen))

    def _on_region_moved(self) -> None:
        low, high = self.region.getRegion()
        self.brushed.emit(self.chart.name, self.chart.range_brush(low, high))

    # --- for tests and tools ---------------------------------------------------------------
    def point_at(self, x: float, y: float) -> QPointF:
        """Widget (viewport) pixel position of chart point ``(x, y)``."""
        scene = self.box.mapViewToScene(QPointF(x, y))
        return QPointF(self.plot.mapFromScene(scene))
