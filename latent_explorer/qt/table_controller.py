"""The Table and Search panels, linked both ways with the map.

The table lists the rows of the selection (a lasso, a rectangle, a cluster, search hits or
rows picked in the table), else those the filter and the charts show, else every row; or,
as the user chooses, the neighbours. Clicking a row makes its sample the current one (the
map rings it and comes to it when it is out of view, the Decoder shows its fields); selecting
rows selects their points, while the table keeps listing what it listed. A point clicked on
the map becomes the table's current row.

Searching looks for words in the text columns; the hits are listed and ringed on the map.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QTimer, Signal

from latent_explorer.core.analysis.text_search import SearchHits, TextSearch
from latent_explorer.qt.row_sources import RowSources
from latent_explorer.qt.widgets.analysis.row_table import QtRowTable
from latent_explorer.qt.widgets.analysis.search_panel import QtSearchPanel
from latent_explorer.qt.widgets.map_view import QtMapView

HIT_RING = "#06d6a0"
RINGED = 5_000
"""Search hits ringed on the map at most (the list holds them all)."""


class TableController(QObject):
    """Keeps the Table and Search panels, the map and the selection in step."""

    rows_listed = Signal()
    """The table lists new rows. Emitted on the GUI thread."""
    searched = Signal()
    """A search's hits are listed and ringed. Emitted on the GUI thread."""

    def __init__(self, sources: RowSources, table: QtRowTable, search: QtSearchPanel,
                 map_view: QtMapView) -> None:
        """Drives ``table`` and ``search``, and rings search hits on ``map_view``."""
        super().__init__(sources.services.parent)
        self.sources = sources
        self.table = table
        self.search_panel = search
        self.map_view = map_view
        self.hits: SearchHits | None = None
        self._searcher: TextSearch | None = None
        self._own_selection = False
        """The selection being set came from the table (it keeps listing its rows)."""
        self.rings = pg.ScatterPlotItem(size=11, symbol="o", pen=pg.mkPen(HIT_RING, width=1.6),
                                        brush=None)
        self.rings.setZValue(17)
        map_view.addItem(self.rings, ignoreBounds=True)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(120)  # one search per pause in typing
        self._search_timer.timeout.connect(self.run_search)
        self._list_timer = QTimer(self)
        self._list_timer.setSingleShot(True)
        self._list_timer.setInterval(0)  # filter, legend and isolate settle first
        self._list_timer.timeout.connect(self.list_rows)
        self._connect()

    def _connect(self) -> None:
        s, ev = self.sources, self.sources.state.events
        s.columns_changed.connect(self._on_columns_changed)
        ev.selection.connect(self._on_selection_changed)
        ev.table_rows.connect(lambda _: self.list_rows())
        ev.search_text.connect(lambda _: self._search_timer.start())
        s.visibility_changed.connect(self._on_shown_changed)
        s.neighbors_shown.connect(self._on_neighbors_shown)
        s.explorer.events.selected_index.connect(self.table.show_current)
        self.table.sample_activated.connect(self.go_to)
        self.table.samples_selected.connect(self._on_rows_selected)
        self.search_panel.sample_clicked.connect(self.go_to)
        self.search_panel.select_requested.connect(self.select_hits)
        self.search_panel.columns_changed.connect(self.run_search)
        s.services.map_changed.connect(self._ring_hits)

    # --- which rows ---------------------------------------------------------------------------
    def rows(self) -> tuple[np.ndarray, str]:
        """The rows the table should list now, and what they are in words."""
        s = self.sources
        state = s.state
        columns = s.columns()
        count = len(next(iter(columns.values()))) if columns else 0
        source = state.table_rows
        shown = s.shown()
        filtered = len(shown) == count and not shown.all()
        if source == "auto":
            source = "selection" if len(state.selection) else (
                "filter" if filtered else "all")
        if source == "selection":
            rows = state.selection[state.selection < count]
            return rows, f"{len(rows):,} selected"
        if source == "filter":
            rows = np.flatnonzero(shown) if len(shown) == count else np.arange(count)
            return rows, f"{len(rows):,} of {count:,} shown on the map"
        if source == "neighbors":
            rows = np.asarray(s.neighbors(), dtype=np.int64)
            return rows, f"{len(rows):,} neighbours"
        return np.arange(count, dtype=np.int64), f"all {count:,} rows"

    def list_rows(self) -> None:
        """List the rows :meth:`rows` names."""
        rows, what = self.rows()
        self.table.show_rows(rows, what)
        self.table.show_current(self.sources.explorer.selected_index)
        self.rows_listed.emit()

    def _on_columns_changed(self) -> None:
        columns = self.sources.columns()
        self.table.set_columns(columns, self.sources.namers())
        self._searcher = TextSearch(columns)
        self.search_panel.set_columns(self._searcher.names)
        self.list_rows()
        self.run_search()

    def _on_selection_changed(self, selection: np.ndarray) -> None:
        if self._own_selection:
            return  # rows picked in the table: it keeps listing what it listed
        if self.sources.state.table_rows in ("auto", "selection"):
            self._list_timer.start()

    def _on_shown_changed(self) -> None:
        if self.sources.state.table_rows in ("auto", "filter"):
            self._list_timer.start()

    def _on_neighbors_shown(self) -> None:
        if self.sources.state.table_rows == "neighbors":
            self._list_timer.start()

    # --- table -> map -------------------------------------------------------------------------
    def go_to(self, sample: int) -> None:
        """Make ``sample`` the current one, and bring its point into view."""
        self.sources.explorer.selected_index = int(sample)
        coords = self.map_view.coords
        if not 0 <= sample < len(coords):
            return
        x, y = (float(v) for v in coords[sample])
        box = self.map_view.view_box
        (x0, x1), (y0, y1) = box.viewRange()
        if not (x0 <= x <= x1 and y0 <= y <= y1):  # keep the zoom, move to the point
            half_w, half_h = (x1 - x0) / 2, (y1 - y0) / 2
            box.setRange(xRange=(x - half_w, x + half_w), yRange=(y - half_h, y + half_h),
                         padding=0)

    def _on_rows_selected(self, samples: np.ndarray) -> None:
        self._own_selection = True
        try:
            self.sources.state.select(samples)
        finally:
            self._own_selection = False

    # --- search -------------------------------------------------------------------------------
    def run_search(self) -> None:
        """Search the chosen text columns for the words in the search box."""
        self._search_timer.stop()
        text = self.sources.state.search_text.strip()
        if self._searcher is None or not text:
            self.hits = None
        else:
            self.hits = self._searcher.search(text, self.search_panel.chosen_columns())
        columns = {} if self._searcher is None else self._searcher.columns
        self.search_panel.show_hits(self.hits, columns)
        self._ring_hits()
        self.searched.emit()

    def select_hits(self) -> None:
        """Select every hit (the table then lists them)."""
        if self.hits is not None and len(self.hits.rows):
            self.sources.state.select(self.hits.rows)

    def _ring_hits(self) -> None:
        coords = self.map_view.coords
        rows = np.zeros(0, dtype=np.int64) if self.hits is None else self.hits.rows
        rows = rows[rows < len(coords)][:RINGED]
        self.rings.setData(coords[rows, 0].astype(float), coords[rows, 1].astype(float))
        if self.hits is not None and len(self.hits.rows) > RINGED:
            self.search_panel.count_label.setText(
                f"{len(self.hits.rows):,} found ({RINGED:,} ringed)")
