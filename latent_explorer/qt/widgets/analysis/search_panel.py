"""The Search panel: words to look for in the text columns, and the rows that hold them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.analysis.text_search import SearchHits, snippet
from latent_explorer.core.datasets.columns import Column
from latent_explorer.core.session.analysis_state import AnalysisState

ALL_TEXT = "All text columns"


class _HitsModel(QAbstractListModel):
    """The hits, one line each (``#17  caption: …cat number 17 by the…``), made only as they
    are shown."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.hits: SearchHits | None = None
        self.columns: dict[str, Column] = {}

    def set_hits(self, hits: SearchHits | None, columns: dict[str, Column]) -> None:
        self.beginResetModel()
        self.hits, self.columns = hits, columns
        self.endResetModel()

    def sample(self, row: int) -> int:
        assert self.hits is not None
        return int(self.hits.rows[row])

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()  # noqa: B008
                 ) -> int:
        return 0 if parent.isValid() or self.hits is None else len(self.hits.rows)

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self.hits is None:
            return None
        sample = self.sample(index.row())
        name = self.hits.first_column(sample)
        if role == Qt.ItemDataRole.DisplayRole:
            if name is None:  # the words are in different columns: show each
                texts = [f"{n}: {self.columns[n].text(sample)}" for n in self.hits.columns]
                return f"#{sample}  " + "  ·  ".join(texts)
            return f"#{sample}  {name}: " + snippet(self.columns[name].text(sample),
                                                    self.hits.query)
        if role == Qt.ItemDataRole.ToolTipRole and name is not None:
            return self.columns[name].text(sample)
        return None


class QtSearchPanel(QWidget):
    """A search box bound to :attr:`AnalysisState.search_text`, a choice of columns, and the
    list of hits (click one to go to its point; "Select" selects them all)."""

    sample_clicked = Signal(int)
    """A hit was clicked: its sample index. Emitted on the GUI thread."""
    select_requested = Signal()
    """Select every hit on the map. Emitted on the GUI thread."""
    columns_changed = Signal()
    """The columns to search in changed. Emitted on the GUI thread."""

    def __init__(self, state: AnalysisState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.edit = QLineEdit()
        self.edit.setPlaceholderText('Search the text, e.g. river dog  or  "number 17"')
        self.edit.setClearButtonEnabled(True)
        self.edit.setToolTip("Rows whose text holds every word (any case), in one column or "
                             "another; a phrase in quotes is looked for whole. Hits are "
                             "ringed on the map.")
        self.column_combo = QComboBox()
        self.column_combo.setToolTip("Which text columns to search")
        self.count_label = QLabel("")
        self.select_button = QPushButton("Select")
        self.select_button.setToolTip("Select every hit on the map (and list them in the "
                                      "Table)")
        self.select_button.setEnabled(False)
        row = QHBoxLayout()
        row.addWidget(self.edit, 3)
        row.addWidget(self.column_combo, 1)
        row.addWidget(self.count_label)
        row.addWidget(self.select_button)
        self.model = _HitsModel(self)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setUniformItemSizes(True)  # no per-row measuring for thousands of hits
        self.list.setToolTip("Click a hit to go to its point")
        self.list.setMinimumHeight(3 * self.fontMetrics().lineSpacing())
        self.placeholder = QLabel("")
        self.placeholder.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addLayout(row)
        layout.addWidget(self.placeholder)
        layout.addWidget(self.list, 1)
        self.edit.textChanged.connect(lambda text: setattr(state, "search_text", text))
        self.column_combo.currentIndexChanged.connect(lambda _: self.columns_changed.emit())
        self.select_button.clicked.connect(self.select_requested.emit)
        self.list.clicked.connect(lambda index: self.sample_clicked.emit(
            self.model.sample(index.row())))
        state.events.search_text.connect(self._sync)

    def set_columns(self, names: list[str]) -> None:
        """The text columns that can be searched (none: the panel says so)."""
        current = self.column_combo.currentText()
        self.column_combo.blockSignals(True)
        self.column_combo.clear()
        if names:
            self.column_combo.addItem(ALL_TEXT)
            self.column_combo.addItems(names)
            at = self.column_combo.findText(current)
            self.column_combo.setCurrentIndex(max(0, at))
        self.column_combo.blockSignals(False)
        for widget in (self.edit, self.column_combo):
            widget.setEnabled(bool(names))
        self.placeholder.setText("" if names else "No text columns to search: a table's "
                                 "captions, file names or categories are searched here")
        self.placeholder.setVisible(not names)

    def chosen_columns(self) -> list[str] | None:
        """The columns to search (``None``: every text column)."""
        text = self.column_combo.currentText()
        return None if text in ("", ALL_TEXT) else [text]

    def show_hits(self, hits: SearchHits | None, columns: dict[str, Column]) -> None:
        """List ``hits`` (``None``: no search)."""
        self.model.set_hits(hits, columns)
        count = 0 if hits is None else len(hits.rows)
        self.count_label.setText("" if hits is None else f"{count:,} found")
        self.select_button.setEnabled(count > 0)

    def _sync(self, text: str) -> None:
        if self.edit.text() != text:
            self.edit.blockSignals(True)
            self.edit.setText(text)
            self.edit.blockSignals(False)
