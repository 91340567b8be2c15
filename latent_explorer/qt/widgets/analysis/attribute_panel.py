"""The Attributes panel: make directions from named selections and move along them."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.session.analysis_state import AnalysisState

SLIDER_STEPS = 100
"""Slider steps per unit of ``amount``; the sliders span -3 .. 3."""


class QtAttributePanel(QWidget):
    """Attribute vectors bound to :attr:`AnalysisState.attributes`, one slider each.

    A slider's value is an ``amount`` (1 = from the centre of A to the centre of B, or one
    standard deviation along a principal direction); :attr:`amounts_changed` reports them all.
    """

    difference_requested = Signal(str, str)
    """(name of selection A, name of B): make "B minus A". Emitted on the GUI thread."""
    principal_requested = Signal(str, int)
    """(name of a selection, how many): its principal directions. Emitted on the GUI thread."""
    amounts_changed = Signal(object)
    """``{name: amount}`` of every vector whose slider is off zero. Emitted on the GUI thread."""

    def __init__(self, state: AnalysisState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.a_combo = QComboBox()
        self.b_combo = QComboBox()
        self.difference_button = QPushButton("Add B minus A")
        self.difference_button.setToolTip("The direction from the centre of A to the centre of B")
        self.pc_spin = QSpinBox()
        self.pc_spin.setRange(1, 10)
        self.pc_spin.setValue(3)
        self.principal_button = QPushButton("Principal directions of A")
        form = QGridLayout()
        form.addWidget(QLabel("A"), 0, 0)
        form.addWidget(self.a_combo, 0, 1)
        form.addWidget(QLabel("B"), 1, 0)
        form.addWidget(self.b_combo, 1, 1)
        form.addWidget(self.difference_button, 2, 0, 1, 2)
        pcs = QHBoxLayout()
        pcs.addWidget(self.pc_spin)
        pcs.addWidget(self.principal_button, 1)
        self.hint = QLabel("Save two selections (Selection panel) to make a direction from "
                           "one to the other.")
        self.hint.setWordWrap(True)
        self.rows = QWidget()
        self.rows_layout = QGridLayout(self.rows)
        self.rows_layout.setColumnStretch(1, 1)
        self.rows_layout.setAlignment(Qt.AlignmentFlag.AlignTop)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.rows)
        self.reset_button = QPushButton("Reset sliders")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(pcs)
        layout.addWidget(self.hint)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.reset_button)
        self.name_edits: dict[str, QLineEdit] = {}
        self.sliders: dict[str, QSlider] = {}
        self.value_labels: dict[str, QLabel] = {}
        self.difference_button.clicked.connect(
            lambda: self.difference_requested.emit(self.a_combo.currentText(),
                                                   self.b_combo.currentText()))
        self.principal_button.clicked.connect(
            lambda: self.principal_requested.emit(self.a_combo.currentText(),
                                                  self.pc_spin.value()))
        self.reset_button.clicked.connect(self.reset_amounts)
        state.events.named_selections.connect(self._on_named_changed)
        state.events.attributes.connect(self._on_attributes_changed)
        self._on_named_changed(state.named_selections)
        self._on_attributes_changed(state.attributes)

    # --- state -> widgets -----------------------------------------------------------------
    def _on_named_changed(self, selections: tuple) -> None:  # type: ignore[type-arg]
        names = [s.name for s in selections]
        a_text = self._refill(self.a_combo, names, names[0] if names else "")
        others = [n for n in names if n != a_text]
        self._refill(self.b_combo, names, others[-1] if others else a_text, avoid=a_text)
        self.difference_button.setEnabled(len(names) >= 2)
        self.principal_button.setEnabled(len(names) >= 1)
        self.hint.setVisible(len(names) < 2)

    def _on_attributes_changed(self, attributes: tuple) -> None:  # type: ignore[type-arg]
        amounts = self.amounts()
        while self.rows_layout.count():
            item = self.rows_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.name_edits, self.sliders, self.value_labels = {}, {}, {}
        for row, vector in enumerate(attributes):
            name = vector.name
            edit = QLineEdit(name)
            edit.setToolTip(vector.description + "\nEdit to rename")
            edit.setMaximumWidth(130)
            slider = QSlider(Qt.Orientation.Horizontal)
            slider.setRange(-3 * SLIDER_STEPS, 3 * SLIDER_STEPS)
            slider.setValue(round(amounts.get(name, 0.0) * SLIDER_STEPS))
            slider.setToolTip(vector.description)
            value = QLabel(f"{slider.value() / SLIDER_STEPS:+.2f}")
            value.setMinimumWidth(40)
            delete = QToolButton()
            delete.setText("✕")
            delete.setToolTip(f"Delete {name}")
            self.rows_layout.addWidget(edit, row, 0)
            self.rows_layout.addWidget(slider, row, 1)
            self.rows_layout.addWidget(value, row, 2)
            self.rows_layout.addWidget(delete, row, 3)
            self.name_edits[name], self.sliders[name], self.value_labels[name] = edit, slider, value
            edit.editingFinished.connect(lambda n=name, e=edit: self._rename(n, e))
            slider.valueChanged.connect(lambda v, n=name: self._on_slider(n, v))
            delete.clicked.connect(lambda _=False, n=name: self.state.delete_attribute(n))

    @staticmethod
    def _refill(combo: QComboBox, names: list[str], default: str, avoid: str = "") -> str:
        """Fill ``combo`` with ``names``, keeping its choice if still there (and not ``avoid``)."""
        current = combo.currentText()
        choice = current if current in names and current != avoid else default
        combo.blockSignals(True)
        combo.clear()
        combo.addItems(names)
        combo.setCurrentIndex(max(0, combo.findText(choice)))
        combo.blockSignals(False)
        return combo.currentText()

    def amounts(self) -> dict[str, float]:
        """Every vector's amount that is not zero."""
        return {name: s.value() / SLIDER_STEPS for name, s in self.sliders.items() if s.value()}

    def reset_amounts(self, emit: bool = True) -> None:
        """Put every slider back to zero (``emit``: and report it)."""
        for name, slider in self.sliders.items():
            slider.blockSignals(True)
            slider.setValue(0)
            slider.blockSignals(False)
            self.value_labels[name].setText("+0.00")
        if emit:
            self.amounts_changed.emit({})

    # --- widgets -> state -----------------------------------------------------------------
    def _on_slider(self, name: str, value: int) -> None:
        self.value_labels[name].setText(f"{value / SLIDER_STEPS:+.2f}")
        self.amounts_changed.emit(self.amounts())

    def _rename(self, old: str, edit: QLineEdit) -> None:
        new = edit.text().strip()
        if new != old and not self.state.rename_attribute(old, new):
            edit.setText(old)
