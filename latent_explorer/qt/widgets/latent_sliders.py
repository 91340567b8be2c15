"""One slider per latent dimension, each over a histogram of where the data lies.

Latents of more than :data:`AUTO_DIRECTIONS_ABOVE` values (spatial latents of image
autoencoders hold thousands) start on the principal directions of the data, the first
:data:`MAX_DIRECTION_SLIDERS` of them; the raw dimensions remain a choice.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.analysis.latent_stats import LatentStats
from latent_explorer.core.session.state import ExplorerState

STEPS = 1000
AUTO_DIRECTIONS_ABOVE = 64
"""Latents with more values than this start on principal directions instead of raw values."""
MAX_DIRECTION_SLIDERS = 64
"""At most this many principal directions get a slider (they carry most of the variance)."""


class HistogramSlider(QSlider):
    """A horizontal slider drawn over a histogram of the data along its direction."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Orientation.Horizontal, parent)
        self.setRange(0, STEPS)
        self.setMinimumHeight(26)
        self.histogram: np.ndarray | None = None

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.histogram is not None and len(self.histogram):
            painter = QPainter(self)
            rect = QRectF(self.rect()).adjusted(6, 2, -6, -2)
            bar_w = rect.width() / len(self.histogram)
            color = QColor(self.palette().highlight().color())
            color.setAlpha(70)
            for i, value in enumerate(self.histogram):
                h = float(value) * rect.height()
                painter.fillRect(QRectF(rect.left() + i * bar_w, rect.bottom() - h,
                                        bar_w + 0.5, h), color)
            painter.end()
        super().paintEvent(event)


class QtLatentSliders(QWidget):
    """Sliders over the current latent, bound to :class:`ExplorerState`.

    Moving a slider writes a new ``current_latent`` into the state; any change of the current
    latent (probe, click, another slider) moves the sliders without feeding back.
    """

    reset_requested = Signal()
    """The user asked to reset to the selected sample. Emitted on the GUI thread."""
    edited = Signal()
    """A slider moved: the latent written next is an edit of the one before. GUI thread."""

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.stats: LatentStats | None = None
        self.sliders: list[HistogramSlider] = []
        self._value_labels: list[QLabel] = []
        self._values = np.zeros(0, dtype=np.float32)
        self._syncing = False
        self.rng = np.random.default_rng()
        self.random_latent: Callable[[], np.ndarray] | None = None
        """Draws a latent from the model's own prior (``None``: the standard normal)."""

        self.basis_combo = QComboBox()
        self.basis_combo.addItem("Raw dimensions", "raw")
        self.basis_combo.addItem("Principal directions", "pca")
        self.basis_combo.setToolTip(
            "Raw: one slider per latent value. Principal directions: the directions along "
            "which the encoded data varies most (often less entangled than raw dimensions).")
        self.reset_button = QPushButton("Reset to sample")
        self.reset_button.setToolTip("Set the sliders to the selected sample's latent")
        self.random_button = QPushButton("Random")
        self.random_button.setToolTip("Draw a latent from the prior, a standard normal")
        top = QHBoxLayout()
        top.addWidget(self.basis_combo, 1)
        top.addWidget(self.reset_button)
        top.addWidget(self.random_button)

        self._rows = QWidget()
        self._grid = QGridLayout(self._rows)
        self._grid.setContentsMargins(2, 2, 2, 2)
        self._grid.setVerticalSpacing(1)
        self._grid.setColumnStretch(1, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._rows)
        self.empty_label = QLabel("Load a model to get one slider per latent dimension.")
        self.empty_label.setWordWrap(True)
        self.note_label = QLabel("")
        self.note_label.setWordWrap(True)
        self.note_label.setVisible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.note_label)
        layout.addWidget(scroll, 1)

        self.basis_combo.currentIndexChanged.connect(self._on_basis_combo_changed)
        self.reset_button.clicked.connect(self.reset_requested)
        self.random_button.clicked.connect(self._on_random_clicked)
        state.events.current_latent.connect(self._on_current_latent_changed)
        state.events.slider_basis.connect(self._on_slider_basis_changed)

    # --- setup ----------------------------------------------------------------------------
    def set_stats(self, stats: LatentStats | None) -> None:
        """Build the sliders for latents summarised by ``stats``.

        Latents of more than :data:`AUTO_DIRECTIONS_ABOVE` values switch the state to
        principal directions (a slider per raw value of a 4x32x32 latent says little).
        """
        self.stats = stats
        dim = 0 if stats is None else stats.dim
        self.empty_label.setVisible(dim == 0)
        if dim > AUTO_DIRECTIONS_ABOVE and self.state.slider_basis == "raw":
            self.state.slider_basis = "pca"  # its event rebuilds the rows
        else:
            self._apply_basis()

    def slider_count(self) -> int:
        """How many sliders the current basis shows."""
        if self.stats is None:
            return 0
        if self.state.slider_basis == "pca":
            return min(len(self.stats.components), MAX_DIRECTION_SLIDERS)
        return self.stats.dim

    def _build_rows(self, dim: int) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.sliders, self._value_labels = [], []
        for row in range(self._grid.rowCount()):
            self._grid.setRowStretch(row, 0)
        for i in range(dim):
            name = QLabel()
            slider = HistogramSlider()
            value = QLabel("0")
            value.setMinimumWidth(52)
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            slider.valueChanged.connect(lambda v, i=i: self._on_slider_moved(i, v))
            self._grid.addWidget(name, i, 0)
            self._grid.addWidget(slider, i, 1)
            self._grid.addWidget(value, i, 2)
            self.sliders.append(slider)
            self._value_labels.append(value)
        self._grid.setRowStretch(dim, 1)

    def _apply_basis(self) -> None:
        if self.stats is None:
            if self.sliders:
                self._build_rows(0)
            self.note_label.setVisible(False)
            return
        basis = self.state.slider_basis
        if self.slider_count() != len(self.sliders):
            self._build_rows(self.slider_count())
        shown = len(self.sliders)
        if basis == "pca" and shown < self.stats.dim:
            share = float(self.stats.explained[:shown].sum()) * 100
            self.note_label.setText(
                f"The first {shown} of {self.stats.dim:,} principal directions "
                f"({share:.0f}% of the data's variance); the others keep their values.")
        elif basis == "pca" and self.stats.dim > AUTO_DIRECTIONS_ABOVE:
            self.note_label.setText(f"{self.stats.dim:,} principal directions of the data.")
        else:
            self.note_label.setText("")
        self.note_label.setVisible(bool(self.note_label.text()))
        ranges = self.stats.ranges[basis]
        for i, slider in enumerate(self.sliders):
            slider.histogram = self.stats.histograms[basis][i]
            item = self._grid.itemAtPosition(i, 0)
            name = item.widget() if item is not None else None
            assert isinstance(name, QLabel)
            if basis == "raw":
                name.setText(f"z{i}")
                tip = f"Latent dimension {i}; the band shows where the data lies"
            else:
                share = float(self.stats.explained[i]) * 100
                name.setText(f"PC{i + 1}")
                tip = f"Principal direction {i + 1} ({share:.1f}% of the data's variance)"
            name.setToolTip(tip)
            slider.setToolTip(f"{tip}. Range {ranges[i, 0]:.2f} to {ranges[i, 1]:.2f}.")
            slider.update()
        self._on_current_latent_changed(self.state.current_latent)

    # --- value mapping --------------------------------------------------------------------
    def value_to_step(self, dim: int, value: float) -> int:
        """The slider step of ``value`` along dimension ``dim`` in the current basis."""
        assert self.stats is not None
        lo, hi = self.stats.ranges[self.state.slider_basis][dim]
        step: int = round((float(value) - lo) / (hi - lo) * STEPS)
        return step

    def step_to_value(self, dim: int, step: int) -> float:
        """The value at slider step ``step`` along dimension ``dim`` in the current basis."""
        assert self.stats is not None
        lo, hi = self.stats.ranges[self.state.slider_basis][dim]
        return float(lo + (hi - lo) * step / STEPS)

    # --- user input -> state --------------------------------------------------------------
    def _on_slider_moved(self, dim: int, step: int) -> None:
        if self._syncing or self.stats is None:
            return
        if len(self._values) < len(self.sliders):
            self._values = np.zeros(len(self.sliders), dtype=np.float32)
        self._values[dim] = self.step_to_value(dim, step)
        self._value_labels[dim].setText(format_value(self._values[dim]))
        self.edited.emit()
        self.state.current_latent = self.stats.from_basis(self._values, self.state.slider_basis,
                                                          like=self.state.current_latent)

    def _on_random_clicked(self) -> None:
        if self.stats is None:
            return
        if self.random_latent is not None:
            self.state.current_latent = np.asarray(self.random_latent(), dtype=np.float32)
            return
        self.state.current_latent = self.rng.standard_normal(self.stats.dim).astype(np.float32)

    def _on_basis_combo_changed(self, index: int) -> None:
        self.state.slider_basis = str(self.basis_combo.itemData(index))

    # --- state -> view --------------------------------------------------------------------
    def _on_slider_basis_changed(self, basis: str) -> None:
        index = self.basis_combo.findData(basis)
        if index != self.basis_combo.currentIndex():
            self.basis_combo.blockSignals(True)
            self.basis_combo.setCurrentIndex(index)
            self.basis_combo.blockSignals(False)
        self._apply_basis()

    def _on_current_latent_changed(self, latent: np.ndarray | None) -> None:
        if latent is None or self.stats is None or len(latent) != self.stats.dim:
            return
        self._values = self.stats.to_basis(latent, self.state.slider_basis)
        self._syncing = True
        try:
            for i, slider in enumerate(self.sliders[:len(self._values)]):
                slider.setValue(max(0, min(STEPS, self.value_to_step(i, self._values[i]))))
                self._value_labels[i].setText(format_value(self._values[i]))
        finally:
            self._syncing = False


def format_value(value: float) -> str:
    """A slider's value in three significant digits (tiny values do not all read 0.00)."""
    return f"{float(value):.3g}"
