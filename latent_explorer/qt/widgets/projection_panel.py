"""The side panel that chooses the map's projection and shows its progress."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.session.state import ProjectionState

METHOD_NAMES = {"pca": "PCA (instant)", "umap": "UMAP", "tsne": "t-SNE"}
TABLE_NAME = "Table columns"
"""The method item of a map read from two of the table's number columns (offered when the
data has at least two)."""


def map_name(method: str) -> str:
    """A map method as the window names it (``PCA``, ``UMAP``, ``t-SNE``, ``Table columns``)."""
    return {"tsne": "t-SNE", "table": TABLE_NAME}.get(method, method.upper())


class QtProjectionPanel(QWidget):
    """Method and parameters bound to a :class:`ProjectionState`, plus progress and Cancel."""

    apply_requested = Signal()
    """The user asked to compute the map with the current settings. Emitted on the GUI thread."""
    cancel_requested = Signal()
    """The user pressed Cancel. Emitted on the GUI thread."""
    prior_samples_requested = Signal(int)
    """The user asked for a map of N latents drawn from the prior. Emitted on the GUI thread."""

    def __init__(self, state: ProjectionState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.method_combo = QComboBox()
        for key, name in METHOD_NAMES.items():
            self.method_combo.addItem(name, key)
        self.method_combo.setToolTip("How latents are laid out on the map. PCA is linear and "
                                     "instant; UMAP and t-SNE show clusters and run in the "
                                     "background.")
        self.neighbors_spin = QSpinBox()
        self.neighbors_spin.setRange(2, 200)
        self.neighbors_spin.setToolTip("UMAP n_neighbors: larger values keep more global structure")
        self.min_dist_spin = QDoubleSpinBox()
        self.min_dist_spin.setRange(0.0, 1.0)
        self.min_dist_spin.setSingleStep(0.05)
        self.min_dist_spin.setToolTip("UMAP min_dist: smaller values pack clusters more tightly")
        self.perplexity_spin = QDoubleSpinBox()
        self.perplexity_spin.setRange(2.0, 200.0)
        self.perplexity_spin.setToolTip("t-SNE perplexity: roughly, how many neighbours count")
        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setToolTip("Random seed: the same seed gives the same layout")
        self.x_combo = QComboBox()
        self.x_combo.setToolTip("The table's column that is the map's x, taken as it is")
        self.y_combo = QComboBox()
        self.y_combo.setToolTip("The table's column that is the map's y, taken as it is")
        self.table_columns: list[str] = []
        form = QFormLayout()
        form.addRow("Method", self.method_combo)
        form.addRow("x", self.x_combo)
        form.addRow("y", self.y_combo)
        form.addRow("Neighbours", self.neighbors_spin)
        form.addRow("Min. distance", self.min_dist_spin)
        form.addRow("Perplexity", self.perplexity_spin)
        form.addRow("Seed", self.seed_spin)
        self._form = form
        self.apply_button = QPushButton("Compute map")
        self.apply_button.setToolTip("Compute the map with these settings (cached results "
                                     "appear at once)")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop the computation; the current map stays")
        self.cancel_button.setEnabled(False)
        buttons = QHBoxLayout()
        buttons.addWidget(self.apply_button)
        buttons.addWidget(self.cancel_button)
        self.prior_spin = QSpinBox()
        self.prior_spin.setRange(10, 1_000_000)
        self.prior_spin.setSingleStep(500)
        self.prior_spin.setValue(2000)
        self.prior_spin.setToolTip("A model without an encoder is mapped by decoding latents "
                                   "drawn from the prior: how many")
        self.prior_button = QPushButton("Draw")
        self.prior_button.setToolTip("Draw this many latents from the prior and map them")
        self.prior_row = QWidget()
        prior_layout = QHBoxLayout(self.prior_row)
        prior_layout.setContentsMargins(0, 0, 0, 0)
        prior_layout.addWidget(QLabel("Prior samples"))
        prior_layout.addWidget(self.prior_spin, 1)
        prior_layout.addWidget(self.prior_button)
        self.prior_row.setVisible(False)
        self.prior_button.clicked.connect(
            lambda: self.prior_samples_requested.emit(int(self.prior_spin.value())))
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.setVisible(False)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.prior_row)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addStretch(1)

        self._sync_from_state()
        self.method_combo.currentIndexChanged.connect(self._on_method_combo_changed)
        self.neighbors_spin.valueChanged.connect(lambda v: setattr(state, "n_neighbors", int(v)))
        self.min_dist_spin.valueChanged.connect(lambda v: setattr(state, "min_dist", float(v)))
        self.perplexity_spin.valueChanged.connect(lambda v: setattr(state, "perplexity", float(v)))
        self.seed_spin.valueChanged.connect(lambda v: setattr(state, "seed", int(v)))
        self.x_combo.activated.connect(lambda _: self._on_axis_chosen("x_column", self.x_combo))
        self.y_combo.activated.connect(lambda _: self._on_axis_chosen("y_column", self.y_combo))
        self.apply_button.clicked.connect(self.apply_requested)
        self.cancel_button.clicked.connect(self.cancel_requested)
        state.events.connect(self._sync_from_state)

    def _on_method_combo_changed(self, index: int) -> None:
        method = str(self.method_combo.itemData(index))
        if method == "table" and not (self.state.x_column in self.table_columns
                                      and self.state.y_column in self.table_columns):
            self.state.x_column, self.state.y_column = guess_axes(self.table_columns)
        self.state.method = method
        self.apply_requested.emit()

    def _on_axis_chosen(self, field: str, combo: QComboBox) -> None:
        setattr(self.state, field, str(combo.currentText()))
        if self.state.method == "table":
            self.apply_requested.emit()

    def set_table_columns(self, names: list[str]) -> None:
        """The table's number columns that can be the map's x and y: with two or more,
        "Table columns" is offered as a method. A table map whose columns are gone falls
        back to PCA."""
        self.table_columns = list(names)
        at = self.method_combo.findData("table")
        offered = len(names) >= 2
        self.method_combo.blockSignals(True)
        if offered and at < 0:
            self.method_combo.addItem(TABLE_NAME, "table")
            self.method_combo.setItemData(
                self.method_combo.count() - 1,
                "The map's x and y are two of the table's number columns (a layout made "
                "elsewhere, e.g. umap_x and umap_y), as they come; neighbours and clusters "
                "still use the vectors", Qt.ItemDataRole.ToolTipRole)
        elif not offered and at >= 0:
            self.method_combo.removeItem(at)
        self.method_combo.blockSignals(False)
        for combo in (self.x_combo, self.y_combo):
            combo.blockSignals(True)
            combo.clear()
            combo.addItems(self.table_columns)
            combo.blockSignals(False)
        if self.state.method == "table" and not (
                self.state.x_column in names and self.state.y_column in names):
            self.state.method = "pca"
        self._sync_from_state()

    def _sync_from_state(self, *_: object) -> None:
        widgets = (self.method_combo, self.neighbors_spin, self.min_dist_spin,
                   self.perplexity_spin, self.seed_spin, self.x_combo, self.y_combo)
        for w in widgets:
            w.blockSignals(True)
        try:
            self.method_combo.setCurrentIndex(self.method_combo.findData(self.state.method))
            self.neighbors_spin.setValue(self.state.n_neighbors)
            self.min_dist_spin.setValue(self.state.min_dist)
            self.perplexity_spin.setValue(self.state.perplexity)
            self.seed_spin.setValue(self.state.seed)
            self.x_combo.setCurrentIndex(self.x_combo.findText(self.state.x_column))
            self.y_combo.setCurrentIndex(self.y_combo.findText(self.state.y_column))
        finally:
            for w in widgets:
                w.blockSignals(False)
        method = self.state.method
        self._form.setRowVisible(self.neighbors_spin, method == "umap")
        self._form.setRowVisible(self.min_dist_spin, method == "umap")
        self._form.setRowVisible(self.perplexity_spin, method == "tsne")
        self._form.setRowVisible(self.seed_spin, method not in ("pca", "table"))
        self._form.setRowVisible(self.x_combo, method == "table")
        self._form.setRowVisible(self.y_combo, method == "table")

    # --- job display (driven by the window's job runner) ----------------------------------
    def show_running(self, title: str) -> None:
        """Show that ``title`` is running."""
        self.progress_bar.setVisible(True)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.status_label.setText(title)

    def show_progress(self, fraction: float | None, message: str) -> None:
        """Update the bar; ``None`` shows a busy indicator."""
        if fraction is None:
            self.progress_bar.setRange(0, 0)
        else:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(int(fraction * 1000))
        if message:
            self.status_label.setText(message)

    def show_idle(self, message: str) -> None:
        """Hide the bar and show ``message``."""
        self.progress_bar.setVisible(False)
        self.cancel_button.setEnabled(False)
        self.status_label.setText(message)


def guess_axes(names: list[str]) -> tuple[str, str]:
    """The pair of columns most likely meant as x and y: ``umap_x``/``umap_y``,
    ``x``/``y``, ``tsne1``/``tsne2``..., else the first two."""
    for name in names:
        for x_end, y_end in (("x", "y"), ("X", "Y"), ("1", "2"), ("0", "1")):
            if name.endswith(x_end):
                partner = name[: len(name) - len(x_end)] + y_end
                if partner in names and partner != name:
                    return name, partner
    return (names[0], names[1]) if len(names) >= 2 else ("", "")
