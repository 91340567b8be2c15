"""The path panel: choose a path, list and reorder its anchors, set how frames are laid."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.export.path_frames import path_latents
from latent_explorer.core.session.path_state import PathLibrary, PathState

INTERP_NAMES = {"slerp": "Slerp (great circle)", "lerp": "Lerp (straight line)",
                "spline": "Smooth spline"}
EASING_NAMES = {"linear": "Linear", "ease_in_out": "Ease in-out", "ease_in": "Ease in",
                "ease_out": "Ease out"}
LENGTH_MODES = {"segment": "Frames per segment", "frames": "Total frames",
                "seconds": "Total seconds"}
"""How the path's length is given; both totals are stored as ``PathState.total_frames``."""


class QtPathPanel(QWidget):
    """Edits the active :class:`PathState` of a :class:`PathLibrary`.

    Anchors come from ctrl-clicks on the map or from **Add keyframe** (the current latent).
    They can be dragged to reorder, removed, and held for extra frames.
    """

    add_keyframe_requested = Signal()
    """The user asked to add the current latent as an anchor. Emitted on the GUI thread."""
    export_requested = Signal()
    """The user asked to export the path. Emitted on the GUI thread."""

    def __init__(self, library: PathLibrary, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.library = library
        self.path: PathState = library.active
        self._syncing = False

        self.path_combo = QComboBox()
        self.path_combo.setToolTip("Paths kept in this session; each has its own anchors")
        self.path_combo.setMinimumContentsLength(10)
        self.path_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        # Tool buttons: as wide as their words, so the path's name keeps the room.
        self.new_button = QToolButton()
        self.new_button.setText("New")
        self.new_button.setToolTip("Start a new, empty path")
        self.rename_button = QToolButton()
        self.rename_button.setText("Rename")
        self.rename_button.setToolTip("Give the path shown a new name")
        self.delete_button = QToolButton()
        self.delete_button.setText("Delete")
        self.delete_button.setToolTip("Delete the path shown (its anchors go with it)")
        top = QHBoxLayout()
        top.addWidget(self.path_combo, 1)
        for b in (self.new_button, self.rename_button, self.delete_button):
            top.addWidget(b)

        self.anchor_list = QListWidget()
        self.anchor_list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.anchor_list.setToolTip("Anchors in playing order: drag to reorder. Ctrl-click "
                                    "points on the map to add samples.")
        self.anchor_list.setMinimumHeight(90)
        self.add_button = QPushButton("Add keyframe")
        self.add_button.setToolTip("Add the current latent (probe or sliders) as an anchor (K)")
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Remove the selected anchor")
        self.hold_spin = QSpinBox()
        self.hold_spin.setRange(0, 600)
        self.hold_spin.setSuffix(" frames")
        self.hold_spin.setToolTip("Hold the selected anchor on screen for extra frames")
        anchor_buttons = QHBoxLayout()
        anchor_buttons.addWidget(self.add_button)
        anchor_buttons.addWidget(self.remove_button)

        self.interp_combo = QComboBox()
        for key, name in INTERP_NAMES.items():
            self.interp_combo.addItem(name, key)
        self.interp_combo.setToolTip("Slerp follows the sphere where Gaussian latents live; "
                                     "a spline passes smoothly through all anchors")
        self.length_combo = QComboBox()
        for key, name in LENGTH_MODES.items():
            self.length_combo.addItem(name, key)
        self.length_combo.setToolTip("Give the length per segment, or for the whole path "
                                     "(holds included), in frames or seconds")
        self.frames_spin = QSpinBox()
        self.frames_spin.setRange(1, 2000)
        self.frames_spin.setToolTip("Frames from one anchor to the next")
        self.total_spin = QSpinBox()
        self.total_spin.setRange(2, 100_000)
        self.total_spin.setSuffix(" frames")
        self.total_spin.setToolTip("Frames of the whole path, holds included, spread evenly "
                                   "over the segments")
        self.seconds_spin = QDoubleSpinBox()
        self.seconds_spin.setRange(0.1, 3600.0)
        self.seconds_spin.setDecimals(1)
        self.seconds_spin.setSingleStep(0.5)
        self.seconds_spin.setSuffix(" s")
        self.seconds_spin.setToolTip("Duration of the whole path at the playback speed; it "
                                     "stays the same when the speed changes")
        for spin in (self.total_spin, self.seconds_spin):
            # Write on Enter, focus loss or arrows: typing "120" must not try 1 and 12 first.
            spin.setKeyboardTracking(False)
        self.length_hint = QLabel()
        length_row = QHBoxLayout()
        length_row.addWidget(self.length_combo)
        for w in (self.frames_spin, self.total_spin, self.seconds_spin):
            length_row.addWidget(w, 1)
        self._total_unit = "seconds"
        """Whether a total is shown in frames or seconds (a view choice, not path state)."""
        self.easing_combo = QComboBox()
        for key, name in EASING_NAMES.items():
            self.easing_combo.addItem(name, key)
        self.easing_combo.setToolTip("Speed profile within each segment")
        self.loop_check = QCheckBox("Loop")
        self.loop_check.setToolTip("Return from the last anchor to the first, seamlessly")
        self.pingpong_check = QCheckBox("Ping-pong")
        self.pingpong_check.setToolTip("Play through the anchors and back again")
        self.even_check = QCheckBox("Even speed")
        self.even_check.setToolTip("Re-space frames so the decoded images change at an even "
                                   "pace (measured by decoding the path)")
        self.fps_spin = QDoubleSpinBox()
        self.fps_spin.setRange(1, 120)
        self.fps_spin.setDecimals(0)
        self.fps_spin.setSuffix(" fps")
        self.fps_spin.setToolTip("Playback and export speed")
        checks = QHBoxLayout()
        for c in (self.loop_check, self.pingpong_check, self.even_check):
            checks.addWidget(c)
        form = QFormLayout()
        self._form = form
        form.addRow("Hold", self.hold_spin)
        form.addRow("Interpolation", self.interp_combo)
        form.addRow("Length", length_row)
        form.addRow("", self.length_hint)
        form.addRow("Easing", self.easing_combo)
        form.addRow("Speed", self.fps_spin)
        self.export_button = QPushButton("Export video...")
        self.export_button.setToolTip("Render the path to MP4, GIF, WebM or PNG frames")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top)
        layout.addWidget(self.anchor_list, 1)
        layout.addLayout(anchor_buttons)
        layout.addLayout(form)
        layout.addLayout(checks)
        layout.addWidget(self.export_button)

        self.path_combo.currentIndexChanged.connect(self._on_path_combo_changed)
        self.new_button.clicked.connect(lambda: self.library.add())
        self.rename_button.clicked.connect(self._on_rename_clicked)
        self.delete_button.clicked.connect(
            lambda: self.library.remove(self.library.active_index))
        self.add_button.clicked.connect(self.add_keyframe_requested)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.export_button.clicked.connect(self.export_requested)
        self.anchor_list.model().rowsMoved.connect(self._on_rows_moved)
        self.anchor_list.currentRowChanged.connect(self._sync_hold)
        self.hold_spin.valueChanged.connect(self._on_hold_changed)
        self.interp_combo.currentIndexChanged.connect(
            lambda i: self._write("interp", self.interp_combo.itemData(i)))
        self.easing_combo.currentIndexChanged.connect(
            lambda i: self._write("easing", self.easing_combo.itemData(i)))
        self.frames_spin.valueChanged.connect(lambda v: self._write("frames_per_segment", v))
        self.length_combo.currentIndexChanged.connect(self._on_length_mode_changed)
        self.total_spin.valueChanged.connect(lambda v: self._write("total_frames", int(v)))
        self.seconds_spin.valueChanged.connect(self._on_seconds_changed)
        self.fps_spin.valueChanged.connect(self._on_fps_changed)
        self.loop_check.toggled.connect(self._on_loop_toggled)
        self.pingpong_check.toggled.connect(self._on_pingpong_toggled)
        self.even_check.toggled.connect(lambda v: self._write("even_speed", bool(v)))
        library.changed.connect(self._fill_path_combo)
        library.active_changed.connect(self._bind)
        self._fill_path_combo()
        self._bind(library.active)

    # --- binding --------------------------------------------------------------------------
    def _bind(self, path: PathState) -> None:
        self.path.events.disconnect(self._sync_from_state)
        self.path = path
        path.events.connect(self._sync_from_state)
        self._fill_path_combo()
        self._sync_from_state()

    def _fill_path_combo(self) -> None:
        self.path_combo.blockSignals(True)
        self.path_combo.clear()
        for p in self.library.paths:
            self.path_combo.addItem(p.name)
        self.path_combo.setCurrentIndex(self.library.active_index)
        self.path_combo.blockSignals(False)

    def _sync_from_state(self, *_: object) -> None:
        self._syncing = True
        try:
            p = self.path
            row = self.anchor_list.currentRow()
            self.anchor_list.clear()
            for i, anchor in enumerate(p.anchors):
                source = f"sample #{anchor.index}" if anchor.index is not None else "latent"
                hold = f", hold {anchor.hold}" if anchor.hold else ""
                item = QListWidgetItem(f"{i + 1}. {source}{hold}")
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsDragEnabled)
                self.anchor_list.addItem(item)
            if 0 <= row < len(p.anchors):
                self.anchor_list.setCurrentRow(row)
            self.interp_combo.setCurrentIndex(self.interp_combo.findData(p.interp))
            self.easing_combo.setCurrentIndex(max(0, self.easing_combo.findData(p.easing)))
            self.frames_spin.setValue(p.frames_per_segment)
            self._sync_length()
            self.fps_spin.setValue(p.fps)
            self.loop_check.setChecked(p.loop)
            self.pingpong_check.setChecked(p.pingpong)
            self.even_check.setChecked(p.even_speed)
            self.export_button.setEnabled(len(p.anchors) >= 2)
            self._sync_hold(self.anchor_list.currentRow())
        finally:
            self._syncing = False

    def _sync_length(self) -> None:
        p = self.path
        mode = "segment" if p.total_frames is None else self._total_unit
        self.length_combo.setCurrentIndex(self.length_combo.findData(mode))
        self.frames_spin.setVisible(mode == "segment")
        self.total_spin.setVisible(mode == "frames")
        self.seconds_spin.setVisible(mode == "seconds")
        self._form.setRowVisible(self.length_hint, p.total_frames is not None)
        if p.total_frames is None:
            self.length_hint.setText("")
            return
        self.total_spin.setValue(p.total_frames)
        self.seconds_spin.setValue(p.total_frames / p.fps)
        hint = (f"= {p.total_frames} frames" if mode == "seconds"
                else f"= {p.total_frames / p.fps:.1f} s at {p.fps:g} fps")
        self.length_hint.setText(hint + (", holds included" if any(
            a.hold for a in p.anchors) else ""))

    def _sync_hold(self, row: int) -> None:
        self.hold_spin.blockSignals(True)
        valid = 0 <= row < len(self.path.anchors)
        self.hold_spin.setEnabled(valid)
        self.hold_spin.setValue(self.path.anchors[row].hold if valid else 0)
        self.hold_spin.blockSignals(False)

    # --- user input -> state --------------------------------------------------------------
    def _write(self, name: str, value: object) -> None:
        if not self._syncing:
            setattr(self.path, name, value)

    def _on_length_mode_changed(self, index: int) -> None:
        if self._syncing:
            return
        mode = str(self.length_combo.itemData(index))
        if mode == "segment":
            self.path.total_frames = None
            return
        self._total_unit = mode
        if self.path.total_frames is None:
            # Start from the length the path has now, so switching changes nothing visible.
            self.path.total_frames = self._current_length()
        else:
            self._sync_from_state()  # the same total, shown in the other unit

    def _current_length(self) -> int:
        try:
            frames = len(path_latents(self.path)) if len(self.path.anchors) >= 2 else 0
        except LatentExplorerError:
            frames = 0
        return max(2, frames or round(4 * self.path.fps))

    def _on_seconds_changed(self, seconds: float) -> None:
        self._write("total_frames", max(2, round(seconds * self.path.fps)))

    def _on_fps_changed(self, fps: float) -> None:
        if self._syncing:
            return
        p = self.path
        total = p.total_frames
        if total is not None and self._total_unit == "seconds":
            # A length given in seconds keeps its duration: more fps, more frames.
            total = max(2, round(total / p.fps * fps))
        p.fps = float(fps)
        p.total_frames = total

    def _on_loop_toggled(self, checked: bool) -> None:
        if self._syncing:
            return
        if checked:
            self.path.pingpong = False
        self.path.loop = checked

    def _on_pingpong_toggled(self, checked: bool) -> None:
        if self._syncing:
            return
        if checked:
            self.path.loop = False
        self.path.pingpong = checked

    def _on_path_combo_changed(self, index: int) -> None:
        if index >= 0:
            self.library.set_active(index)

    def _on_rename_clicked(self) -> None:
        name, ok = QInputDialog.getText(self, "Rename path", "Name:", text=self.path.name)
        if ok:
            self.library.rename(self.library.active_index, name)

    def _on_remove_clicked(self) -> None:
        row = self.anchor_list.currentRow()
        if 0 <= row < len(self.path.anchors):
            self.path.remove_anchor(row)

    def _on_hold_changed(self, value: int) -> None:
        row = self.anchor_list.currentRow()
        if not self._syncing and 0 <= row < len(self.path.anchors):
            self.path.set_hold(row, value)

    def _on_rows_moved(self, _parent: object, start: int, _end: int, _dest: object,
                       row: int) -> None:
        if self._syncing:
            return
        target = row if row < start else row - 1
        self.path.move_anchor(start, target)
