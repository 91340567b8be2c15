"""The Open Model dialog: say what a file is, how to call it, preview it, save a model card.

The user picks a file; the dialog says in plain words what kind of model it is, fills in what
the file states (latent shape, output range, ...), and shows a row of images decoded from
random latents with the current settings, refreshed shortly after each change. Kinds that run
code (adapter files, pickled modules, TorchScript archives, weights with an adapter) stay
untouched until the user ticks "I trust this file"; the trust is made at that tick, for the
file's content (and the Python files beside it) at that moment, and the preview and Open use
it: content changed afterwards is refused and asked about again. Accepting writes the settings
as a model card beside the checkpoint, so :meth:`QtOpenModelDialog.result_spec` reopens the
model in one step, in the window or with ``--model`` on the command line. Everything slow runs
on one worker thread.
"""

from __future__ import annotations

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
from latent_explorer.core.models.calibration import COUNT
from latent_explorer.core.models.card import ModelOptions
from latent_explorer.core.models.detect import (
    Detection,
    ModelKind,
    adapter_options,
    can_write_beside,
    default_card_path,
    detect_model,
    needs_card,
    open_with_options,
)
from latent_explorer.core.models.preview import (
    ModelPreview,
    decode_preview,
    found_options,
    spread_images,
)
from latent_explorer.core.models.trust import TrustChanged, TrustGrant
from latent_explorer.core.models.trust_check import grant_for_file
from latent_explorer.qt.dialogs.card_writer import ask_replace, fallback_card_path, write_card
from latent_explorer.qt.dialogs.model_options_form import QtModelOptionsForm, row_of
from latent_explorer.qt.dialogs.preview_strip import QtPreviewStrip
from latent_explorer.qt.dialogs.preview_worker import PreviewWorker

_MODEL_PATTERNS = "*.json *.safetensors *.pt *.pth *.ckpt *.bin *.ts *.pkl"
MODEL_FILTER = f"Models ({_MODEL_PATTERNS} *.py);;All files (*)"
"""File-dialog filter of every model file the app opens (adapters ``.py`` included)."""
WEIGHTS_FILTER = f"Models ({_MODEL_PATTERNS});;All files (*)"
"""The same without Python files (A/B comparison, where a second model is a checkpoint)."""
PREVIEW_COUNT = 8
PREVIEW_SEED = 0
DEBOUNCE_MS = 250
TRUST_WARNING = ("Opening this file runs its Python code with your permissions: it can read, "
                 "change or delete your files. Only tick the box if you trust where it came "
                 "from.")
_ERROR_STYLE = "color: #d0342c;"
_WARNING_STYLE = "color: #b35c00; font-weight: bold;"


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
        self._grant: TrustGrant | None = None
        """The trust made when "I trust this file" was ticked (``None``: not ticked)."""
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
        self.path_edit.setPlaceholderText(
            "A model file: .pt, .pth, .ckpt, .ts, .pkl, .py, .json ...")
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
        self.preview_box = preview_box = QGroupBox("Preview (random latents from the prior)")
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
        # Room the rows do not need (a known family hides the trust and adapter rows) goes
        # here, not into bands around the path and the description.
        layout.addStretch(1)
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
        self.trust_check.toggled.connect(self._on_trust_toggled)
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

    def trust_code(self) -> TrustGrant | None:
        """The user's trust in the file whose code runs, as it was when "I trust this file"
        was ticked (pass it on to ``load_model``); ``None`` when not ticked."""
        if self.detection and self.detection.runs_code and self.trust_check.isChecked():
            return self._grant
        return None

    def busy(self) -> bool:
        """Whether a detection or preview is still to come for the current settings."""
        return (self._state in ("detecting", "granting", "running")
                or self._debounce.isActive())

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
        """Fill the settings still blank from the adapter's constants (read, not run).

        The trust ticked was for the adapter chosen then: another one is asked about anew.
        """
        if self.trust_check.isChecked():
            self.trust_check.setChecked(False)
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

    def _on_trust_toggled(self, checked: bool) -> None:
        """Make the trust at the tick, on the worker (reading a large file takes a while)."""
        self._grant = None
        code = self._code_file()
        if not checked or self.detection is None or code is None:
            self._on_options_changed()
            return
        self._debounce.stop()
        self._state = "granting"
        self.status_label.setStyleSheet("")
        self.status_label.setText(f"Reading {code.name}...")
        self._job = self._worker.submit(lambda: grant_for_file(code))
        self._update_ok()

    def _code_file(self) -> Path | None:
        """The file whose code runs: the adapter of weights alone, else the model file."""
        if self.detection is None:
            return None
        if self.detection.model_kind is ModelKind.STATE_DICT:
            return self.adapter_path()
        return self.detection.checkpoint

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
        if self._state == "granting":
            if status == "ok" and isinstance(value, TrustGrant):
                self._grant = value
                self._start_preview()
            else:
                self._state = "error"
                self._show_error(str(value))
            return
        if status == "ok" and isinstance(value, TrustChanged):
            self._untrust(value)
        elif status == "ok":
            assert isinstance(value, ModelPreview)
            self._state = "ok"
            self._fill_found(value)
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
        self._grant = None
        self.adapter_edit.setText(str(detection.adapter) if detection.adapter else "")
        for widget in (self.trust_check, self.adapter_edit):
            widget.blockSignals(False)

    def _fallback_card_path(self, detection: Detection) -> Path:
        return fallback_card_path(self._fallback, detection)

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
        adapter = self.adapter_path()
        if detection.model_kind is ModelKind.STATE_DICT and adapter is None:
            self._state = "untrusted"
            self._show_preview(None, "Choose the Python adapter file that builds the network.")
            return
        if detection.runs_code and (not self.trust_check.isChecked() or self._grant is None):
            self._state = "untrusted"
            self._show_preview(None, "Tick 'I trust this file' to run it and see a preview.")
            return
        try:
            options = self.options()
        except ValueError as exc:
            self._state = "error"
            self._show_error(str(exc))
            return
        label = self.options_box.preview_class()
        trust = self.trust_code()
        key = (options, adapter, detection, trust)
        dataset = self._dataset
        images = spread_images(dataset, PREVIEW_COUNT) if dataset is not None else None
        # Tried on the images the window tries it on (the first few), so both decide alike.
        tried = dataset.float_batch(0, min(COUNT, len(dataset))) if dataset is not None \
            and len(dataset) else None
        name = dataset.name if dataset is not None else ""

        def job() -> ModelPreview | TrustChanged:
            # Runs on the worker: reload only when the settings changed, not the class.
            if self._cache is not None and self._cache[0] == key:
                model = self._cache[1]
            else:
                self._cache = None
                try:
                    model = open_with_options(detection, options, trust_code=trust,
                                              adapter=adapter, sample_images=tried)
                except TrustChanged as exc:  # changed since the tick: ask again
                    return exc
                self._cache = (key, model)
            preview = decode_preview(model, detection.checkpoint, count=PREVIEW_COUNT,
                                     seed=PREVIEW_SEED, label=label, options=options,
                                     images=images, images_name=name)
            own = preview.images.astype(np.float32) / 255.0
            verdict = encoder_verdict(model, dataset, own)  # tried, never assumed
            return replace(preview, encoder_check=verdict,
                           found=found_options(model))  # fmt: skip

        self._state = "running"
        self.status_label.setStyleSheet("")
        self.status_label.setText("Decoding a preview...")
        self._job = self._worker.submit(job)
        self._update_ok()

    def _untrust(self, changed: TrustChanged) -> None:
        """The file (or code beside it) changed since the tick: untick, and say so."""
        self.trust_check.blockSignals(True)
        self.trust_check.setChecked(False)
        self.trust_check.blockSignals(False)
        self._grant = None
        self._cache = None
        self._state = "untrusted"
        self._show_preview(None, f"{changed.changed} changed since you ticked 'I trust this "
                                 "file'; nothing of it ran. Tick it again if you trust it as "
                                 "it is now.")

    def _fill_found(self, preview: ModelPreview) -> None:
        """Show what trying the model found where the fields leave it to the file; the card
        written on Open states it (:meth:`card_options`)."""
        self.options_box.fill_latent_shape(preview.latent_shape)
        fixed = self.detection is not None and self.detection.fixed_settings
        self.options_box.show_found(None if fixed else preview.found)  # a family states all

    def card_options(self) -> ModelOptions:
        """The settings a card written now states: as entered, then as found by trying the
        model (the ranges of its output and of its encoder's input ...)."""
        options = self.options()
        found = self.preview.found if self.preview is not None else None
        return options.over(found) if found is not None else options

    def _show_preview(self, preview: ModelPreview | None, message: str = "") -> None:
        self.preview = preview
        self.error = ""
        self.preview_box.setTitle(preview.title() if preview is not None else
                                  ModelPreview.title_for(""))
        if preview is None:
            self.options_box.show_found(None)
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
        options = self.card_options()
        if not needs_card(detection, options):
            self._result_spec = self._path_text  # the spec as given: a folder stays a folder
        else:
            written = self._write_card(detection, options)
            if written is None:
                return
            self._result_spec = str(written)
        super().accept()

    def confirm_replace(self, card: Path, owner: str) -> bool:
        """Ask whether the card ``card``, written for the file ``owner``, may be replaced."""
        name = self.detection.checkpoint.name if self.detection else "this file"
        return ask_replace(self, card, owner, name)

    def _write_card(self, detection: Detection, options: ModelOptions) -> Path | None:
        target = self._card_path or default_card_path(detection)
        result = write_card(detection, options, target, self.adapter_path(),
                            self._fallback_card_path(detection), self.confirm_replace)
        if result.notice:
            self.notice = result.notice
        if result.refused:
            self.error = result.error  # the preview stays: choose another place
            self._show_card_destination()
        elif result.error:
            self._show_error(result.error)
        return result.path

    def done(self, result: int) -> None:
        """Close with ``result`` (accept, reject, Esc, the window's close button all end here)."""
        self.shutdown()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.shutdown()
        super().closeEvent(event)

