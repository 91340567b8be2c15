"""Sessions in the window: save, open, autosave every few seconds, recover after a crash."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QByteArray, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.jobs import JobContext
from latent_explorer.core.session.autosave import RecoveryStore
from latent_explorer.core.session.data import (
    DatasetRef,
    ModelRef,
    ProjectionSettings,
    SessionData,
    SessionPath,
)
from latent_explorer.core.session.path_state import Anchor, PathState
from latent_explorer.core.session.references import relocate
from latent_explorer.core.session.store import load_session, save_session
from latent_explorer.qt.settings import LAYOUT_VERSION

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace
    from latent_explorer.qt.main_window import MainWindow

SESSION_FILTER = "Latent Explorer sessions (*.lxs);;All files (*)"
AUTOSAVE_MS = 3000


class SessionController(QObject):
    """Turns the window's state into a :class:`SessionData` and back."""

    restored = Signal(object)
    """A session was fully restored (its :class:`SessionData`). Emitted on the GUI thread."""
    saved = Signal(object)
    """A session file was written (its path). Emitted on the GUI thread."""

    def __init__(self, window: MainWindow, recovery: RecoveryStore | None) -> None:
        super().__init__(window)
        self.window = window
        self.recovery = recovery
        self.path: Path | None = None
        self.recovery_box: QMessageBox | None = None
        """The open "Restore your last session?" question (it does not block the window)."""
        self.timer = QTimer(self)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.autosave)
        if recovery is not None:
            self.timer.start()

    # --- snapshot -------------------------------------------------------------------------
    def snapshot(self) -> SessionData:
        """Everything the user made, as a :class:`SessionData`."""
        w = self.window
        ws = w.workspace
        dataset = DatasetRef("digits")
        model = ModelRef("demo")
        coords = None
        if ws is not None:
            dataset = DatasetRef(ws.dataset.source, w.dataset_labels, ws.dataset.fingerprint())
            # Trust is recorded only for the model opened under the user's grant for it, so
            # that restoring asks again (a session never carries trust to another file).
            trusted = w.model_trust is not None
            model = ModelRef(ws.model.source, trusted, ws.model.fingerprint())
            if ws.projector.params.method != "pca":
                coords = np.asarray(ws.projector.coords, dtype=np.float32)
        p = w.projection
        projection = ProjectionSettings(p.method, p.n_components, p.n_neighbors, p.min_dist,
                                        p.perplexity, p.seed, coords)
        e = w.explorer
        library = w.paths.library
        paths = [_to_session_path(path) for path in library.paths if path.anchors]
        active = library.active_index if library.active.anchors else None
        if active is not None:
            active = sum(1 for path in library.paths[:active] if path.anchors)
        # Keep only what fits the data shown now (a model with another latent size or a
        # smaller dataset may have been opened since these were made).
        dim = None if ws is None else ws.model.latent_dim
        count = None if ws is None else len(ws.dataset)
        bookmarks = [b for b in w.bookmarks.bookmarks if dim is None or len(b.latent) == dim]
        live_selections, live_attributes, colour_by = w.analysis.session_parts()
        attributes = [a for a in live_attributes if dim is None or len(a.vector) == dim]
        selections = [sel for sel in live_selections
                      if count is None or not len(sel.indices) or int(sel.indices.max()) < count]
        return SessionData(
            dataset=dataset, model=model, projection=projection,
            current_latent=None if e.current_latent is None else e.current_latent.copy(),
            probe_position=e.probe_position, selected_index=e.selected_index,
            hidden_labels=frozenset(e.hidden_labels), slider_basis=e.slider_basis,
            condition_label=e.condition_label, selections=selections,
            bookmarks=bookmarks, attributes=attributes, paths=paths,
            active_path=active, colour_by=colour_by,
            dock_state=base64.b64encode(bytes(w.saveState(LAYOUT_VERSION).data())).decode("ascii"),
            window_geometry=base64.b64encode(bytes(w.saveGeometry().data())).decode("ascii"))

    # --- files ----------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the session to ``path`` (atomically)."""
        target = save_session(path, self.snapshot())
        self.path = target
        self._update_title()
        self.window.statusBar().showMessage(f"Saved session {target}", 6000)
        self.saved.emit(target)
        return target

    def save_dialog(self, force_ask: bool = False) -> None:
        """Save to the current file, or ask where (Save As)."""
        if self.path is not None and not force_ask:
            self.save(self.path)
            return
        target, _ = QFileDialog.getSaveFileName(self.window, "Save session",
                                                str(Path.cwd() / "session.lxs"), SESSION_FILTER)
        if target:
            self.save(target if target.endswith(".lxs") else target + ".lxs")

    def open_dialog(self) -> None:
        """Ask for a session file and open it."""
        target, _ = QFileDialog.getOpenFileName(self.window, "Open session", "", SESSION_FILTER)
        if target:
            self.open_session(target)

    def open_session(self, path: str | Path) -> None:
        """Read a session file in the background (with progress; the window stays responsive)
        and restore it. If it cannot be read, the error is shown and the current state stays.
        """
        def job(ctx: JobContext) -> SessionData:
            return load_session(path, ctx)

        def done(session: SessionData) -> None:
            self.path = Path(path)
            self.restore(session)

        self.window.jobs.start(f"Opening session {Path(path).name}", job, done)

    # --- restore --------------------------------------------------------------------------
    def restore(self, session: SessionData) -> None:
        """Open the session's dataset and model, then put back everything the user made."""
        w = self.window
        trust = False
        if session.model.trust_code:
            # The file said the user trusted this model once; ask again rather than obey.
            answer = QMessageBox.warning(
                w, "This session's model runs code",
                f"{session.model.spec} runs Python code when opened. Open it?",
                QMessageBox.StandardButton.Open | QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Open:
                return
            trust = True
        spec = session.dataset.spec
        for ref, kind in ((session.dataset.spec, "dataset"), (session.model.spec, "model")):
            if _looks_like_path(ref) and not Path(ref).exists():
                new = self._ask_relocate(kind, ref)
                if new is None:
                    w.report_error(f"{ref}: the session's {kind} is missing; nothing was opened")
                    return
                session = relocate(session, ref, new)
        spec = session.dataset.spec
        w.projection.method = "pca"  # the saved map is put back once the data is open
        w.open(spec, session.model.spec, trust, session.dataset.labels,
               on_ready=lambda ws: self._apply(session, ws))

    def _ask_relocate(self, kind: str, spec: str) -> str | None:
        answer = QMessageBox.question(
            self.window, f"The {kind} has moved",
            f"The session's {kind} {spec} no longer exists. Locate it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return None
        target, _ = QFileDialog.getOpenFileName(self.window, f"Locate {kind}", "")
        return target or None

    def _apply(self, session: SessionData, ws: Workspace) -> None:
        w = self.window
        notes = []
        if session.dataset.fingerprint and session.dataset.fingerprint != ws.dataset.fingerprint():
            notes.append(f"{ws.dataset.name} has changed since the session was saved")
        if session.model.fingerprint and session.model.fingerprint != ws.model.fingerprint():
            notes.append(f"{ws.model.name} has changed since the session was saved")
        w.bookmarks.replace(session.bookmarks)
        w.analysis.restore_session(session)
        pr = session.projection
        p = w.projection
        p.n_components, p.n_neighbors, p.min_dist = pr.n_components, pr.n_neighbors, pr.min_dist
        p.perplexity, p.seed, p.method = pr.perplexity, pr.seed, pr.method
        if pr.method != "pca":
            if pr.coords is not None and len(pr.coords) == len(ws.latents):
                from latent_explorer.core.projection import projector_from_arrays

                arrays: dict[str, np.ndarray] = {"coords": pr.coords, "latents": ws.latents,
                                                 "sampled": np.array(-1, dtype=np.int64)}
                ws.projector = projector_from_arrays(p.to_params(), arrays)
                w._show_map(ws)
                w.projection_panel.show_idle(f"{pr.method.upper()} map restored")
            else:
                w.compute_projection()
        dim = ws.model.latent_dim
        e = w.explorer
        e.slider_basis = session.slider_basis
        e.hidden_labels = frozenset(session.hidden_labels)
        e.condition_label = session.condition_label
        if session.selected_index is not None and session.selected_index < len(ws.dataset):
            e.selected_index = session.selected_index
        if session.current_latent is not None and len(session.current_latent) == dim:
            e.current_latent = session.current_latent.astype(np.float32)
        library = w.paths.library
        restored = [_to_path_state(sp) for sp in session.paths if sp.anchors.shape[1] == dim]
        if restored:
            library.paths = restored
            library.changed.emit()
            active = session.active_path if session.active_path is not None else 0
            library.set_active(min(max(active, 0), len(restored) - 1), force=True)
        if session.dock_state:
            w.restoreState(QByteArray(base64.b64decode(session.dock_state)), LAYOUT_VERSION)
        self._update_title()
        w._update_info()
        message = "Session restored" + ("; " + "; ".join(notes) if notes else "")
        w.statusBar().showMessage(message, 10000)
        self.restored.emit(session)

    # --- autosave and recovery ------------------------------------------------------------
    def autosave(self) -> bool:
        """Write the recovery file if anything changed; returns whether it wrote."""
        if self.recovery is None or self.window.workspace is None:
            return False
        try:
            return self.recovery.write(self.snapshot())
        except (OSError, LatentExplorerError) as exc:
            self.window.report_error(f"Autosave failed: {exc}")
            return False

    def offer_recovery(self, ask: bool = True) -> bool:
        """If a crashed session left a recovery file, offer to restore it; True if offered.

        The question does not block: the window goes on loading what it was asked to (the
        command line's dataset, say) while it waits for an answer. ``ask=False`` restores at
        once.
        """
        if self.recovery is None:
            return False
        pending = self.recovery.pending()
        if pending is None:
            return False
        if not ask:
            self._recover(pending)
            return True
        box = QMessageBox(QMessageBox.Icon.Question, "Restore your last session?",
                          "Latent Explorer did not close properly last time. Restore what you "
                          "were working on?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                          self.window)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(button: int) -> None:
            self.recovery_box = None
            if button == QMessageBox.StandardButton.Yes:
                self._recover(pending)
            elif self.recovery is not None:
                self.recovery.discard(pending)

        box.finished.connect(answered)
        self.recovery_box = box
        box.show()
        return True

    def _recover(self, pending: Path) -> None:
        assert self.recovery is not None
        try:
            session = self.recovery.take(pending)
        except LatentExplorerError as exc:  # damaged, or taken meanwhile by another window
            self.window.report_error(f"Nothing was restored: {exc}")
            return
        self.restore(session)

    def close_cleanly(self) -> None:
        """Stop autosaving and remove this run's recovery file (a normal exit)."""
        self.timer.stop()
        if self.recovery is not None:
            self.recovery.close_cleanly()

    def _update_title(self) -> None:
        if self.path is not None:
            self.window.session_name = self.path.stem
            self.window.update_title()


def _to_session_path(path: PathState) -> SessionPath:
    return SessionPath(
        name=path.name, anchors=path.anchor_latents(),
        indices=tuple(a.index for a in path.anchors), holds=tuple(a.hold for a in path.anchors),
        interp=path.interp, frames_per_segment=path.frames_per_segment, easing=path.easing,
        loop=path.loop, pingpong=path.pingpong, even_speed=path.even_speed, fps=path.fps,
        total_frames=path.total_frames)


def _to_path_state(sp: SessionPath) -> PathState:
    indices = sp.indices or (None,) * len(sp.anchors)
    holds = sp.holds or (0,) * len(sp.anchors)
    anchors = tuple(Anchor(np.asarray(a, dtype=np.float32), i, h)
                    for a, i, h in zip(sp.anchors, indices, holds, strict=True))
    return PathState(name=sp.name, anchors=anchors, interp=sp.interp,
                     frames_per_segment=sp.frames_per_segment, easing=sp.easing, loop=sp.loop,
                     pingpong=sp.pingpong, even_speed=sp.even_speed, fps=sp.fps,
                     total_frames=sp.total_frames)


def _looks_like_path(spec: str) -> bool:
    """Whether ``spec`` names a file (not a built-in such as ``digits``, ``demo``, ``prior:N``)."""
    return "/" in spec or "\\" in spec or Path(spec).suffix != ""
