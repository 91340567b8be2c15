"""The filter bar: type an expression such as ``label in (3, 8)`` and press Enter."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QWidget

from latent_explorer.core.analysis.filters import FilterError, parse_filter
from latent_explorer.core.session.analysis_state import AnalysisState

ERROR_STYLE = "color: #ef476f;"


class QtFilterBar(QWidget):
    """A line edit bound to :attr:`AnalysisState.filter_text`, with a message beside it.

    Only a filter that parses and names known columns is written to the state; a bad one
    shows its error in red and changes nothing.
    """

    def __init__(self, state: AnalysisState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.columns: list[str] = []
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Filter, e.g. label in (3, 8)  or  date > 2025-01-01  or  "
                                     'caption contains "dog"')
        self.edit.setClearButtonEnabled(True)
        self.edit.setMinimumWidth(260)
        self.message = QLabel("")
        self.message.setMinimumWidth(140)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(QLabel("Filter"))
        layout.addWidget(self.edit, 1)
        layout.addWidget(self.message)
        self.edit.returnPressed.connect(self.apply)
        self.edit.textChanged.connect(self._on_text_changed)
        state.events.filter_text.connect(self._sync)

    def set_columns(self, columns: list[str], help_text: str = "") -> None:
        """The column names a filter may use; ``help_text`` (the tooltip) says what each
        holds and how to test it."""
        self.columns = list(columns)
        self.edit.setToolTip(help_text or "Columns: " + ", ".join(self.columns))

    def apply(self) -> None:
        """Check the typed filter; write it to the state if it is valid."""
        text = self.edit.text().strip()
        if text:
            try:
                parse_filter(text, self.columns)
            except FilterError as exc:
                self.show_error(str(exc), exc.position)
                return
        self.state.filter_text = text
        if not text:
            self.show_count(None, 0)

    def show_error(self, message: str, position: int | None = None) -> None:
        """Show ``message`` in red; put the cursor at ``position`` when known."""
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.setText(message)
        self.message.setToolTip(message)
        if position is not None:
            self.edit.setCursorPosition(int(position))

    def show_count(self, shown: int | None, total: int) -> None:
        """Say how many samples the filter keeps (``None``: no filter)."""
        self.message.setStyleSheet("")
        self.message.setToolTip("")
        self.message.setText("" if shown is None else f"{shown:,} of {total:,} shown")

    def _on_text_changed(self, text: str) -> None:
        if not text.strip() and self.state.filter_text:
            self.apply()  # the clear button empties the filter at once

    def _sync(self, text: str) -> None:
        if self.edit.text().strip() != text:
            self.edit.blockSignals(True)
            self.edit.setText(text)
            self.edit.blockSignals(False)
