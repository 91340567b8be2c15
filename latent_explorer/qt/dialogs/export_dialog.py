"""The Export Path dialog: format, file, frame rate, size and scaling of the video."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

FORMATS = {"mp4": ("MP4 video (H.264)", ".mp4"), "gif": ("Animated GIF", ".gif"),
           "webm": ("WebM video", ".webm"), "frames": ("PNG frame sequence (folder)", "")}


@dataclass(frozen=True)
class ExportSettings:
    """What the user chose in the dialog."""

    out: Path
    fps: float
    size: int
    scale_mode: str
    sheet: int
    side_by_side: bool = False
    """Put the comparison model's frames beside the main model's (A/B video)."""
    map_beside: bool = False
    """Put the map, with the path and a marker moving along it, left of each frame."""
    map_3d: bool = False
    """With ``map_beside``: the 3-D map, turning once over the video, instead of the 2-D map."""


class QtExportDialog(QDialog):
    """Asks where and how to export the active path."""

    def __init__(self, default_name: str, fps: float, frame_count: int,
                 parent: QWidget | None = None, compare_name: str | None = None,
                 map_3d_available: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export path")
        self.format_combo = QComboBox()
        for key, (name, _) in FORMATS.items():
            self.format_combo.addItem(name, key)
        self.path_edit = QLineEdit(str(Path.cwd() / f"{default_name}.mp4"))
        self.path_edit.setToolTip("The file to write (a folder for PNG frames). It appears "
                                  "only once the export is complete.")
        browse = QPushButton("Browse...")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        self.fps_spin = QDoubleSpinBox()
        self.fps_spin.setRange(1, 120)
        self.fps_spin.setDecimals(0)
        self.fps_spin.setValue(fps)
        self.fps_spin.setSuffix(" fps")
        self.size_combo = QComboBox()
        for size in (256, 512, 1024, 2048):
            self.size_combo.addItem(f"{size} px", size)
        self.size_combo.setCurrentIndex(1)
        self.size_combo.setToolTip("Length of the longer side of the output")
        self.scale_combo = QComboBox()
        self.scale_combo.addItem("Nearest (crisp pixels)", "nearest")
        self.scale_combo.addItem("Smooth", "smooth")
        self.sheet_check = QCheckBox("Also save a contact sheet of")
        self.sheet_spin = QSpinBox()
        self.sheet_spin.setRange(2, 100)
        self.sheet_spin.setValue(12)
        self.sheet_spin.setSuffix(" frames")
        sheet_row = QHBoxLayout()
        sheet_row.addWidget(self.sheet_check)
        sheet_row.addWidget(self.sheet_spin)
        sheet_row.addStretch(1)
        form = QFormLayout()
        form.addRow("Format", self.format_combo)
        form.addRow("File", path_row)
        form.addRow("Frame rate", self.fps_spin)
        form.addRow("Size", self.size_combo)
        form.addRow("Scaling", self.scale_combo)
        form.addRow("", sheet_row)
        self.side_check = QCheckBox(f"Side by side with model B ({compare_name})")
        self.side_check.setChecked(compare_name is not None)
        self.side_check.setVisible(compare_name is not None)
        self.side_check.setToolTip("Each frame shows the main model's image beside the "
                                   "comparison model's for the same latent")
        form.addRow("", self.side_check)
        self.map_check = QCheckBox("Map beside the output")
        self.map_check.setToolTip("Each frame shows the map as it is now, with the path and a "
                                  "marker at the frame's place on it, left of the image")
        self.map_kind = QComboBox()
        self.map_kind.addItem("2-D map as shown", "2d")
        self.map_kind.addItem("3-D map, turning once", "3d")
        if not map_3d_available:
            item = self.map_kind.model().item(1)  # type: ignore[attr-defined]
            item.setEnabled(False)
            item.setToolTip("Open the 3-D view (toolbar, 3) to make a 3-D map first")
        self.map_kind.setToolTip(
            "The 2-D map as the window shows it, or the 3-D map (as the 3-D view shows it: "
            "colours, hidden classes, camera) turning once round while the path plays"
            + ("" if map_3d_available else "; the 3-D map needs the 3-D view opened first"))
        self.map_kind.setEnabled(False)
        self.map_check.toggled.connect(self.map_kind.setEnabled)
        map_row = QHBoxLayout()
        map_row.addWidget(self.map_check)
        map_row.addWidget(self.map_kind)
        map_row.addStretch(1)
        form.addRow("", map_row)
        self.summary = QLabel(f"{frame_count} frames")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.export_button = buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self.format_combo.currentIndexChanged.connect(self._on_format_changed)

    def _on_format_changed(self, index: int) -> None:
        suffix = FORMATS[str(self.format_combo.itemData(index))][1]
        path = Path(self.path_edit.text())
        stem = path.with_suffix("") if path.suffix else path
        self.path_edit.setText(str(stem) + suffix)

    def _browse(self) -> None:
        key = str(self.format_combo.currentData())
        name, suffix = FORMATS[key]
        if key == "frames":
            path, _ = QFileDialog.getSaveFileName(self, "Export frames to folder",
                                                  self.path_edit.text())
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Export path", self.path_edit.text(),
                                                  f"{name} (*{suffix})")
        if path:
            self.path_edit.setText(path)

    def settings(self) -> ExportSettings:
        """The chosen settings."""
        return ExportSettings(
            out=Path(self.path_edit.text()).expanduser(),
            fps=float(self.fps_spin.value()),
            size=int(self.size_combo.currentData()),
            scale_mode=str(self.scale_combo.currentData()),
            sheet=int(self.sheet_spin.value()) if self.sheet_check.isChecked() else 0,
            # isHidden, not isVisible: after exec() the whole dialog is invisible.
            side_by_side=self.side_check.isChecked() and not self.side_check.isHidden(),
            map_beside=self.map_check.isChecked(),
            map_3d=self.map_check.isChecked() and self.map_kind.currentData() == "3d",
        )
