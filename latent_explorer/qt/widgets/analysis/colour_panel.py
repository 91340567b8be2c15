"""The Colour panel: colour the map by any column, opacity by a numeric one, compute scores."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.analysis.axis_ticks import Tick
from latent_explorer.core.session.analysis_state import AnalysisState
from latent_explorer.qt.widgets.analysis.colour_bar import QtColourBar

NO_OPACITY = "(opaque)"


def _swatch(colour: QColor) -> QIcon:
    pixmap = QPixmap(12, 12)
    pixmap.fill(colour)
    return QIcon(pixmap)


class QtColourPanel(QWidget):
    """Colour-by and opacity-by choices, the legend or colour bar, and the score jobs."""

    compute_requested = Signal(str)
    """``cluster``, ``error`` or ``density``: the user asked for that column. GUI thread."""
    cancel_requested = Signal()
    """The user pressed Cancel on the running computation. GUI thread."""
    load_metadata_requested = Signal()
    """The user asked to join a metadata CSV. GUI thread."""

    def __init__(self, state: AnalysisState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.colour_combo = QComboBox()
        self.colour_combo.setToolTip("Colour the map by a label, metadata column or score")
        self.opacity_combo = QComboBox()
        self.opacity_combo.setToolTip("Make points fainter where a numeric column is low")
        form = QFormLayout()
        form.addRow("Colour by", self.colour_combo)
        form.addRow("Opacity by", self.opacity_combo)
        self.colour_bar = QtColourBar()
        self.colour_bar.setVisible(False)
        self.legend = QListWidget()
        self.legend.setMaximumHeight(150)
        self.legend.setToolTip("The colours of the categories on the map")

        clusters = QGroupBox("Clusters")
        self.method_combo = QComboBox()
        self.method_combo.addItem("k-means", "kmeans")
        self.method_combo.addItem("HDBSCAN", "hdbscan")
        self.param_label = QLabel("k")
        self.param_spin = QSpinBox()
        self.param_spin.setRange(2, 500)
        self.cluster_button = QPushButton("Compute clusters")
        row = QHBoxLayout()
        row.addWidget(self.method_combo)
        row.addWidget(self.param_label)
        row.addWidget(self.param_spin)
        box = QVBoxLayout(clusters)
        box.addLayout(row)
        box.addWidget(self.cluster_button)

        scores = QGroupBox("Scores")
        self.error_button = QPushButton("Reconstruction error")
        self.error_button.setToolTip("Decode every sample and compare with its original")
        self.density_button = QPushButton("Isolation")
        self.density_button.setToolTip("Mean distance to the nearest latents (outlier score)")
        self.metadata_button = QPushButton("Join metadata CSV...")
        grid = QHBoxLayout(scores)
        grid.addWidget(self.error_button)
        grid.addWidget(self.density_button)

        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setVisible(False)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        running = QHBoxLayout()
        running.addWidget(self.progress, 1)
        running.addWidget(self.cancel_button)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.colour_bar)
        layout.addWidget(self.legend)
        layout.addWidget(clusters)
        layout.addWidget(scores)
        layout.addWidget(self.metadata_button)
        layout.addLayout(running)
        layout.addWidget(self.status)
        layout.addStretch(1)

        self.colour_combo.currentIndexChanged.connect(self._on_colour_combo)
        self.opacity_combo.currentIndexChanged.connect(self._on_opacity_combo)
        self.method_combo.currentIndexChanged.connect(self._on_method_combo)
        self.param_spin.valueChanged.connect(self._on_param_spin)
        self.cluster_button.clicked.connect(lambda: self.compute_requested.emit("cluster"))
        self.error_button.clicked.connect(lambda: self.compute_requested.emit("error"))
        self.density_button.clicked.connect(lambda: self.compute_requested.emit("density"))
        self.cancel_button.clicked.connect(self.cancel_requested.emit)
        self.metadata_button.clicked.connect(self.load_metadata_requested.emit)
        ev = state.events
        ev.colour_by.connect(self._sync)
        ev.opacity_by.connect(self._sync)
        ev.cluster_method.connect(self._sync)
        ev.cluster_param.connect(self._sync)
        self._sync()

    # --- state -> widgets -----------------------------------------------------------------
    def set_columns(self, colour: list[str], numeric: list[str]) -> None:
        """The columns offered: any for colour, numeric ones for opacity."""
        for combo, names in ((self.colour_combo, colour),
                             (self.opacity_combo, [NO_OPACITY, *numeric])):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(names)
            combo.blockSignals(False)
        self._sync()

    def _sync(self, *_: object) -> None:
        s = self.state
        for combo, value in ((self.colour_combo, s.colour_by),
                             (self.opacity_combo, s.opacity_by or NO_OPACITY)):
            combo.blockSignals(True)
            index = combo.findText(value)
            if index < 0 and value:
                combo.addItem(value)  # computed on demand (e.g. clusters after a restore)
                index = combo.count() - 1
            combo.setCurrentIndex(index)
            combo.blockSignals(False)
        self.method_combo.blockSignals(True)
        self.method_combo.setCurrentIndex(max(0, self.method_combo.findData(s.cluster_method)))
        self.method_combo.blockSignals(False)
        self.param_label.setText("k" if s.cluster_method == "kmeans" else "min size")
        self.param_spin.blockSignals(True)
        self.param_spin.setValue(s.cluster_param)
        self.param_spin.blockSignals(False)

    def show_legend(self, entries: list[tuple[str, QColor]]) -> None:
        """List categories with their colours (empty hides the list)."""
        self.legend.clear()
        for text, colour in entries[:60]:
            self.legend.addItem(QListWidgetItem(_swatch(colour), text))
        if len(entries) > 60:
            self.legend.addItem(f"... and {len(entries) - 60} more")
        self.legend.setVisible(bool(entries))

    def show_colour_bar(self, title: str, colours: list[QColor],
                        bounds: tuple[float, float] | None, ticks: list[Tick] | None = None,
                        time_axis: bool = False, ends: tuple[str, str] | None = None) -> None:
        """Show the colour bar for a numeric or date column (``bounds`` ``None`` hides it),
        with its axis ``ticks`` and what its ends mean."""
        self.colour_bar.setVisible(bounds is not None)
        if bounds is not None:
            self.colour_bar.set_range(title, colours, *bounds, ticks=ticks,
                                      time_axis=time_axis, ends=ends)

    def show_running(self, title: str) -> None:
        """A computation started."""
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)
        self.cancel_button.setVisible(True)
        self.status.setText(title)

    def show_progress(self, fraction: float | None, message: str) -> None:
        """Progress of the running computation (``None``: indeterminate)."""
        if fraction is None:
            self.progress.setRange(0, 0)
        else:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(fraction * 1000))
        if message:
            self.status.setText(message)

    def show_idle(self, message: str) -> None:
        """No computation runs; ``message`` says how the last one ended."""
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.status.setText(message)

    # --- widgets -> state -----------------------------------------------------------------
    def _on_colour_combo(self, index: int) -> None:
        if index >= 0:
            self.state.colour_by = self.colour_combo.itemText(index)

    def _on_opacity_combo(self, index: int) -> None:
        text = self.opacity_combo.itemText(index) if index >= 0 else NO_OPACITY
        self.state.opacity_by = "" if text == NO_OPACITY else text

    def _on_method_combo(self, index: int) -> None:
        method = str(self.method_combo.itemData(index))
        self.state.cluster_method = method
        self.state.cluster_param = 10 if method == "kmeans" else 15

    def _on_param_spin(self, value: int) -> None:
        self.state.cluster_param = int(value)

