"""The StyleGAN panel: seeds, truncation, noise, style mixing and layer-limited edits.

Bound to a :class:`~latent_explorer.core.session.style_state.StyleState`: the controls write
the user's input into it and follow its events (signals blocked while they do, so no loop
starts). Going to a seed is a request (:attr:`QtStyleGANPanel.seed_requested`): the window's
StyleGAN controller maps the seed to ``w``. Layer ranges show as first and last layer, both
included (the state keeps ``(start, stop)``).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.models.families.stylegan.mixing import (
    PRESETS,
    layer_presets,
    preset_of,
)
from latent_explorer.core.session.style_state import StyleState

MAX_SEED = 2**31 - 1
"""The largest seed the spin boxes take (Qt's spin boxes hold 32-bit signed ints)."""
PSI_STEPS = 100
"""Slider steps per unit of truncation psi."""
PSI_RANGE = (0.0, 1.5)
"""What the psi slider spans; the spin box beside it takes -2 to 2."""


class QtStyleGANPanel(QWidget):
    """Controls of a StyleGAN generator, bound to :class:`StyleState`."""

    seed_requested = Signal(int)
    """The user asked to go to a seed (Go to seed, Enter, Random seed). GUI thread."""

    def __init__(self, state: StyleState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self._syncing = False

        self.seed_spin = QSpinBox()
        self.seed_spin.setRange(0, MAX_SEED)
        self.seed_spin.setToolTip("A seed names one picture: its z is drawn as NVIDIA's tools "
                                  "draw it and mapped to w")
        self.go_button = QPushButton("Go to seed")
        self.go_button.setToolTip("Show the picture of this seed (its w becomes the current "
                                  "latent)")
        self.random_button = QPushButton("Random seed")
        self.random_button.setToolTip("Go to a seed picked at random")
        self.seed_label = QLabel("")
        self.seed_label.setToolTip("The seed of the current latent, if it is one")

        self.psi_slider = QSlider(Qt.Orientation.Horizontal)
        self.psi_slider.setRange(int(PSI_RANGE[0] * PSI_STEPS), int(PSI_RANGE[1] * PSI_STEPS))
        self.psi_spin = QDoubleSpinBox()
        self.psi_spin.setRange(-2.0, 2.0)
        self.psi_spin.setSingleStep(0.05)
        self.psi_spin.setDecimals(2)
        tip = ("Truncation \u03c8: moves every w toward the file's average w. 1 is none, 0.7 "
               "is typical (more typical pictures, less variety), 0 is the average picture")
        self.psi_slider.setToolTip(tip)
        self.psi_spin.setToolTip(tip)
        self.noise_combo = QComboBox()
        for mode, text in (("const", "Stored (same picture each time)"),
                           ("random", "Random (new fine detail each time)"),
                           ("none", "None (no per-pixel noise)")):
            self.noise_combo.addItem(text, mode)
        self.noise_combo.setToolTip("The per-pixel noise the synthesis network adds")

        self.mix_check = QCheckBox("Mix in seed")
        self.mix_check.setToolTip("Style mixing: a second seed's w drives the chosen layers")
        self.mix_seed_spin = QSpinBox()
        self.mix_seed_spin.setRange(0, MAX_SEED)
        self.mix_seed_spin.setValue(1)
        self.mix_preset = self._preset_combo(with_all=False)
        self.mix_first, self.mix_last = QSpinBox(), QSpinBox()
        self.edit_preset = self._preset_combo(with_all=True)
        self.edit_preset.setToolTip("Which layers a move along a slider changes (the others "
                                    "keep the w from before the edit)")
        self.edit_first, self.edit_last = QSpinBox(), QSpinBox()
        for spin in (self.mix_first, self.mix_last, self.edit_first, self.edit_last):
            spin.setToolTip("Style inputs are numbered from 0, coarse (pose, shape) to fine "
                            "(colour, texture)")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        look = QFormLayout()
        seeds = QHBoxLayout()
        seeds.addWidget(self.seed_spin, 1)
        seeds.addWidget(self.go_button)
        look.addRow("Seed", seeds)
        shown = QHBoxLayout()
        shown.addWidget(self.seed_label, 1)
        shown.addWidget(self.random_button)
        look.addRow(shown)
        psi_row = QHBoxLayout()
        psi_row.addWidget(self.psi_slider, 1)
        psi_row.addWidget(self.psi_spin)
        look.addRow("Truncation \u03c8", psi_row)
        look.addRow("Noise", self.noise_combo)
        layout.addLayout(look)
        mixing = QGroupBox("Style mixing")
        mix_form = QFormLayout(mixing)
        mix_row = QHBoxLayout()
        mix_row.addWidget(self.mix_check)
        mix_row.addWidget(self.mix_seed_spin, 1)
        mix_form.addRow(mix_row)
        mix_form.addRow("Layers", self._range_row(self.mix_preset, self.mix_first,
                                                  self.mix_last))
        layout.addWidget(mixing)
        edits = QGroupBox("Edits along sliders")
        edit_form = QFormLayout(edits)
        edit_form.addRow("Layers", self._range_row(self.edit_preset, self.edit_first,
                                                   self.edit_last))
        layout.addWidget(edits)
        layout.addStretch(1)

        self.go_button.clicked.connect(lambda: self.seed_requested.emit(self.seed_spin.value()))
        self.seed_spin.editingFinished.connect(self._on_seed_entered)
        self.random_button.clicked.connect(self._on_random_clicked)
        self.psi_slider.valueChanged.connect(
            lambda v: self._write("truncation_psi", v / PSI_STEPS))
        self.psi_spin.valueChanged.connect(lambda v: self._write("truncation_psi", float(v)))
        self.noise_combo.currentIndexChanged.connect(
            lambda i: self._write("noise_mode", str(self.noise_combo.itemData(i))))
        self.mix_check.toggled.connect(lambda _: self._write_mixing())
        self.mix_seed_spin.valueChanged.connect(lambda _: self._write_mixing())
        self.mix_preset.activated.connect(lambda _: self._on_preset(self.mix_preset, "mix"))
        self.edit_preset.activated.connect(lambda _: self._on_preset(self.edit_preset, "edit"))
        for spin in (self.mix_first, self.mix_last):
            spin.valueChanged.connect(lambda _: self._write_range("mix"))
        for spin in (self.edit_first, self.edit_last):
            spin.valueChanged.connect(lambda _: self._write_range("edit"))
        ev = state.events
        for signal in (ev.truncation_psi, ev.noise_mode, ev.current_seed, ev.mix_seed,
                       ev.mix_layers, ev.edit_layers, ev.num_ws):
            signal.connect(lambda *_: self.sync())
        self.sync()

    @staticmethod
    def _preset_combo(with_all: bool) -> QComboBox:
        combo = QComboBox()
        if with_all:
            combo.addItem("All layers", "all")
        for name in PRESETS:
            combo.addItem(name.capitalize(), name)
        combo.addItem("Custom", "custom")
        return combo

    @staticmethod
    def _range_row(preset: QComboBox, first: QSpinBox, last: QSpinBox) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(preset, 1)
        row.addWidget(first)
        row.addWidget(QLabel("to"))
        row.addWidget(last)
        return row

    # --- user input -> state --------------------------------------------------------------
    def _write(self, name: str, value: object) -> None:
        if not self._syncing:
            setattr(self.state, name, value)

    def _on_seed_entered(self) -> None:
        if self.seed_spin.hasFocus():  # Enter in the box (not leaving it for another control)
            self.seed_requested.emit(self.seed_spin.value())

    def random_seed(self) -> int:
        """A seed picked at random, shown in the seed box."""
        import secrets

        seed = secrets.randbelow(MAX_SEED + 1)
        self.seed_spin.setValue(seed)
        return seed

    def _on_random_clicked(self) -> None:
        self.seed_requested.emit(self.random_seed())

    def _write_mixing(self) -> None:
        if not self._syncing:
            self.state.mix_seed = (self.mix_seed_spin.value() if self.mix_check.isChecked()
                                   else None)

    def _on_preset(self, combo: QComboBox, which: str) -> None:
        name = str(combo.currentData())
        num_ws = self.state.num_ws
        if which == "edit":
            if name == "all":
                self.state.edit_layers = None
            elif name != "custom":
                self.state.edit_layers = layer_presets(num_ws)[name]
        elif name != "custom":
            self.state.mix_layers = layer_presets(num_ws)[name]

    def _write_range(self, which: str) -> None:
        if self._syncing:
            return
        first, last = ((self.mix_first, self.mix_last) if which == "mix"
                       else (self.edit_first, self.edit_last))
        start, stop = first.value(), last.value() + 1
        if stop <= start:  # the other end follows, so the range never turns inside out
            stop = start + 1
        if which == "mix":
            self.state.mix_layers = (start, stop)
        else:
            self.state.edit_layers = None if (start, stop) == (0, self.state.num_ws) \
                else (start, stop)

    # --- state -> view --------------------------------------------------------------------
    def sync(self) -> None:
        """Show what the state holds (called on each of its events)."""
        s = self.state
        self._syncing = True
        try:
            self.psi_slider.setValue(round(s.truncation_psi * PSI_STEPS))
            self.psi_spin.setValue(s.truncation_psi)
            self.noise_combo.setCurrentIndex(max(0, self.noise_combo.findData(s.noise_mode)))
            self.seed_label.setText("" if s.current_seed is None
                                    else f"Showing seed {s.current_seed:,}")
            if s.current_seed is not None and s.current_seed <= MAX_SEED:
                self.seed_spin.setValue(s.current_seed)
            self.mix_check.setChecked(s.mix_seed is not None)
            if s.mix_seed is not None:
                self.mix_seed_spin.setValue(s.mix_seed)
            top = max(0, s.num_ws - 1)
            for spin in (self.mix_first, self.mix_last, self.edit_first, self.edit_last):
                spin.setRange(0, top)
            self.mix_first.setValue(s.mix_layers[0])
            self.mix_last.setValue(s.mix_layers[1] - 1)
            self.mix_preset.setCurrentIndex(self.mix_preset.findData(
                preset_of(s.mix_layers, s.num_ws)))
            edit = s.edit_layers or (0, max(1, s.num_ws))
            self.edit_first.setValue(edit[0])
            self.edit_last.setValue(edit[1] - 1)
            self.edit_preset.setCurrentIndex(self.edit_preset.findData(
                "all" if s.edit_layers is None else preset_of(edit, s.num_ws)))
            for widget in (self.mix_seed_spin, self.mix_preset, self.mix_first, self.mix_last):
                widget.setEnabled(s.mix_seed is not None or widget is self.mix_seed_spin)
        finally:
            self._syncing = False
