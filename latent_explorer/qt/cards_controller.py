"""Rows show their fields: a compact card per row in the Neighbours, Selection and Outliers
panels, and the clicked sample's fields in the Decoder's "Original" pane, where a vector has
no picture.

Which fields a card shows is the user's pick (:attr:`AnalysisState.card_columns`, kept in
the session; the first four columns until they pick), made with the "Card fields" buttons.
Grids of samples that all have pictures (digits, a photo folder) stay thumbnails unless the
user picked fields.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject

from latent_explorer.qt.analysis_columns import card_columns, card_fields
from latent_explorer.qt.row_sources import RowSources
from latent_explorer.qt.widgets.analysis.field_picker import QtFieldPicker
from latent_explorer.qt.widgets.analysis.thumbnail_grid import QtThumbnailGrid
from latent_explorer.qt.widgets.image_pane import QtImagePane


class CardsController(QObject):
    """Fills the sample grids' cards and the Original pane with the rows' chosen fields."""

    def __init__(self, sources: RowSources, grids: Sequence[QtThumbnailGrid],
                 original: QtImagePane, pickers: Sequence[QtFieldPicker]) -> None:
        """Cards on ``grids`` (whose keys are sample indices) and on ``original``; the
        ``pickers`` choose the fields (all bound to ``card_columns``)."""
        super().__init__(sources.services.parent)
        self.sources = sources
        self.grids = list(grids)
        self.original = original
        self.pickers = list(pickers)
        for grid in self.grids:
            grid.items_changed.connect(lambda g=grid: self.fill(g))
        sources.columns_changed.connect(self._on_columns_changed)
        sources.state.events.card_columns.connect(self.refresh)
        sources.explorer.events.selected_index.connect(self._show_original)

    def chosen(self) -> list[str]:
        """The fields cards show now."""
        return self.pickers[0].chosen() if self.pickers else []

    def fill(self, grid: QtThumbnailGrid) -> None:
        """Cards for ``grid``'s items: their chosen fields, where some item has no picture
        or the user picked fields; else plain thumbnails."""
        names = self.chosen()
        columns = self.sources.columns()
        count = len(next(iter(columns.values()))) if columns else 0
        keys = [k for k in grid.keys if 0 <= k < count]
        wanted = bool(self.sources.state.card_columns) or any(
            image is None for image in grid.first)
        if not names or not keys or len(keys) != len(grid.keys) or not wanted:
            if grid.fields is not None:
                grid.set_fields(None)
            return
        namers = self.sources.namers()
        grid.set_fields([card_fields(columns, namers, names, key) for key in keys])

    def refresh(self, *_: object) -> None:
        """Redo every card (the chosen fields or the columns changed)."""
        for grid in self.grids:
            self.fill(grid)
        self._show_original(self.sources.explorer.selected_index)

    def _on_columns_changed(self) -> None:
        offered, default = card_columns(self.sources.columns())
        for picker in self.pickers:
            picker.set_columns(offered, default)
        self.refresh()

    def _show_original(self, index: int | None) -> None:
        columns = self.sources.columns()
        count = len(next(iter(columns.values()))) if columns else 0
        if index is None or not 0 <= index < count:
            self.original.set_fields([])
            return
        self.original.set_fields(card_fields(columns, self.sources.namers(), self.chosen(),
                                             int(index)))
