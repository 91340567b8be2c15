"""The Qt model behind the table of rows: typed columns read lazily, cell by cell.

:class:`RowTableModel` holds the typed columns (shared with the map, never copied) and one
int64 array of the sample indices it lists, in the order shown. A cell's text is made only
when the view paints it (:meth:`~latent_explorer.core.datasets.columns.Column.text`), so
listing 50,000 rows, or every row of a million-point map, builds no per-row Python object;
sorting reorders the index array with numpy
(:func:`~latent_explorer.core.analysis.row_order.sort_rows`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from latent_explorer.core.analysis.row_order import sort_rows
from latent_explorer.core.datasets.columns import Column

ModelIndex = QModelIndex | QPersistentModelIndex
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter


class RowTableModel(QAbstractTableModel):
    """Rows (sample indices) by typed columns; the first column is the sample's number."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.columns: dict[str, Column] = {}
        self.names: list[str] = []
        self.rows = np.zeros(0, dtype=np.int64)
        self.sorted_by: tuple[int, bool] | None = None
        """``(column, descending)`` of the last sort, kept when new rows arrive."""
        self.namers: dict[str, Any] = {}

    # --- data in --------------------------------------------------------------------------
    def set_columns(self, columns: Mapping[str, Column],
                    namers: Mapping[str, Any] | None = None) -> None:
        """Show ``columns`` (``index`` first, image paths left out); ``namers`` names the
        values of a column (class names for ``label``)."""
        self.beginResetModel()
        self.columns = {name: column for name, column in columns.items()
                        if column.kind != "image"}
        self.names = (["index"] if "index" in self.columns else []) + [
            n for n in self.columns if n != "index"]
        self.namers = dict(namers or {})
        if self.sorted_by is not None and self.sorted_by[0] >= len(self.names):
            self.sorted_by = None
        self.rows = self._ordered(self.rows)
        self.endResetModel()

    def set_rows(self, rows: np.ndarray) -> None:
        """List the samples ``rows`` (in the current sort order, if any)."""
        self.beginResetModel()
        self.rows = self._ordered(np.asarray(rows, dtype=np.int64).reshape(-1))
        self.endResetModel()

    def _ordered(self, rows: np.ndarray) -> np.ndarray:
        if self.sorted_by is None or not len(rows) or not self.names:
            return rows
        column, descending = self.sorted_by
        return sort_rows(self.columns[self.names[column]], rows, descending)

    def position_of(self, sample: int) -> int | None:
        """The table row that lists ``sample`` (``None``: not listed)."""
        found = np.flatnonzero(self.rows == int(sample))
        return int(found[0]) if len(found) else None

    # --- QAbstractTableModel --------------------------------------------------------------
    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.names)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        name = self.names[index.column()]
        column = self.columns[name]
        if role == Qt.ItemDataRole.DisplayRole:
            sample = int(self.rows[index.row()])
            namer = self.namers.get(name)
            if namer is not None and not column.missing[sample]:
                return namer(column.values[sample])
            return column.text(sample)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            numeric = column.kind in ("number", "datetime") and name not in self.namers
            return int(_RIGHT if numeric else _LEFT)
        if role == Qt.ItemDataRole.ToolTipRole and column.kind == "text":
            return column.text(int(self.rows[index.row()]))
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.names):
            return None
        name = self.names[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return "#" if name == "index" else name
        if role == Qt.ItemDataRole.ToolTipRole:
            what = "the sample's number" if name == "index" else self.columns[name].describe()
            return f"{name}: {what} (click to sort)"
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.names):
            return
        self.layoutAboutToBeChanged.emit()
        old = self.rows
        self.sorted_by = (column, order == Qt.SortOrder.DescendingOrder)
        self.rows = self._ordered(old)
        # The view's selection and current row follow their samples to their new places.
        persistent = self.persistentIndexList()
        if persistent and len(old):
            by_sample = np.argsort(old)
            was_at = by_sample[np.searchsorted(old[by_sample], self.rows)]
            now_at = np.empty(len(old), dtype=np.int64)
            now_at[was_at] = np.arange(len(old))
            self.changePersistentIndexList(
                persistent, [self.index(int(now_at[i.row()]), i.column()) if i.isValid()
                             else QModelIndex() for i in persistent])
        self.layoutChanged.emit()
