"""The anomaly view: the samples with the highest reconstruction error or isolation."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.session.analysis_state import AnalysisState
from latent_explorer.qt.widgets.analysis.thumbnail_grid import QtThumbnailGrid


class QtOutliersView(QWidget):
    """Outlier thumbnails (original beside reconstruction), ranked by the chosen score."""

    sample_clicked = Signal(int)
    """An outlier's sample index was clicked. Emitted on the GUI thread."""
    compute_requested = Signal(str)
    """The score (``error`` / ``density``) is needed and the user asked for it. GUI thread."""
    select_requested = Signal()
    """Select the outliers shown on the map. Emitted on the GUI thread."""

    def __init__(self, state: AnalysisState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.score_combo = QComboBox()
        self.score_combo.addItem("Highest reconstruction error", "error")
        self.score_combo.addItem("Most isolated (lowest density)", "density")
        self.count_spin = QSpinBox()
        self.count_spin.setRange(1, 200)
        self.compute_button = QPushButton("Compute")
        self.select_button = QPushButton("Select them")
        self.count_spin.setPrefix("top ")
        row = QHBoxLayout()
        row.addWidget(self.count_spin)
        row.addWidget(self.compute_button)
        row.addWidget(self.select_button)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.grid = QtThumbnailGrid(side=40, placeholder="Compute a score to see the most "
                                    "unusual samples")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid)
        layout = QVBoxLayout(self)
        layout.addWidget(self.score_combo)
        layout.addLayout(row)
        layout.addWidget(self.status)
        layout.addWidget(scroll, 1)
        self.score_combo.currentIndexChanged.connect(
            lambda i: setattr(self.state, "outlier_score", str(self.score_combo.itemData(i))))
        self.count_spin.valueChanged.connect(
            lambda v: setattr(self.state, "outlier_count", int(v)))
        self.compute_button.clicked.connect(
            lambda: self.compute_requested.emit(self.state.outlier_score))
        self.select_button.clicked.connect(self.select_requested.emit)
        self.grid.item_clicked.connect(self.sample_clicked.emit)
        state.events.outlier_score.connect(self._sync)
        state.events.outlier_count.connect(self._sync)
        self._sync()

    def _sync(self, *_: object) -> None:
        self.score_combo.blockSignals(True)
        self.score_combo.setCurrentIndex(max(0, self.score_combo.findData(
            self.state.outlier_score)))
        self.score_combo.blockSignals(False)
        self.count_spin.blockSignals(True)
        self.count_spin.setValue(self.state.outlier_count)
        self.count_spin.blockSignals(False)

    def allow_error(self, allowed: bool) -> None:
        """Offer the reconstruction error (a model decodes) or only isolation (none does:
        the choice is not listed at all)."""
        from PySide6.QtGui import QStandardItemModel
        from PySide6.QtWidgets import QListView

        row = self.score_combo.findData("error")
        model = self.score_combo.model()
        if isinstance(model, QStandardItemModel):
            item = model.item(row)
            if item is not None:
                item.setEnabled(allowed)
        view = self.score_combo.view()
        if isinstance(view, QListView):
            view.setRowHidden(row, not allowed)
        if not allowed and self.state.outlier_score == "error":
            self.state.outlier_score = "density"

    def show_status(self, text: str, missing: bool) -> None:
        """A line above the thumbnails; ``missing``: the score is not computed yet."""
        self.status.setText(text)
        self.compute_button.setVisible(missing)
        self.select_button.setEnabled(not missing)
