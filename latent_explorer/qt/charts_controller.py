"""Per-column charts beside the map, the filter bar and the map in agreement.

Brushing a chart writes its expression into the filter (``score between 0.25 and 0.5``,
``species in ("ant", "eel")``), keeping the filter's other parts as they read; the filter
then applies as if typed, so the map shows only those rows and the filter bar says what the
charts chose. The other way, every filter is read back into the charts' brushes
(:func:`~latent_explorer.core.analysis.filter_text.split_filter`), so a range typed by hand
shows on its chart. The charts draw the rows the map shows and the selected rows over the
whole's distribution, and follow both.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from latent_explorer.core.analysis.column_charts import chartable, charts_of
from latent_explorer.core.analysis.filter_text import Brush, join_filter, split_filter
from latent_explorer.core.datasets.columns import Column
from latent_explorer.qt.row_sources import RowSources
from latent_explorer.qt.widgets.analysis.column_charts_panel import QtColumnCharts

DEFAULT_CHARTS = 6
"""Columns charted until the user picks."""


class ChartsController(QObject):
    """Builds the charts of the chosen columns and keeps them, the filter and the map in
    step."""

    redrawn = Signal()
    """The charts show the current filter, shown rows and selection. Emitted on the GUI
    thread."""
    available = Signal(bool)
    """Whether the data has a column to chart (after each rebuild). Emitted on the GUI
    thread."""

    def __init__(self, sources: RowSources, panel: QtColumnCharts) -> None:
        super().__init__(sources.services.parent)
        self.sources = sources
        self.panel = panel
        self.charted: dict[str, Column] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)  # one redraw after the filter, legend and selection settle
        self._timer.timeout.connect(self.redraw)
        ev = sources.state.events
        sources.columns_changed.connect(self.rebuild)
        ev.chart_columns.connect(lambda _: self.rebuild())
        ev.filter_text.connect(lambda _: self._timer.start())
        ev.selection.connect(lambda _: self._timer.start())
        sources.visibility_changed.connect(self._timer.start)
        panel.brushed.connect(self.brush)
        panel.clear_requested.connect(self.clear_brushes)

    def rebuild(self) -> None:
        """Make the charts of the chosen columns (the first few until the user picks)."""
        columns = self.sources.columns()
        offered = chartable(columns)
        self.panel.picker.set_columns(offered, offered[:DEFAULT_CHARTS])
        charts = charts_of(columns, self.panel.picker.chosen(), self.sources.namers())
        self.charted = {name: chart.column for name, chart in charts.items()}
        self.panel.set_charts(charts)
        self.redraw()
        self.available.emit(bool(offered))

    def redraw(self) -> None:
        """Draw the shown and the selected rows, and the filter's brushes."""
        self._timer.stop()
        s = self.sources
        shown = s.shown()
        count = len(next(iter(self.charted.values()))) if self.charted else 0
        shown_mask = shown if len(shown) == count and not shown.all() else None
        selection = s.state.selection
        selected = selection[selection < count] if len(selection) else None
        self.panel.show_counts(shown_mask, selected)
        self.panel.show_brushes(self.brushes())
        self.redrawn.emit()

    def brushes(self) -> dict[str, Brush]:
        """The charts' brushes that the filter holds now."""
        return split_filter(self.sources.state.filter_text, self.charted)[0]

    def brush(self, name: str, brush: Brush | None) -> None:
        """Put ``brush`` (``None``: none) as column ``name``'s part of the filter, which
        then applies."""
        brushes, others = split_filter(self.sources.state.filter_text, self.charted)
        brushes.pop(name, None)
        if brush is not None:
            brushes[name] = brush
        self._apply(join_filter(brushes.values(), others))

    def clear_brushes(self) -> None:
        """Take every chart's brush out of the filter (the rest of it stays)."""
        _, others = split_filter(self.sources.state.filter_text, self.charted)
        self._apply(join_filter([], others))

    def _apply(self, text: str) -> None:
        state = self.sources.state
        if text == state.filter_text:
            self.redraw()  # e.g. a brush dragged over no value: draw what the filter holds
        else:
            state.filter_text = text


def counts_for(panel: QtColumnCharts, name: str) -> tuple[np.ndarray, ...]:
    """The counts chart ``name`` draws: every row, shown, selected (for tests and tools)."""
    widget = panel.charts[name]
    return tuple(np.asarray(item.opts["width" if widget.chart.kind == "bars" else "height"])
                 for item in (widget.all_item, widget.shown_item, widget.selected_item))
