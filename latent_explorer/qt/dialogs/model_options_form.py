"""The Open Model dialog's "How to call it" form: how to call a model, as fields to edit.

:class:`QtModelOptionsForm` shows a :class:`~latent_explorer.core.models.card.ModelOptions`
(what the file states, and what the user adds or corrects) as fields, and reads them back.
It checks each field as it reads it.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from latent_explorer.core.models.base import OutputRange
from latent_explorer.core.models.card import ModelOptions, parse_latent_shape

AS_THE_FILE_SAYS = "as the file says"
RANGES = (("[0, 1] (sigmoid)", OutputRange.UNIT), ("[-1, 1] (tanh)", OutputRange.SYMMETRIC),
          ("logits", OutputRange.LOGITS), ("0-255", OutputRange.BYTE))


class QtModelOptionsForm(QGroupBox):
    """The fields that say how to call a model: latent shape, output range, image size...

    A blank field (or "as the file says", "auto") leaves the setting to the file.
    """

    changed = Signal()
    """The user changed a field (not :meth:`fill`). Emitted on the GUI thread."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("How to call it", parent)
        self.name_edit = QLineEdit()
        self.latent_edit = QLineEdit()
        self.latent_edit.setPlaceholderText("e.g. 128 or 8,2,2")
        self.range_combo = _combo([(AS_THE_FILE_SAYS, None), *RANGES])
        self.channels_combo = _combo([("auto", None), ("channels first (B, C, H, W)", True),
                                      ("channels last (B, H, W, C)", False)])
        self.size_edit = QLineEdit()
        self.size_edit.setPlaceholderText("auto, or HxWxC (e.g. 64x64x3), or L for 1-D")
        self.index_edit = QLineEdit()
        self.index_edit.setPlaceholderText("0 (or a dict key)")
        self.encoder_range_combo = _combo([(AS_THE_FILE_SAYS, None), *(r for r in RANGES
                                                                         if r[1] != "logits")])
        self.classes_spin = QSpinBox()
        self.classes_spin.setRange(0, 100_000)
        self.classes_spin.setSpecialValueText("0 (unconditional)")
        self.class_spin = QSpinBox()
        self.class_spin.setRange(0, 0)
        self.class_spin.setPrefix("preview class ")
        form = QFormLayout(self)
        form.addRow("Name:", self.name_edit)
        form.addRow("Latent shape:", self.latent_edit)
        form.addRow("Output range:", self.range_combo)
        form.addRow("Channel order:", self.channels_combo)
        form.addRow("Image size:", self.size_edit)
        form.addRow("Output index:", self.index_edit)
        form.addRow("Encoder input range:", self.encoder_range_combo)
        form.addRow("Classes:", row_of(self.classes_spin, self.class_spin))
        for edit in (self.name_edit, self.latent_edit, self.size_edit, self.index_edit):
            edit.textChanged.connect(self._on_field_changed)
        for combo in (self.range_combo, self.channels_combo, self.encoder_range_combo):
            combo.currentIndexChanged.connect(self._on_field_changed)
        self.classes_spin.valueChanged.connect(self._on_classes_changed)
        self.class_spin.valueChanged.connect(self._on_field_changed)

    def options(self, base: ModelOptions) -> ModelOptions:
        """The settings as entered, over ``base`` (what the file says). Raises ``ValueError``
        naming the field that is wrong."""
        latent = self.latent_edit.text().strip()
        size = self.size_edit.text().strip().lower()
        index_text = self.index_edit.text().strip()
        try:
            latent_shape = parse_latent_shape(latent) if latent else None
        except ValueError as exc:
            raise ValueError(f"Latent shape: {exc}") from None
        try:
            image_shape = parse_latent_shape(size) if size and size != "auto" else None
        except ValueError as exc:
            raise ValueError(f"Image size: {exc}") from None
        if image_shape is not None and len(image_shape) not in (1, 3):
            raise ValueError(f"Image size: give HxWxC or L, not {size!r}")
        index: int | str | None = None
        if index_text:
            index = int(index_text) if index_text.lstrip("-").isdigit() else index_text
        classes: int | None = self.classes_spin.value()
        if classes == 0 and not base.num_classes:
            classes = base.num_classes  # unconditional either way: keep what the file said
        output_range = self.range_combo.currentData()
        encoder_range = self.encoder_range_combo.currentData()
        channels_first = self.channels_combo.currentData()
        return ModelOptions(
            latent_shape=latent_shape,
            output_range=None if output_range is None else OutputRange(output_range),
            output_index=index,
            num_classes=classes,
            image_shape=image_shape,
            encoder_input_range=None if encoder_range is None else OutputRange(encoder_range),
            encoder_output=base.encoder_output,
            channels_first=None if channels_first is None else bool(channels_first),
            name=self.name_edit.text().strip() or None,
        )

    def fill(self, o: ModelOptions) -> None:
        """Show ``o`` in the fields without a :attr:`changed` for each of them."""
        widgets = (self.name_edit, self.latent_edit, self.size_edit, self.index_edit,
                   self.range_combo, self.channels_combo, self.encoder_range_combo,
                   self.classes_spin, self.class_spin)
        for widget in widgets:
            widget.blockSignals(True)
        self.name_edit.setText(o.name or "")
        self.latent_edit.setText(",".join(map(str, o.latent_shape)) if o.latent_shape else "")
        self.size_edit.setText("x".join(map(str, o.image_shape)) if o.image_shape else "")
        self.index_edit.setText("" if o.output_index is None else str(o.output_index))
        _select(self.range_combo, o.output_range)
        _select(self.channels_combo, o.channels_first)
        _select(self.encoder_range_combo, o.encoder_input_range)
        self.classes_spin.setValue(o.num_classes or 0)
        self.class_spin.setRange(0, max(0, (o.num_classes or 0) - 1))
        self.class_spin.setValue(0)
        self.class_spin.setEnabled(bool(o.num_classes))
        for widget in widgets:
            widget.blockSignals(False)

    def fill_latent_shape(self, shape: tuple[int, ...]) -> None:
        """Show ``shape`` (read off the network) if the latent shape field is blank."""
        if self.latent_edit.text().strip():
            return
        self.latent_edit.blockSignals(True)
        self.latent_edit.setText(",".join(map(str, shape)))
        self.latent_edit.blockSignals(False)

    def show_found(self, found: ModelOptions | None) -> None:
        """Say in the range fields left to the file what trying the model found there
        ("as found: [-1, 1] (tanh)"); the value stays the file's, found again after a change.
        """
        for combo, value in ((self.range_combo, None if found is None else found.output_range),
                             (self.encoder_range_combo,
                              None if found is None else found.encoder_input_range)):
            words = next((text for text, data in RANGES if data == value), None)
            combo.setItemText(0, f"as found: {words}" if words else AS_THE_FILE_SAYS)

    def preview_class(self) -> int:
        """The class the preview decodes (0 for an unconditional model)."""
        return self.class_spin.value()

    def _on_classes_changed(self, value: int) -> None:
        self.class_spin.setRange(0, max(0, value - 1))
        self.class_spin.setEnabled(value > 0)
        self.changed.emit()

    def _on_field_changed(self, *_: object) -> None:
        self.changed.emit()


def row_of(*widgets: QWidget) -> QWidget:
    """The widgets side by side; line edits and wrapping labels take the room left."""
    row = QWidget()
    layout = QHBoxLayout(row)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        grows = isinstance(widget, QLineEdit) or (isinstance(widget, QLabel) and widget.wordWrap())
        layout.addWidget(widget, 1 if grows else 0)
    return row


def _combo(items: list[tuple[str, object]]) -> QComboBox:
    combo = QComboBox()
    for text, data in items:
        combo.addItem(text, data)
    return combo


def _select(combo: QComboBox, value: object) -> None:
    for i in range(combo.count()):
        if combo.itemData(i) == value and (value is not None or i == 0):
            combo.setCurrentIndex(i)
            return
    combo.setCurrentIndex(0)
