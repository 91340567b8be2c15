"""The channel view of a spatial latent ``(C, h, w)``: every channel as a small heat map,
the picked one large with a brush, and its offset and gain.

Everything goes through :class:`ExplorerState`: a brush stroke or a slider writes a new
``current_latent`` (which the newest-wins decoder decodes), and any change of the current
latent (probe, sliders, a click on the map) redraws the maps.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.analysis.latent_stats import LatentStats
from latent_explorer.core.analysis.spatial_edits import (
    Brush,
    brush_dab,
    channel_limits,
    channel_maps,
    is_spatial,
    with_gain_offset,
)
from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.widgets.channel_maps import QtChannelCanvas, QtChannelGrid

GAIN_STEPS = 100
"""Gain slider steps per unit of gain (the slider runs from -1 to 3)."""
OFFSET_STEPS = 500
"""Offset slider steps each side of zero (it spans the channel's data range each way)."""


class QtChannelView(QWidget):
    """Channel maps of the current latent, bound to :class:`ExplorerState`."""

    def __init__(self, state: ExplorerState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.shape: tuple[int, ...] = ()
        self.limits = np.zeros((0, 2), dtype=np.float32)
        self.channel = 0
        self.base: np.ndarray | None = None
        self._writing = False

        self.note = QLabel("Open a model with spatial latents (channels x height x width) "
                           "to see and paint its channels here.")
        self.note.setWordWrap(True)
        self.grid = QtChannelGrid()
        self.grid.setToolTip("Each channel of the current latent; click one to edit it")
        self.canvas = QtChannelCanvas()
        self.canvas.setToolTip("Paint to raise the values under the brush (right button or "
                               "Shift: lower them); the decoded picture changes in that region")
        self.channel_label = QLabel("")
        self.gain_slider = QSlider(Qt.Orientation.Horizontal)
        self.gain_slider.setRange(-GAIN_STEPS, 3 * GAIN_STEPS)
        self.gain_slider.setValue(GAIN_STEPS)
        self.gain_slider.setToolTip("Multiply the channel (1: unchanged, 0: flat, -1: inverted)")
        self.gain_value = QLabel("1")
        self.offset_slider = QSlider(Qt.Orientation.Horizontal)
        self.offset_slider.setRange(-OFFSET_STEPS, OFFSET_STEPS)
        self.offset_slider.setToolTip("Add a constant to the whole channel")
        self.offset_value = QLabel("0")
        for label in (self.gain_value, self.offset_value):
            label.setMinimumWidth(44)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.radius_spin = QDoubleSpinBox()
        self.radius_spin.setRange(0.5, 64.0)
        self.radius_spin.setSingleStep(0.5)
        self.radius_spin.setSuffix(" cells")
        self.radius_spin.setToolTip("Brush radius, in latent cells")
        self.strength_spin = QDoubleSpinBox()
        self.strength_spin.setRange(0.001, 100.0)
        self.strength_spin.setDecimals(3)
        self.strength_spin.setToolTip("How much one dab of the brush adds at its centre")
        self.reset_button = QPushButton("Reset channel")
        self.reset_button.setToolTip("Gain 1, offset 0: the channel as it was when picked")

        gain_row = QHBoxLayout()
        gain_row.addWidget(self.gain_slider, 1)
        gain_row.addWidget(self.gain_value)
        offset_row = QHBoxLayout()
        offset_row.addWidget(self.offset_slider, 1)
        offset_row.addWidget(self.offset_value)
        form = QFormLayout()
        form.addRow("Gain", gain_row)
        form.addRow("Offset", offset_row)
        form.addRow("Brush", self.radius_spin)
        form.addRow("Strength", self.strength_spin)
        self.editor = QWidget()
        editor_layout = QVBoxLayout(self.editor)
        editor_layout.setContentsMargins(0, 0, 0, 0)
        editor_layout.addWidget(self.grid, 1)
        head = QHBoxLayout()
        head.addWidget(self.channel_label, 1)
        head.addWidget(self.reset_button)
        editor_layout.addLayout(head)
        editor_layout.addWidget(self.canvas, 2)
        editor_layout.addLayout(form)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.note)
        layout.addWidget(self.editor, 1)
        self.editor.setVisible(False)

        self.grid.channel_clicked.connect(self.pick_channel)
        self.gain_slider.valueChanged.connect(self._on_gain_offset_moved)
        self.offset_slider.valueChanged.connect(self._on_gain_offset_moved)
        self.reset_button.clicked.connect(self._on_reset_clicked)
        self.radius_spin.valueChanged.connect(self._on_radius_changed)
        self.canvas.dabbed.connect(self._on_dab)
        state.events.current_latent.connect(self._on_current_latent_changed)

    # --- setup ----------------------------------------------------------------------------
    def set_latent_shape(self, shape: tuple[int, ...], stats: LatentStats | None) -> None:
        """Show channel maps for latents of ``shape`` (hidden, with a note, when not spatial).

        ``stats`` (the data's latent ranges) fixes each channel's colour scale and the
        brush's default strength.
        """
        self.shape = tuple(int(n) for n in shape)
        spatial = is_spatial(self.shape)
        self.editor.setVisible(spatial)
        self.note.setVisible(not spatial)
        if not spatial:
            flat = int(np.prod(self.shape)) if self.shape else 0
            self.note.setText(
                f"This model's latent is flat ({flat:,} values): the channel view is for "
                "spatial latents (channels x height x width), as image autoencoders have.")
            self.base = None
            return
        c, h, w = self.shape
        if stats is not None and stats.dim == c * h * w:
            raw = stats.ranges["raw"]
            self.limits = channel_limits(raw[:, 0], raw[:, 1], self.shape)
        else:
            self.limits = np.tile(np.array([[-3.0, 3.0]], dtype=np.float32), (c, 1))
        span = float(np.median(self.limits[:, 1] - self.limits[:, 0]))
        self.radius_spin.setMaximum(float(max(h, w)))
        self.radius_spin.setValue(max(1.0, round(min(h, w) / 6.0 * 2) / 2))
        self.strength_spin.setValue(round(span / 10.0, 3))
        self.channel = min(self.channel, c - 1)
        self._on_current_latent_changed(self.state.current_latent)

    @property
    def spatial(self) -> bool:
        """Whether the current model's latents are channel maps."""
        return is_spatial(self.shape)

    def brush(self, lower: bool = False) -> Brush:
        """The brush as set in the panel (``lower``: it takes away instead of adding)."""
        amount = float(self.strength_spin.value())
        return Brush(float(self.radius_spin.value()), -amount if lower else amount)

    # --- user input -> state --------------------------------------------------------------
    def pick_channel(self, channel: int) -> None:
        """Edit ``channel`` (its offset and gain start at 0 and 1)."""
        if not self.spatial or not 0 <= channel < self.shape[0]:
            return
        self.channel = channel
        self.grid.picked = channel
        self._anchor(self.state.current_latent)
        self._draw(self.state.current_latent)

    def gain_offset(self) -> tuple[float, float]:
        """The gain and offset the sliders show (the offset in the channel's value units)."""
        span = 1.0
        if len(self.limits) > self.channel:
            span = float(self.limits[self.channel, 1] - self.limits[self.channel, 0])
        return (self.gain_slider.value() / GAIN_STEPS,
                self.offset_slider.value() / OFFSET_STEPS * span)

    def _on_gain_offset_moved(self, _value: int) -> None:
        gain, offset = self.gain_offset()
        self.gain_value.setText(f"{gain:.3g}")
        self.offset_value.setText(f"{offset:+.3g}")
        latent = self.state.current_latent
        if latent is None or not self._fits(latent) or self.base is None:
            return
        self._writing = True
        try:
            self.state.current_latent = with_gain_offset(latent, self.shape, self.channel,
                                                         self.base, gain, offset)
        finally:
            self._writing = False

    def _on_reset_clicked(self) -> None:
        self.gain_slider.setValue(GAIN_STEPS)
        self.offset_slider.setValue(0)

    def _on_radius_changed(self, radius: float) -> None:
        self.canvas.radius = float(radius)
        self.canvas.update()

    def _on_dab(self, row: float, col: float, lower: bool) -> None:
        latent = self.state.current_latent
        if latent is None or not self._fits(latent):
            return
        # A brushed latent is a new starting point: the gain and offset re-anchor on it.
        self.state.current_latent = brush_dab(latent, self.shape, self.channel, row, col,
                                              self.brush(lower))

    # --- state -> view --------------------------------------------------------------------
    def _fits(self, latent: np.ndarray | None) -> bool:
        return self.spatial and latent is not None and latent.size == np.prod(self.shape)

    def _on_current_latent_changed(self, latent: np.ndarray | None) -> None:
        if not self._fits(latent):
            return
        if not self._writing:
            self._anchor(latent)
        self._draw(latent)

    def _anchor(self, latent: np.ndarray | None) -> None:
        if latent is None or latent.size != np.prod(self.shape):
            self.base = None
            return
        self.base = channel_maps(latent, self.shape)[self.channel].copy()
        for slider, value in ((self.gain_slider, GAIN_STEPS), (self.offset_slider, 0)):
            slider.blockSignals(True)
            slider.setValue(value)
            slider.blockSignals(False)
        self.gain_value.setText("1")
        self.offset_value.setText("+0")

    def _draw(self, latent: np.ndarray | None) -> None:
        if latent is None or latent.size != np.prod(self.shape):
            return
        maps = channel_maps(latent, self.shape)
        self.grid.set_maps(maps, self.limits)
        lo, hi = (float(v) for v in self.limits[self.channel])
        self.canvas.set_map(maps[self.channel], lo, hi)
        self.channel_label.setText(f"Channel {self.channel} of {self.shape[0]}  "
                                   f"({self.shape[1]}x{self.shape[2]})")
