"""The Charts panel: a chart per chosen column, stacked, each brushed to filter the map."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.analysis.column_charts import ColumnChart
from latent_explorer.core.analysis.filter_text import Brush
from latent_explorer.core.session.analysis_state import AnalysisState
from latent_explorer.qt.widgets.analysis.column_chart import QtColumnChart
from latent_explorer.qt.widgets.analysis.field_picker import QtFieldPicker

HINT = ("Drag across a histogram or click bars (Ctrl: more) to filter the map; the filter "
        "bar shows the expression. Blue: shown, yellow: selected.")
NOTHING = ("No column to chart: a table's numbers, dates, categories and true/false columns "
           "are charted here")


class QtColumnCharts(QWidget):
    """Charts of the columns chosen in :attr:`AnalysisState.chart_columns` (its picker sits
    on top), the whole's distribution with the shown and the selected rows' over it."""

    brushed = Signal(str, object)
    """(column, :class:`Brush` or ``None``) a chart was brushed or cleared. Emitted on the
    GUI thread."""
    clear_requested = Signal()
    """Clear every chart's brush. Emitted on the GUI thread."""

    def __init__(self, state: AnalysisState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.picker = QtFieldPicker(state, "chart_columns", "Columns",
                                    "Which columns are charted (kept in the session)")
        self.clear_button = QPushButton("Clear brushes")
        self.clear_button.setToolTip("Remove every chart's part of the filter")
        self.clear_button.setEnabled(False)
        self.hint = QLabel(HINT)
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #8a93a5;")
        top = QHBoxLayout()
        top.addWidget(self.picker)
        top.addStretch(1)
        top.addWidget(self.clear_button)
        self.inner = QWidget()
        self.stack = QVBoxLayout(self.inner)
        self.stack.setContentsMargins(4, 0, 4, 4)
        self.stack.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.inner)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(top)
        layout.addWidget(self.hint)
        layout.addWidget(scroll, 1)
        self.charts: dict[str, QtColumnChart] = {}
        self.clear_button.clicked.connect(self.clear_requested.emit)

    def set_charts(self, charts: dict[str, ColumnChart]) -> None:
        """Show a chart for each of ``charts`` (in order), replacing those shown."""
        for chart in self.charts.values():
            self.stack.removeWidget(chart)
            chart.deleteLater()
        self.charts = {}
        for name, data in charts.items():
            widget = QtColumnChart(data)
            widget.brushed.connect(self.brushed.emit)
            self.stack.insertWidget(self.stack.count() - 1, widget)
            self.charts[name] = widget
        self.hint.setText(HINT if charts else NOTHING)

    def show_counts(self, shown: np.ndarray | None, selected: np.ndarray | None) -> None:
        """Redraw each chart with the rows shown (a mask; ``None``: no filter) and the
        selected rows (indices; ``None``: none)."""
        for widget in self.charts.values():
            chart = widget.chart
            widget.show_counts(chart.counts(), None if shown is None else chart.counts(shown),
                               None if selected is None else chart.counts(selected))

    def show_brushes(self, brushes: dict[str, Brush]) -> None:
        """Draw each chart's part of the filter."""
        for name, widget in self.charts.items():
            widget.show_brush(brushes.get(name))
        self.clear_button.setEnabled(bool(brushes))
