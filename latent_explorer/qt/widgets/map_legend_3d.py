"""The 3-D map's legend: one clickable entry per class that hides or shows it."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import QFrame, QToolButton, QVBoxLayout, QWidget


class QtMapLegend3D(QFrame):
    """A small floating list of classes (colour swatch + name); a click toggles a class.

    It only reports clicks (:attr:`label_toggled`); the map writes ``state.hidden_labels`` and
    calls :meth:`set_hidden` back, so the state stays the one source of truth.
    """

    label_toggled = Signal(int)
    """The class whose entry was clicked. Emitted on the GUI thread."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("legend3d")
        self.setAutoFillBackground(True)
        self.setStyleSheet(
            "#legend3d { background: rgba(22, 24, 29, 215); border-radius: 4px; }"
            "QToolButton { color: #d8dee9; border: none; padding: 1px 4px; text-align: left; }"
            "QToolButton:checked { color: #5c6370; }")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(4, 4, 4, 4)
        self._layout.setSpacing(0)
        self.buttons: dict[int, QToolButton] = {}
        self.hide()

    def set_entries(self, entries: list[tuple[int, str, QColor]]) -> None:
        """One entry per ``(label, name, colour)``; an empty list hides the legend."""
        for button in self.buttons.values():
            self._layout.removeWidget(button)
            button.deleteLater()
        self.buttons = {}
        for label, name, color in entries:
            swatch = QPixmap(10, 10)
            swatch.fill(color)
            button = QToolButton(self)
            button.setIcon(QIcon(swatch))
            button.setIconSize(QSize(10, 10))
            button.setText(name)
            button.setCheckable(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setToolTip(f"Hide or show {name}")
            button.clicked.connect(lambda _=False, value=label: self.label_toggled.emit(value))
            self._layout.addWidget(button)
            self.buttons[label] = button
        self.setVisible(bool(entries))
        self.adjustSize()

    def set_hidden(self, hidden: frozenset[int]) -> None:
        """Show the entries of ``hidden`` classes as switched off."""
        for label, button in self.buttons.items():
            button.blockSignals(True)
            button.setChecked(label in hidden)
            button.blockSignals(False)
