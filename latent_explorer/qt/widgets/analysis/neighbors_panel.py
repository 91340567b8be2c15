"""The Neighbours panel: the nearest samples to the selected one, the current latent, or an
image placed on the map."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.session.analysis_state import AnalysisState
from latent_explorer.qt.widgets.analysis.thumbnail_grid import QtThumbnailGrid

SOURCES = (("sample", "Selected sample"), ("latent", "Current latent"),
           ("placed", "Placed image"))


class QtNeighborsPanel(QWidget):
    """Settings of the neighbour search (bound to :class:`AnalysisState`) and its results."""

    sample_clicked = Signal(int)
    """A neighbour's sample index was clicked. Emitted on the GUI thread."""

    def __init__(self, state: AnalysisState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.source_combo = QComboBox()
        for key, text in SOURCES:
            self.source_combo.addItem(text, key)
        self.metric_combo = QComboBox()
        self.metric_combo.addItem("Euclidean", "euclidean")
        self.metric_combo.addItem("Cosine", "cosine")
        self.k_spin = QSpinBox()
        self.k_spin.setRange(1, 200)
        self.k_spin.setPrefix("k = ")
        row = QHBoxLayout()
        row.addWidget(self.metric_combo, 1)
        row.addWidget(self.k_spin)
        self._row = row
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.grid = QtThumbnailGrid(side=48, placeholder="Click a sample on the map to see its "
                                    "nearest neighbours in latent space")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid)
        layout = QVBoxLayout(self)
        layout.addWidget(self.source_combo)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(scroll, 1)
        self.source_combo.currentIndexChanged.connect(
            lambda i: setattr(self.state, "neighbor_source", str(self.source_combo.itemData(i))))
        self.metric_combo.currentIndexChanged.connect(
            lambda i: setattr(self.state, "neighbor_metric", str(self.metric_combo.itemData(i))))
        self.k_spin.valueChanged.connect(lambda v: setattr(self.state, "neighbor_k", int(v)))
        self.grid.item_clicked.connect(self.sample_clicked.emit)
        for signal in (state.events.neighbor_source, state.events.neighbor_metric,
                       state.events.neighbor_k):
            signal.connect(self._sync)
        self._sync()

    def _sync(self, *_: object) -> None:
        s = self.state
        for widget, value in ((self.source_combo, s.neighbor_source),
                              (self.metric_combo, s.neighbor_metric)):
            widget.blockSignals(True)
            widget.setCurrentIndex(max(0, widget.findData(value)))
            widget.blockSignals(False)
        self.k_spin.blockSignals(True)
        self.k_spin.setValue(s.neighbor_k)
        self.k_spin.blockSignals(False)

    def add_header_widget(self, widget: QWidget) -> None:
        """Put ``widget`` (e.g. the card fields' picker) beside the metric and k."""
        self._row.addWidget(widget)

    def show_status(self, text: str) -> None:
        """A line above the thumbnails (what the neighbours are of, or why there are none)."""
        self.status.setText(text)
