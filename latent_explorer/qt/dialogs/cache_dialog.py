"""File > Image Cache: where resized photos are kept, how much room they take, the size limit,
what else the cache folder keeps (computed latents, maps, decoders), and a button that clears
them (after asking)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.compute.cached_results import clear_results, results_usage
from latent_explorer.core.datasets.image_cache_folder import (
    cache_usage,
    clear_image_cache,
    images_folder,
    trim_image_cache,
)
from latent_explorer.core.datasets.image_cache_limit import (
    LIMIT_ENV,
    LIMIT_SETTING,
    format_size,
    image_cache_limit,
)
from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.settings_file import settings_path

GIB = float(1 << 30)
EXPLANATION = (
    "Folders and zip archives of images opened at a chosen size are kept here, resized, so "
    "they open at once the next time. When a new one is added, those used longest ago are "
    "removed until the rest fits the limit; folders open now are always kept. Removing them "
    "only costs time: a folder is decoded again when it is next opened.")


def apply_stored_limit(settings: QSettings) -> None:
    """Make this process use the limit stored in ``settings``.

    The app's own settings file is read directly wherever the cache is written (so a limit
    changed by ``latent-explorer cache --limit`` applies at once); a window whose settings
    live elsewhere (tests, benchmarks) hands its value over.
    """
    from latent_explorer.core.datasets.image_cache_limit import set_image_cache_limit

    if Path(settings.fileName()).resolve() == settings_path().resolve():
        set_image_cache_limit(None)
        return
    stored = settings.value(LIMIT_SETTING)
    try:
        set_image_cache_limit(None if stored in (None, "") else int(str(stored)))
    except ValueError:
        set_image_cache_limit(None)


def _plural(count: int) -> str:
    return f"{count:,} cached folder{'s' if count != 1 else ''}"


def _results(count: int) -> str:
    return f"{count:,} computed result{'s' if count != 1 else ''}"


class QtImageCacheDialog(QDialog):
    """The image cache: its folder, what it holds, its limit (GiB) and Clear Cache.

    Parameters
    ----------
    settings
        Where the limit is remembered.
    cache_root
        The app's cache folder (the image cache is its ``images`` sub-folder).
    """

    def __init__(self, settings: QSettings, cache_root: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Image Cache")
        self.settings = settings
        self.cache_root = Path(cache_root)
        self.folder = images_folder(cache_root)
        self.confirm_box: QMessageBox | None = None
        """The open "Clear the image cache?" question, if any."""
        self._shown_limit = -1.0

        about = QLabel(EXPLANATION)
        about.setWordWrap(True)
        self.folder_label = QLabel(str(self.folder))
        self.folder_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.usage_label = QLabel()
        self.results_label = QLabel()
        self.results_label.setToolTip(
            "Latents of a dataset under a model, maps, and decoders exported for ONNX Runtime, "
            f"kept in {self.cache_root} so that reopening is quick. Small beside the images, "
            "they are not counted in the limit; Clear Cache removes them too.")
        self.results_label.setWordWrap(True)
        self.limit_box = QDoubleSpinBox()
        self.limit_box.setRange(0.0, 100_000.0)
        self.limit_box.setDecimals(1)
        self.limit_box.setSuffix(" GiB")
        self.limit_box.setSpecialValueText("none: keep only folders open now")
        self.limit_box.setMinimumWidth(260)
        self.limit_box.setKeyboardTracking(False)
        self.limit_box.setToolTip("Folders used longest ago are removed beyond this size "
                                  "(applied when you press Enter or leave the field)")
        self.limit_box.editingFinished.connect(self._on_limit_edited)
        self.limit_note = QLabel()
        self.limit_note.setWordWrap(True)
        self.status_label = QLabel()
        self.status_label.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Folder:", self.folder_label)
        form.addRow("Holds:", self.usage_label)
        form.addRow("Also kept:", self.results_label)
        limit_row = QHBoxLayout()
        limit_row.addWidget(self.limit_box)
        limit_row.addStretch(1)
        form.addRow("Limit:", limit_row)
        form.addRow("", self.limit_note)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        self.clear_button = QPushButton("C&lear Cache...")
        self.clear_button.setAutoDefault(False)
        self.clear_button.clicked.connect(self.ask_to_clear)
        buttons.addButton(self.clear_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout = QVBoxLayout(self)
        layout.addWidget(about)
        layout.addLayout(form)
        layout.addWidget(self.status_label)
        layout.addWidget(buttons)
        self.resize(560, self.sizeHint().height())
        self.refresh()

    def refresh(self) -> None:
        """Show what the cache holds now and the limit in force."""
        usage = cache_usage(self.folder)
        held = f"{_plural(usage.entries)}, {format_size(usage.size)}"
        if usage.in_use:
            held += f" ({usage.in_use:,} open now, kept)"
        self.usage_label.setText(held)
        results = results_usage(self.cache_root)
        self.results_label.setText(
            f"{_results(results.files)}, {format_size(results.size)} (latents, maps, "
            "decoders; outside the limit)")
        self.clear_button.setEnabled(usage.entries > usage.in_use or results.files > 0)
        try:
            limit = image_cache_limit()
        except LatentExplorerError as exc:
            self.limit_box.setEnabled(False)
            self.limit_note.setText(f"{exc}; nothing is removed until it is fixed.")
            return
        self.limit_box.blockSignals(True)
        self.limit_box.setValue(limit.size / GIB)
        self.limit_box.blockSignals(False)
        self._shown_limit = self.limit_box.value()
        from_env = limit.source == "environment"
        self.limit_box.setEnabled(not from_env)
        self.limit_note.setText(f"Set by {LIMIT_ENV}; unset it to choose here." if from_env
                                else "The default is 10 GiB." if limit.source == "default"
                                else "")

    def _on_limit_edited(self) -> None:
        value = self.limit_box.value()
        if value == self._shown_limit:  # focus left the field without a change
            return
        size = round(value * GIB)
        self.settings.setValue(LIMIT_SETTING, size)
        self.settings.sync()
        apply_stored_limit(self.settings)
        report = trim_image_cache(self.folder, size)
        self.status_label.setText(
            f"Limit set to {format_size(size)}." + (
                f" Removed {_plural(report.removed)} used longest ago "
                f"({format_size(report.freed)})." if report.removed else ""))
        self.refresh()

    def ask_to_clear(self) -> None:
        """Ask whether to remove every cached folder that is not open now, and the computed
        results; clear on Yes."""
        usage = cache_usage(self.folder)
        results = results_usage(self.cache_root)
        free = usage.entries - usage.in_use
        box = QMessageBox(
            QMessageBox.Icon.Question, "Clear the image cache?",
            f"Remove {_plural(free)} from the image cache "
            f"({format_size(usage.size - usage.in_use_size)})"
            + (f" and {_results(results.files)} ({format_size(results.size)})"
               if results.files else "")
            + "? Folders are decoded again and results computed again when next needed, "
            "which takes longer the first time."
            + (f" The {usage.in_use:,} open now {'is' if usage.in_use == 1 else 'are'} kept."
               if usage.in_use else ""),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, self)
        box.setDefaultButton(QMessageBox.StandardButton.No)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: int) -> None:
            self.confirm_box = None
            if button == QMessageBox.StandardButton.Yes:
                self.clear()

        box.finished.connect(answered)
        self.confirm_box = box
        box.show()

    def clear(self) -> None:
        """Remove every cached folder that no running window or command has open, and every
        computed result (read whole when used, so a running window keeps its own)."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)  # big files take a moment
        try:
            report = clear_image_cache(self.folder)
            files, freed = clear_results(self.cache_root)
        finally:
            QApplication.restoreOverrideCursor()
        kept = report.usage.in_use
        self.status_label.setText(
            f"Removed {_plural(report.removed)} ({format_size(report.freed)})"
            + (f" and {_results(files)} ({format_size(freed)})" if files else "") + "."
            + (f" Kept {kept:,} open now." if kept else ""))
        self.refresh()
