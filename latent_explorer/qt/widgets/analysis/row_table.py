"""The Table panel: the rows of the selection (or of the filter, the neighbours, every row),
with sortable typed columns, linked both ways with the map."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.datasets.columns import Column
from latent_explorer.core.session.analysis_state import AnalysisState
from latent_explorer.qt.widgets.analysis.field_picker import QtFieldPicker
from latent_explorer.qt.widgets.analysis.row_table_model import RowTableModel

SOURCES = (("auto", "Selection, else filter"), ("selection", "Selection"),
           ("filter", "Shown by the filter"), ("neighbors", "Neighbours"), ("all", "All rows"))


class QtRowTable(QWidget):
    """A sortable table of rows bound to :class:`AnalysisState` (which rows it lists, which
    fields cards show).

    Clicking a row makes its sample the current one (:attr:`sample_activated`); selecting
    two or more rows (Ctrl/Shift+click, Ctrl+A) selects their points
    (:attr:`samples_selected`). :meth:`show_current` follows the map's clicked sample.
    """

    sample_activated = Signal(int)
    """The user made a row current (click, arrow keys): its sample index. Emitted on the GUI
    thread."""
    samples_selected = Signal(object)
    """The user selected two or more rows: their sample indices (int64, in table order).
    Emitted on the GUI thread."""

    def __init__(self, state: AnalysisState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.source_combo = QComboBox()
        for key, text in SOURCES:
            self.source_combo.addItem(text, key)
        self.source_combo.setToolTip("Which rows the table lists: the selection (lasso, "
                                     "rectangle, a cluster or rows picked here), the rows "
                                     "the filter or the charts show, the neighbours, or all")
        self.count_label = QLabel("")
        self.card_picker = QtFieldPicker(
            state, "card_columns", "Card fields",
            "The fields a row's card shows (neighbours, the selection, the clicked sample "
            "without a picture); kept in the session")
        top = QHBoxLayout()
        top.addWidget(QLabel("Rows"))
        top.addWidget(self.source_combo)
        top.addWidget(self.count_label, 1)
        top.addWidget(self.card_picker)
        self.model = RowTableModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSortingEnabled(True)
        self.view.horizontalHeader().setSortIndicatorShown(True)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(True)
        self.view.setWordWrap(False)
        vertical = self.view.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)  # no per-row measuring
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 6)
        horizontal = self.view.horizontalHeader()
        horizontal.setDefaultSectionSize(110)
        horizontal.setStretchLastSection(False)  # a wide last column pushes its numbers away
        self.view.setToolTip("Click a row to go to its point; Ctrl/Shift+click rows to select "
                             "their points; click a column's title to sort by it")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        self._syncing = False
        self.source_combo.currentIndexChanged.connect(
            lambda i: setattr(state, "table_rows", str(self.source_combo.itemData(i))))
        state.events.table_rows.connect(self._on_source_changed)
        selection = self.view.selectionModel()
        selection.currentRowChanged.connect(self._on_current_row_changed)
        selection.selectionChanged.connect(self._on_selection_changed)
        self._on_source_changed(state.table_rows)

    # --- data in --------------------------------------------------------------------------
    def set_columns(self, columns: Mapping[str, Column],
                    namers: Mapping[str, Any] | None = None) -> None:
        """The columns to show (typed; the rows' order and sort are kept)."""
        self._syncing = True
        try:
            self.model.set_columns(columns, namers)
            self._size_columns()
        finally:
            self._syncing = False

    def show_rows(self, rows: np.ndarray, what: str) -> None:
        """List the samples ``rows``; ``what`` says which they are (``312 selected``)."""
        self._syncing = True
        try:
            self.view.clearSelection()
            self.model.set_rows(rows)
        finally:
            self._syncing = False
        self.count_label.setText(what)

    def show_current(self, sample: int | None) -> None:
        """Make ``sample``'s row current and scroll to it (when it is listed)."""
        at = None if sample is None else self.model.position_of(sample)
        selection = self.view.selectionModel()
        self._syncing = True
        try:
            if at is None:
                selection.setCurrentIndex(QModelIndex(),
                                          QItemSelectionModel.SelectionFlag.NoUpdate)
                return
            index = self.model.index(at, 0)
            if selection.currentIndex().row() == at:
                # The user's own click made it current (Qt moves the current row before it
                # updates the selection): leave the selection to that click (Ctrl adds).
                self.view.scrollTo(index)
                return
            if len(self.selected_samples()) < 2:
                flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                         | QItemSelectionModel.SelectionFlag.Rows)
            else:  # keep the rows the user picked; only the current row moves
                flags = QItemSelectionModel.SelectionFlag.NoUpdate
            selection.setCurrentIndex(index, flags)
            self.view.scrollTo(index)
        finally:
            self._syncing = False

    def selected_samples(self) -> np.ndarray:
        """The samples of the selected rows (int64, in table order), read from the
        selection's ranges (no object per row)."""
        ranges = self.view.selectionModel().selection()
        parts = [np.arange(ranges.at(i).top(), ranges.at(i).bottom() + 1)
                 for i in range(ranges.count())]
        if not parts:
            return np.zeros(0, dtype=np.int64)
        positions = np.unique(np.concatenate(parts))
        return np.asarray(self.model.rows[positions], dtype=np.int64)

    def _size_columns(self) -> None:
        header = self.view.horizontalHeader()
        for i, name in enumerate(self.model.names):
            column = self.model.columns[name]
            width = 64 if name == "index" or column.kind == "boolean" else (
                220 if column.kind == "text" else 110)
            header.resizeSection(i, width)

    # --- user -> signals ------------------------------------------------------------------
    def _on_source_changed(self, source: str) -> None:
        at = self.source_combo.findData(source)
        if at >= 0 and at != self.source_combo.currentIndex():
            self.source_combo.blockSignals(True)
            self.source_combo.setCurrentIndex(at)
            self.source_combo.blockSignals(False)

    def _on_current_row_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        if self._syncing or not current.isValid() or current.row() >= len(self.model.rows):
            return
        self.sample_activated.emit(int(self.model.rows[current.row()]))

    def _on_selection_changed(self, selected: QItemSelection,
                              deselected: QItemSelection) -> None:
        if self._syncing:
            return
        samples = self.selected_samples()
        if len(samples) >= 2:
            self.samples_selected.emit(samples)
