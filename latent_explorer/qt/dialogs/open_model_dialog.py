"""The Open Model dialog: say what a file is, how to call it, preview it, save a model card.

The user picks a file; the dialog says in plain words what kind of model it is, fills in what
the file states (latent shape, output range, ...), and shows a row of images decoded from
random latents with the current settings, refreshed shortly after each change. Kinds that run
code (adapter files, pickled modules, weights with an adapter) stay untouched until the user
ticks "I trust this file". Accepting writes the settings as a model card beside the checkpoint,
so :meth:`QtOpenModelDialog.result_spec` reopens the model in one step, in the window or with
``--model`` on the command line. Everything slow runs on one worker thread.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from latent_explorer.core.compute.encoding import encoder_verdict
from latent_explorer.core.datasets.base import Dataset
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.models.card import ModelOptions
from latent_explorer.core.models.detect import (
    Detection,
    ModelKind,
    ModelPreview,
    adapter_options,
    can_write_beside,
    decode_preview,
    default_card_path,
    detect_model,
    needs_card,
    open_with_options,
    save_card,
)
from latent_explorer.qt.dialogs.model_options_form import QtModelOptionsForm, row_of
from latent_explorer.qt.dialogs.preview_strip import QtPreviewStrip
from latent_explorer.qt.dialogs.preview_worker import PreviewWorker

_MODEL_PATTERNS = "*.json *.safetensors *.pt *.pth *.ckpt *.bin *.ts"
MODEL_FILTER = f"Models ({_MODEL_PATTERNS} *.py);;All files (*)"
"""File-dialog filter of every model file the app opens (adapters ``.py`` included)."""
WEIGHTS_FILTER = f"Models ({_MODEL_PATTERNS});;All files (*)"
"""The same without code files, for places that never ask to trust one (A/B comparison)."""
PREVIEW_COUNT = 8
PREVIEW_SEED = 0
DEBOUNCE_MS = 250
TRUST_WARNING = ("Opening this file runs its Python code with your permissions: it can read, "
                 "change or delete your files. Only tick the box if you trust where it came "
                 "from.")
_ERROR_STYLE = "color: #d0342c;"
_WARNING_STYLE = "color: #b35c00; font-weight: bold;"


def default_fallback_folder() -> Path:
    """Where cards go when the checkpoint's folder cannot be written: the config folder
    (``$LATENT_EXPLORER_CONFIG``)."""
    from latent_explorer.core.settings_file import default_config_dir

    return default_config_dir() / "model-cards"


class QtOpenModelDialog(QDialog):
    """Asks which model file to open and how to call it, with a live preview.

    Parameters
    ----------
    path
        The file to start with (``None``: the user picks one with Browse...).
    parent
        The parent widget.
    fallback_folder
        Where model cards go when the checkpoint's folder is read-only (default: the user's
        config folder).
    dataset
        The dataset the window shows: the preview tries the model's encoder on one of its
        images before saying it can encode it (without one: on a decoded image).
    """

    detected = Signal(object)
    """The :class:`Detection` of a newly chosen file. Emitted on the GUI thread."""
    preview_updated = Signal()
    """A preview or an error is shown for the current settings. Emitted on the GUI thread."""

    def __init__(self, path: str | None = None, parent: QWidget | None = None, *,
                 fallback_folder: str | Path | None = None, dataset: Dataset | None = None
                 ) -> None:
        super().__init__(parent)
        self._dataset = dataset
        self.setWindowTitle("Open model")
        self.detection: Detection | None = None
        self.preview: ModelPreview | None = None
        self.error = ""
        self.notice = ""
        self._fallback = Path(fallback_folder) if fallback_folder else None
        self._card_path: Path | None = None
        self._path_text = ""
        self._result_spec = ""
        self._state = "idle"
        self._job = 0
        self._cache: tuple[Any, GenerativeModel] | None = None  # touched on the worker only
        self._worker = PreviewWorker(self)
        self._worker.finished.connect(self._on_job_finished)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._start_preview)
        self._build()
        self._connect()
        self._update_ok()
        if path:
            self.set_path(path)

    # --- construction ---------------------------------------------------------------------
    def _build(self) -> None:
        self.path_edit = QLineEdit()
        self.path_edit.setPlaceholderText("A model file: .pt, .pth, .ckpt, .ts, .py, .json ...")
        self.browse_button = QPushButton("Browse...")
        self.kind_label = QLabel("Choose a model file.")
        self.kind_label.setWordWrap(True)
        self.warning_label = QLabel(TRUST_WARNING)
        self.warning_label.setWordWrap(True)
        self.warning_label.setStyleSheet(_WARNING_STYLE)
        self.trust_check = QCheckBox("I trust this file")
        self.adapter_edit = QLineEdit()
        self.adapter_edit.setPlaceholderText("The .py file that builds the network")
        self.adapter_button = QPushButton("Browse...")
        self.adapter_row = row_of(QLabel("Network code:"), self.adapter_edit,
                                  self.adapter_button)

        self.options_box = QtModelOptionsForm()
        f = self.options_box  # its fields, also under the names the dialog always gave them
        self.name_edit, self.latent_edit, self.size_edit = f.name_edit, f.latent_edit, f.size_edit
        self.index_edit, self.classes_spin, self.class_spin = (f.index_edit, f.classes_spin,
                                                               f.class_spin)
        self.range_combo, self.channels_combo = f.range_combo, f.channels_combo
        self.encoder_range_combo = f.encoder_range_combo

        self.strip = QtPreviewStrip(PREVIEW_COUNT)
        self.status_label = QLabel("")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        preview_box = QGroupBox("Preview (random latents from the prior)")
        preview_layout = QVBoxLayout(preview_box)
        preview_layout.addWidget(self.strip)
        preview_layout.addWidget(self.status_label)

        self.card_label = QLabel("")
        self.card_label.setWordWrap(True)
        self.card_button = QPushButton("Change...")
        self.card_row = row_of(self.card_label, self.card_button)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Open")

        layout = QVBoxLayout(self)
        layout.addWidget(row_of(QLabel("File:"), self.path_edit, self.browse_button))
        layout.addWidget(self.kind_label)
        layout.addWidget(self.warning_label)
        layout.addWidget(self.trust_check)
        layout.addWidget(self.adapter_row)
        layout.addWidget(self.options_box)
        layout.addWidget(preview_box)
        layout.addWidget(self.card_row)
        layout.addWidget(self.buttons)
        for widget in (self.warning_label, self.trust_check, self.adapter_row, self.card_row):
            widget.hide()
        self.resize(720, 640)

    def _connect(self) -> None:
        self.browse_button.clicked.connect(self._browse)
        self.path_edit.editingFinished.connect(self._on_path_edited)
        self.adapter_button.clicked.connect(self._browse_adapter)
        self.adapter_edit.textChanged.connect(self._on_adapter_changed)
        self.card_button.clicked.connect(self._choose_card_path)
        self.trust_check.toggled.connect(self._on_options_changed)
        self.options_box.changed.connect(self._on_options_changed)
        self.adapter_edit.textChanged.connect(self._on_options_changed)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

    # --- public API -----------------------------------------------------------------------
    def set_path(self, path: str | Path) -> None:
        """Look at ``path`` (in the background) and fill in what it says about itself."""
        text = str(path)
        self._path_text = text
        if self.path_edit.text() != text:
            self.path_edit.setText(text)
        self.detection = None
        self._show_preview(None)
        self._cache = None
        self.kind_label.setText(f"Looking at {Path(text).name}...")
        for widget in (self.warning_label, self.trust_check, self.adapter_row, self.card_row):
            widget.hide()
        self._state = "detecting"
        self._debounce.stop()
        self._job = self._worker.submit(lambda: detect_model(text))
        self._update_ok()

    def options(self) -> ModelOptions:
        """The settings as entered. Raises ``ValueError`` naming the field that is wrong."""
        base = self.detection.options if self.detection else ModelOptions()
        return self.options_box.options(base)

    def adapter_path(self) -> Path | None:
        """The adapter file chosen for a weights-only checkpoint (``None``: none)."""
        text = self.adapter_edit.text().strip()
        return Path(text).expanduser() if text else None

    def card_path(self) -> Path | None:
        """Where accepting will write the model card (``None``: no card needed)."""
        return self._card_path

    def result_spec(self) -> str:
        """What to open after the dialog was accepted: the card written, or the file itself."""
        return self._result_spec

    def trust_code(self) -> bool:
        """Whether the user trusted the file's code (pass it on to ``load_model``)."""
        return bool(self.detection and self.detection.runs_code and self.trust_check.isChecked())

    def busy(self) -> bool:
        """Whether a detection or preview is still to come for the current settings."""
        return self._state in ("detecting", "running") or self._debounce.isActive()

    def shutdown(self) -> None:
        """Stop the worker thread (called when the dialog closes)."""
        self._debounce.stop()
        self._worker.close()
        self._cache = None

    # --- slots ----------------------------------------------------------------------------
    def browse(self) -> None:
        """Ask for a model file with a file dialog and look at it (Cancel keeps the current)."""
        self._browse()

    def _browse(self) -> None:
        start = str(Path(self.path_edit.text()).parent) if self.path_edit.text() else ""
        path, _ = QFileDialog.getOpenFileName(self, "Open model", start, MODEL_FILTER)
        if path:
            self.set_path(path)

    def _on_path_edited(self) -> None:
        text = self.path_edit.text().strip()
        if text and text != self._path_text:
            self.set_path(text)

    def _browse_adapter(self) -> None:
        start = str(self.detection.path.parent) if self.detection else ""
        path, _ = QFileDialog.getOpenFileName(self, "Network code (adapter file)", start,
                                              "Python files (*.py);;All files (*)")
        if path:
            self.adapter_edit.setText(path)

    def _on_adapter_changed(self, text: str) -> None:
        """Fill the settings still blank from the adapter's constants (read, not run)."""
        path = Path(text.strip()).expanduser()
        if self.detection is None or not text.strip() or not path.is_file():
            return
        stated = adapter_options(path)
        current = self.options_or_none()
        if current is None:
            return
        merged = current.over(stated)
        if merged != current:
            self.options_box.fill(merged)

    def options_or_none(self) -> ModelOptions | None:
        """:meth:`options`, or ``None`` while a field cannot be read."""
        try:
            return self.options()
        except ValueError:
            return None

    def _choose_card_path(self) -> None:
        start = str(self._card_path) if self._card_path else ""
        path, _ = QFileDialog.getSaveFileName(self, "Save the model card as", start,
                                              "Model cards (*.card.json *.json)")
        if path:
            self._card_path = Path(path)
            self.notice = ""
            self._show_card_destination()

    def _on_options_changed(self, *_: object) -> None:
        if self.detection is None:
            return
        self._state = "waiting"
        self._debounce.start()
        self._update_ok()

    def _on_job_finished(self, job: int, status: str, value: object) -> None:
        if job != self._job:
            return
        if self._state == "detecting":
            if status == "ok" and isinstance(value, Detection):
                self._on_detected(value)
            else:
                self._state = "error"
                self._show_error(str(value))
            return
        if status == "ok":
            assert isinstance(value, ModelPreview)
            self._state = "ok"
            self.options_box.fill_latent_shape(value.latent_shape)
            self._show_preview(value)
        else:
            self._state = "error"
            self._show_error(self._name_file(str(value)))

    # --- detection ------------------------------------------------------------------------
    def _on_detected(self, detection: Detection) -> None:
        self.detection = detection
        self.kind_label.setText(detection.summary or "Not a model file.")
        self._fill(detection)
        code = detection.runs_code
        self.warning_label.setVisible(code)
        self.trust_check.setVisible(code)
        self.adapter_row.setVisible(detection.model_kind is ModelKind.STATE_DICT)
        self.options_box.setEnabled(not detection.fixed_settings and not detection.problem)
        self._card_path = None
        if not detection.problem and not detection.fixed_settings:
            self._card_path = default_card_path(detection)
            if not can_write_beside(self._card_path):
                self._card_path = self._fallback_card_path(detection)
                self.notice = (f"The folder of {detection.path.name} cannot be written to, so "
                               f"the model card is saved in {self._card_path.parent}.")
        self.detected.emit(detection)
        self._show_card_destination()
        if detection.problem:
            self._state = "error"
            self._show_error(detection.problem)
            return
        self._start_preview()

    def _fill(self, detection: Detection) -> None:
        self.options_box.fill(detection.options)
        for widget in (self.trust_check, self.adapter_edit):
            widget.blockSignals(True)
        self.trust_check.setChecked(False)
        self.adapter_edit.setText(str(detection.adapter) if detection.adapter else "")
        for widget in (self.trust_check, self.adapter_edit):
            widget.blockSignals(False)

    def _fallback_card_path(self, detection: Detection) -> Path:
        folder = self._fallback or default_fallback_folder()
        checkpoint = detection.checkpoint.resolve()
        digest = hashlib.sha256(str(checkpoint).encode()).hexdigest()[:8]
        return folder / f"{checkpoint.stem}-{digest}.card.json"

    def _show_card_destination(self) -> None:
        if self._card_path is None:
            self.card_row.hide()
            return
        text = f"Open saves these settings as a model card: {self._card_path}"
        self.card_label.setText(f"{text}\n{self.notice}" if self.notice else text)
        self.card_row.show()

    # --- preview --------------------------------------------------------------------------
    def _start_preview(self) -> None:
        self._debounce.stop()
        detection = self.detection
        if detection is None or detection.problem:
            return
        if detection.runs_code and not self.trust_check.isChecked():
            self._state = "untrusted"
            self._show_preview(None, "Tick 'I trust this file' to run it and see a preview.")
            return
        adapter = self.adapter_path()
        if detection.model_kind is ModelKind.STATE_DICT and adapter is None:
            self._state = "untrusted"
            self._show_preview(None, "Choose the Python adapter file that builds the network.")
            return
        try:
            options = self.options()
        except ValueError as exc:
            self._state = "error"
            self._show_error(str(exc))
            return
        label = self.options_box.preview_class()
        key = (options, adapter, detection)
        trust = self.trust_code()

        def job() -> ModelPreview:
            # Runs on the worker: reload only when the settings changed, not the class.
            if self._cache is not None and self._cache[0] == key:
                model = self._cache[1]
            else:
                self._cache = None
                model = open_with_options(detection, options, trust_code=trust, adapter=adapter)
                self._cache = (key, model)
            preview = decode_preview(model, detection.checkpoint, count=PREVIEW_COUNT,
                                     seed=PREVIEW_SEED, label=label, options=options)
            own = preview.images.astype(np.float32) / 255.0
            verdict = encoder_verdict(model, self._dataset, own)  # tried, never assumed
            return replace(preview, encoder_check=verdict)

        self._state = "running"
        self.status_label.setStyleSheet("")
        self.status_label.setText("Decoding a preview...")
        self._job = self._worker.submit(job)
        self._update_ok()

    def _show_preview(self, preview: ModelPreview | None, message: str = "") -> None:
        self.preview = preview
        self.error = ""
        self.strip.set_images(None if preview is None else preview.images)
        self.status_label.setStyleSheet("")
        self.status_label.setText(preview.describe() if preview is not None else message)
        self._update_ok()
        if preview is not None or message:
            self.preview_updated.emit()

    def _show_error(self, message: str) -> None:
        self.preview = None
        self.error = message
        self.strip.clear()
        shown = message if len(message) < 900 else message[:900] + " ..."
        self.status_label.setStyleSheet(_ERROR_STYLE)
        self.status_label.setText(shown)
        self.status_label.setToolTip(message)
        self._update_ok()
        self.preview_updated.emit()

    def _name_file(self, message: str) -> str:
        """Make sure an error message names the file (the worker may get bare messages)."""
        if self.detection is None or str(self.detection.checkpoint) in message:
            text = message
        else:
            text = f"{self.detection.checkpoint}: {message}"
        if "--latent-shape" in text:
            text += "\nEnter it under 'Latent shape' above."
        return text

    def _update_ok(self) -> None:
        ready = self._state == "ok" and self.preview is not None and not self.busy()
        self.ok_button.setEnabled(ready)

    # --- closing --------------------------------------------------------------------------
    def accept(self) -> None:
        """Write the model card if one is needed, remember what to open, and close."""
        if self.detection is None or self.preview is None or self.busy():
            return
        detection = self.detection
        options = self.options()
        if not needs_card(detection, options):
            self._result_spec = self._path_text  # the spec as given: a folder stays a folder
        else:
            written = self._write_card(detection, options)
            if written is None:
                return
            self._result_spec = str(written)
        super().accept()

    def _write_card(self, detection: Detection, options: ModelOptions) -> Path | None:
        target = self._card_path or default_card_path(detection)
        adapter = self.adapter_path()
        try:
            return save_card(detection, options, target, adapter)
        except OSError as first:
            fallback = self._fallback_card_path(detection)
            if fallback == target:
                self._show_error(f"{target}: cannot write the model card ({first}). Choose "
                                 "another place with Change...")
                return None
            try:
                written = save_card(detection, options, fallback, adapter)
            except OSError as exc:
                self._show_error(f"{target}: cannot write the model card ({first}), nor in "
                                 f"{fallback.parent} ({exc}). Choose a place with Change...")
                return None
            self.notice = (f"Could not write {target.name} beside the model ({first}); the "
                           f"model card was saved as {written}.")
            return written

    def done(self, result: int) -> None:
        """Close with ``result`` (accept, reject, Esc, the window's close button all end here)."""
        self.shutdown()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

