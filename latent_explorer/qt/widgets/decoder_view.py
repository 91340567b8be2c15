"""The decoded image, large, beside the selected sample's original, with its latent code.

For a conditional decoder a class selector sits on top; with a comparison model open, a third
pane shows what model B makes of the same latent; a model whose output is a 1-D signal is drawn
as a line plot instead of an image. Below the images, the latent code: its values (in three
significant digits) up to :data:`LIST_VALUES_UP_TO` values, a summary (shape, norm, range)
beyond; the readout never takes more than a few lines, so the image keeps its room.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.widgets.image_pane import QtImagePane

LIST_VALUES_UP_TO = 64
"""Latents of up to this many values are listed; longer ones are summarised."""
PREVIEW_CAPTION = "Preview (atlas blend), decoding\u2026"
"""The caption of a preview while the true image is decoded."""
REDUCED_CAPTION = "Preview (half resolution), decoding\u2026"
"""The caption of a fully convolutional decoder's first, half-resolution picture."""
READOUT_LINES = 3
"""Lines of text the latent readout may take (it scrolls beyond)."""


class QtDecoderView(QWidget):
    """What the model decodes for the current latent, and what it is compared with."""

    def __init__(self, state: ExplorerState | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.state = state
        self.showing_preview = False
        self.decoded_pane = QtImagePane("Decoded", "Drag the probe or a slider to decode")
        self.original_pane = QtImagePane("Original", "Click a point to compare with its original")
        self.compare_pane = QtImagePane("Model B", "")
        self.compare_pane.setVisible(False)
        self.decoded_pane.setToolTip("What the model decodes at the current latent")
        self.original_pane.setToolTip("The selected sample as it is in the dataset")
        self.compare_pane.setToolTip("What the comparison model decodes at the same latent")
        self.signal_plot = pg.PlotWidget(background="#16181d")
        self.signal_plot.setMinimumHeight(160)
        self.signal_plot.setVisible(False)
        self.signal_curve = self.signal_plot.plot([], [], pen=pg.mkPen("#4cc9f0", width=2))
        self.signal_plot.setYRange(0, 1)
        self.class_combo = QComboBox()
        self.class_combo.setToolTip("The class a conditional decoder is asked to make")
        self.class_row = QWidget()
        row = QHBoxLayout(self.class_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("Class"))
        row.addWidget(self.class_combo, 1)
        self.class_row.setVisible(False)
        self.latent_text = QPlainTextEdit()
        self.latent_text.setReadOnly(True)
        self.latent_text.setFrameShape(QFrame.Shape.NoFrame)
        self.latent_text.viewport().setAutoFillBackground(False)
        self.latent_text.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.StyleHint.Monospace)
        mono.setPointSizeF(max(7.0, mono.pointSizeF() * 0.9))
        self.latent_text.setFont(mono)
        line = self.latent_text.fontMetrics().lineSpacing()
        margins = self.latent_text.contentsMargins()
        self.latent_text.setFixedHeight(READOUT_LINES * line + 2 * int(
            self.latent_text.document().documentMargin()) + margins.top() + margins.bottom())
        self.latent_text.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.latent_text.setToolTip("The current latent code (select to copy)")
        panes = QHBoxLayout()
        panes.setSpacing(6)
        panes.addWidget(self.decoded_pane, 1)
        panes.addWidget(self.compare_pane, 1)
        panes.addWidget(self.original_pane, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.class_row)
        layout.addLayout(panes, 1)
        layout.addWidget(self.signal_plot, 1)
        layout.addWidget(self.latent_text)
        self.class_combo.currentIndexChanged.connect(self._on_class_combo_changed)
        if state is not None:
            state.events.condition_label.connect(self._on_condition_label_changed)

    # --- setup ----------------------------------------------------------------------------
    def set_classes(self, count: int) -> None:
        """Offer ``count`` classes for a conditional decoder (0 hides the selector)."""
        self.class_combo.blockSignals(True)
        self.class_combo.clear()
        for i in range(count):
            self.class_combo.addItem(f"class {i}", i)
        self.class_combo.blockSignals(False)
        self.class_row.setVisible(count > 0)
        if self.state is not None:
            self.state.condition_label = 0 if count > 0 else None

    def set_signal_mode(self, signal: bool) -> None:
        """Draw outputs as a line plot (1-D models) or as images."""
        self.signal_plot.setVisible(signal)
        self.decoded_pane.setVisible(not signal)

    def add_notice(self, widget: QWidget) -> None:
        """Put ``widget`` above the panes (shown while the map has no decoder)."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(0, widget)

    def set_decoding(self, available: bool) -> None:
        """Show the decoded image and latent code (a model), or only the original (none)."""
        self.decoded_pane.setVisible(available and not self.signal_plot.isVisible())
        self.latent_text.setVisible(available)
        self._decoding = available
        if not available:
            self.signal_plot.setVisible(False)
            self.class_row.setVisible(False)

    def set_prior_samples(self, prior: bool) -> None:
        """Say what the map's points are: samples from the prior (a model without data) show
        their own decoded image in the second pane, not an "original" from a dataset."""
        if prior:
            self.original_pane.placeholder = ("These are samples from the prior: click one to "
                                              "see its own decoded image")
            self.original_pane.setToolTip("The clicked sample from the prior, decoded")
        else:  # (with nothing decoded there is nothing to compare with)
            self.original_pane.placeholder = ("Click a point to compare with its original"
                                              if getattr(self, "_decoding", True)
                                              else "Click a point to see its picture")
            self.original_pane.setToolTip("The selected sample as it is in the dataset")
        self.original_pane.caption = "Sample" if prior else "Original"
        self.original_pane.set_image(None)

    def set_compare(self, name: str | None) -> None:
        """Show the comparison pane titled ``name`` (``None`` hides it)."""
        self.compare_pane.setVisible(name is not None)
        self.compare_pane.caption = f"B: {name}" if name else ""
        self.compare_pane.set_image(None)

    # --- results --------------------------------------------------------------------------
    def show_decoded(self, image: np.ndarray, caption: str) -> None:
        """Show a freshly decoded image (or signal); it replaces any preview."""
        self.showing_preview = False
        if image.ndim == 1:
            values = np.asarray(image, dtype=np.float32) / 255.0
            self.signal_curve.setData(np.arange(len(values)), values)
            self.decoded_pane.array = np.asarray(image)
            return
        self.decoded_pane.set_image(image, caption)

    def show_preview(self, image: np.ndarray, caption: str = PREVIEW_CAPTION) -> None:
        """Show a stand-in for an image still being decoded, marked as a preview."""
        self.showing_preview = True
        self.decoded_pane.set_image(image, caption)

    def show_compare(self, image: np.ndarray | None, error: str | None = None) -> None:
        """Show model B's image for the current latent."""
        if error:
            self.compare_pane.show_error(error)
        elif image is not None and image.ndim == 3:
            self.compare_pane.set_image(image)

    def show_error(self, message: str) -> None:
        """Show why nothing could be decoded."""
        self.decoded_pane.show_error(message)

    def show_original(self, image: np.ndarray | None, caption: str = "Original") -> None:
        """Show the selected sample's original image (``None`` clears it)."""
        self.original_pane.set_image(image, caption)

    def show_latent(self, latent: np.ndarray | None,
                    shape: tuple[int, ...] | None = None) -> None:
        """Show the current latent code: its values, or a summary when it is long.

        ``shape`` is the latent's shape inside the network (``(4, 32, 32)``), for the summary.
        """
        self.latent_text.setPlainText("" if latent is None else describe_latent(latent, shape))

    def latent_readout(self) -> str:
        """The latent readout's text."""
        return self.latent_text.toPlainText()

    # --- state ----------------------------------------------------------------------------
    def _on_class_combo_changed(self, index: int) -> None:
        if self.state is not None and index >= 0:
            self.state.condition_label = int(self.class_combo.itemData(index))

    def _on_condition_label_changed(self, label: int | None) -> None:
        if label is None or label == self.class_combo.currentData():
            return
        self.class_combo.blockSignals(True)
        self.class_combo.setCurrentIndex(max(0, self.class_combo.findData(label)))
        self.class_combo.blockSignals(False)


def describe_latent(latent: np.ndarray, shape: tuple[int, ...] | None = None) -> str:
    """The latent as text: listed up to :data:`LIST_VALUES_UP_TO` values, else summarised.

    Numbers keep three significant digits, so a latent of tiny values does not read 0.00.
    """
    flat = np.asarray(latent, dtype=np.float64).reshape(-1)
    if flat.size <= LIST_VALUES_UP_TO:
        return "z = [" + ", ".join(f"{v:+.3g}" for v in flat) + "]"
    dims = shape if shape is not None and int(np.prod(shape)) == flat.size else (flat.size,)
    size = "\u00d7".join(str(n) for n in dims)
    return (f"z: {size} ({flat.size:,} values)  norm {np.linalg.norm(flat):.3g}  "
            f"range {flat.min():+.3g} to {flat.max():+.3g}  mean {flat.mean():+.3g}  "
            f"std {flat.std():.3g}")
