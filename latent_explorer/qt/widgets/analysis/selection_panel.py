"""The Selection panel: select tools, what is selected, thumbnails, isolate, named selections."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.session.analysis_state import TOOLS, AnalysisState
from latent_explorer.qt.widgets.analysis.thumbnail_grid import QtThumbnailGrid

TOOL_NAMES = {"pan": "Pan", "lasso": "Lasso", "rectangle": "Rectangle"}
TOOL_TIPS = {"pan": "Left drag pans the map (Esc)",
             "lasso": "Left drag draws a lasso; Shift adds, Alt removes (L)",
             "rectangle": "Left drag draws a rectangle; Shift adds, Alt removes (R)"}


class QtSelectionPanel(QWidget):
    """Shows the selection bound to an :class:`AnalysisState` and edits it."""

    sample_clicked = Signal(int)
    """A thumbnail's sample index was clicked. Emitted on the GUI thread."""
    reproject_requested = Signal()
    """Re-project only the selected samples. Emitted on the GUI thread."""
    export_requested = Signal()
    """Export the selection to a file. Emitted on the GUI thread."""

    def __init__(self, state: AnalysisState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        tools = QHBoxLayout()
        self.tool_buttons: dict[str, QPushButton] = {}
        self.tool_group = QButtonGroup(self)
        for tool in TOOLS:
            button = QPushButton(TOOL_NAMES[tool])
            button.setCheckable(True)
            button.setToolTip(TOOL_TIPS[tool])
            self.tool_group.addButton(button)
            self.tool_buttons[tool] = button
            tools.addWidget(button)
            button.clicked.connect(lambda _=False, t=tool: setattr(self.state, "tool", t))
        self.count_label = QLabel()
        self.mix_label = QLabel()
        self.mix_label.setWordWrap(True)
        self.grid = QtThumbnailGrid(
            side=40, placeholder="Lasso (L) or rectangle (R) on the map, or Shift+click points, "
            "to select samples. Thumbnails show originals beside reconstructions.")
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid)
        scroll.setMinimumHeight(120)
        self.isolate_button = QPushButton("Isolate")
        self.isolate_button.setToolTip("Show only the selected samples on the map")
        self.reproject_button = QPushButton("Re-project")
        self.reproject_button.setToolTip("A map of the selected samples only, made with the "
                                         "method chosen in the Projection panel")
        self.show_all_button = QPushButton("Show all")
        self.clear_button = QPushButton("Clear")
        self.export_button = QPushButton("Export...")
        actions = QGridLayout()
        for i, button in enumerate((self.isolate_button, self.reproject_button,
                                    self.show_all_button, self.clear_button,
                                    self.export_button)):
            actions.addWidget(button, i // 3, i % 3)
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("Name this selection")
        self.save_button = QPushButton("Save")
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete the saved selection chosen below")
        save_row = QHBoxLayout()
        save_row.addWidget(self.name_edit, 1)
        save_row.addWidget(self.save_button)
        save_row.addWidget(self.delete_button)
        self.saved_list = QListWidget()
        self.saved_list.setMaximumHeight(64)
        self.saved_list.setToolTip("Saved selections: click one to select it again")

        layout = QVBoxLayout(self)
        layout.addLayout(tools)
        layout.addWidget(self.count_label)
        layout.addWidget(self.mix_label)
        layout.addWidget(scroll, 1)
        layout.addLayout(actions)
        layout.addLayout(save_row)
        layout.addWidget(self.saved_list)

        self.grid.item_clicked.connect(self.sample_clicked.emit)
        self.isolate_button.clicked.connect(self._isolate)
        self.reproject_button.clicked.connect(self.reproject_requested.emit)
        self.show_all_button.clicked.connect(lambda: setattr(self.state, "isolated", False))
        self.clear_button.clicked.connect(self.state.clear_selection)
        self.export_button.clicked.connect(self.export_requested.emit)
        self.save_button.clicked.connect(self._save)
        self.name_edit.returnPressed.connect(self._save)
        self.saved_list.itemClicked.connect(self._restore)
        self.delete_button.clicked.connect(self._delete)
        ev = state.events
        ev.tool.connect(self._on_tool_changed)
        ev.named_selections.connect(self._on_named_changed)
        ev.selection.connect(self._on_selection_changed)
        ev.isolated.connect(self._on_selection_changed)
        self._on_tool_changed(state.tool)
        self._on_named_changed(state.named_selections)
        self._on_selection_changed()

    # --- state -> widgets -----------------------------------------------------------------
    def _on_tool_changed(self, tool: str) -> None:
        button = self.tool_buttons.get(tool)
        if button is not None:
            button.setChecked(True)

    def _on_named_changed(self, selections: tuple) -> None:  # type: ignore[type-arg]
        self.saved_list.clear()
        for saved in selections:
            self.saved_list.addItem(f"{saved.name}  ({len(saved.indices):,})")
        self.delete_button.setEnabled(bool(selections))

    def _on_selection_changed(self, *_: object) -> None:
        count = len(self.state.selection)
        self.count_label.setText(f"<b>{count:,}</b> selected" if count else "Nothing selected")
        for button in (self.isolate_button, self.reproject_button, self.clear_button,
                       self.export_button, self.save_button):
            button.setEnabled(count > 0)
        self.isolate_button.setEnabled(count > 0 and not self.state.isolated)
        self.reproject_button.setEnabled(count >= 3)
        self.show_all_button.setEnabled(self.state.isolated)

    def show_mix(self, text: str) -> None:
        """The label mix of the selection, in words."""
        self.mix_label.setText(text)
        self.mix_label.setVisible(bool(text))

    # --- widgets -> state -----------------------------------------------------------------
    def _isolate(self) -> None:
        if len(self.state.selection):
            self.state.isolated = True

    def _save(self) -> None:
        if len(self.state.selection):
            self.state.save_selection(self.name_edit.text())
            self.name_edit.clear()

    def _restore(self, item: object) -> None:
        row = self.saved_list.currentRow()
        if 0 <= row < len(self.state.named_selections):
            self.state.select(self.state.named_selections[row].indices)

    def _delete(self) -> None:
        row = self.saved_list.currentRow()
        if 0 <= row < len(self.state.named_selections):
            self.state.delete_selection(self.state.named_selections[row].name)
