"""The row tools of the window: cards of a row's fields, the Table, Search and Charts panels,
made from the research tools' parts and tabbed into the window's dock groups."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QWidget

from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.analysis_controller import AnalysisController
from latent_explorer.qt.cards_controller import CardsController
from latent_explorer.qt.charts_controller import ChartsController
from latent_explorer.qt.row_sources import row_sources
from latent_explorer.qt.table_controller import TableController
from latent_explorer.qt.widgets.analysis.column_charts_panel import QtColumnCharts
from latent_explorer.qt.widgets.analysis.field_picker import QtFieldPicker
from latent_explorer.qt.widgets.analysis.row_table import QtRowTable
from latent_explorer.qt.widgets.analysis.search_panel import QtSearchPanel
from latent_explorer.qt.widgets.image_pane import QtImagePane

TABLE_HEIGHT = 250
"""Height (pixels) the Table dock gets when it first comes to the front for data with no
decoder, if it is lower."""


class RowTools:
    """The cards, Table, Search and Charts of a window, and their controllers."""

    def __init__(self, analysis: AnalysisController, explorer: ExplorerState,
                 original: QtImagePane) -> None:
        """Row tools over ``analysis``'s columns and selection; the clicked sample's fields
        go to ``original`` (the Decoder's Original pane) when it has no picture."""
        sources = self.sources = row_sources(analysis, explorer)
        state = analysis.state
        self.table_panel = QtRowTable(state)
        self.search_panel = QtSearchPanel(state)
        self.charts_panel = QtColumnCharts(state)
        self.neighbor_picker = QtFieldPicker(
            state, "card_columns", "Fields",
            "The fields each neighbour's card shows (kept in the session)")
        analysis.neighbors_panel.add_header_widget(self.neighbor_picker)
        self.table = TableController(sources, self.table_panel, self.search_panel,
                                     analysis.map_view)
        self.charts = ChartsController(sources, self.charts_panel)
        grids = [analysis.selection_panel.grid, analysis.neighbors_panel.grid,
                 analysis.outliers_view.grid]
        self.cards = CardsController(sources, grids, original,
                                     [self.table_panel.card_picker, self.neighbor_picker])
        self.docks: dict[str, QDockWidget] = {}
        self._charts_hidden = False
        """The Charts dock was hidden for having nothing to chart (not by the user)."""
        self._charts_offered = False
        """Some data of this window has had a column to chart."""
        self._table_sized = False
        self._resize: Callable[..., None] | None = None

    def dock_specs(self) -> list[tuple[str, QWidget, Qt.DockWidgetArea]]:
        """(title, widget, area) of the docks the window should add."""
        bottom = Qt.DockWidgetArea.BottomDockWidgetArea
        return [("Table", self.table_panel, bottom), ("Search", self.search_panel, bottom),
                ("Charts", self.charts_panel, Qt.DockWidgetArea.RightDockWidgetArea)]

    def arrange_docks(self, docks: list[QDockWidget], sliders_dock: QDockWidget,
                      filmstrip_dock: QDockWidget,
                      tabify: Callable[[QDockWidget, QDockWidget], None],
                      resize: Callable[..., None] | None = None) -> None:
        """Tab the Table and Search with the filmstrip (under the map), the Charts with the
        latent sliders (beside it), so none takes room from the map. ``tabify(first,
        second)`` is the window's ``tabifyDockWidget``, ``resize`` its ``resizeDocks`` (to
        give the Table room when there is no filmstrip to show)."""
        self._resize = resize
        self.docks = {dock.windowTitle(): dock for dock in docks}
        beside = {"Table": filmstrip_dock, "Search": filmstrip_dock, "Charts": sliders_dock}
        for title, dock in self.docks.items():
            tabify(beside[title], dock)
        for dock in (sliders_dock, filmstrip_dock):
            dock.raise_()
        self.charts.available.connect(self._on_charts_available)

    def show_hidden(self) -> None:
        """Show the Charts dock again if it was hidden for having nothing to chart (before
        the window saves its layout: the next start's data may have columns)."""
        if self._charts_hidden:
            self._on_charts_available(True)

    def on_decoding_available(self, available: bool, reason: str = "") -> None:
        """With no decoder the Table is in front under the map (the filmstrip has nothing to
        play): the first time, make it tall enough to read a dozen rows. Except on a map of
        pixels (pictures with no model yet): the room goes to the Decoder panel's notices
        there (train a model, the files that open with no code)."""
        table = self.docks.get("Table")
        if available or table is None or self._resize is None or self._table_sized:
            return
        from latent_explorer.core.models.no_decoder import PIXELS_SPEC

        ws = self.sources.services.workspace()
        if ws is None or ws.model.source == PIXELS_SPEC:
            return
        self._table_sized = True
        if table.height() < TABLE_HEIGHT:
            self._resize([table], [TABLE_HEIGHT], Qt.Orientation.Vertical)

    def _on_charts_available(self, available: bool) -> None:
        """Show the Charts dock only when the data has a column to chart (a folder of
        unlabelled pictures has none), so it takes no tab room for nothing; it comes back
        where it was once there is one (a joined table, a computed score)."""
        dock = self.docks.get("Charts")
        if dock is None:
            return
        toggle = dock.toggleViewAction()
        toggle.setVisible(available)
        first = available and not self._charts_offered
        if available:
            self._charts_offered = True
        if not available and toggle.isChecked():  # open (the user did not close it)
            self._charts_hidden = True
            dock.hide()
        elif available and (self._charts_hidden or first):
            # Back where it was; and the first time this window has something to chart, shown
            # even if a layout saved while there was nothing to chart had it closed.
            self._charts_hidden = False
            dock.show()
