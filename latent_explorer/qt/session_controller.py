"""Sessions in the window: save, open, autosave every few seconds, recover after a crash.

Autosave takes a snapshot of the window's state on the GUI thread (cheap: the arrays are
shared) and writes it on a thread of its own
(:class:`~latent_explorer.core.compute.background_writer.BackgroundWriter`), so a session with a
million-point map never stalls the window while it is hashed, zipped and flushed to disk.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from PySide6.QtCore import QByteArray, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from latent_explorer.core.compute.background_writer import BackgroundWriter
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
from latent_explorer.core.session.path_state import Anchor, PathLibrary, PathState
from latent_explorer.core.session.references import relocate, vectors_in_memory
from latent_explorer.core.session.state import ExplorerState, ProjectionState
from latent_explorer.core.session.store import load_session, save_session
from latent_explorer.qt.analysis_controller import AnalysisController
from latent_explorer.qt.bookmarks import BookmarkController
from latent_explorer.qt.bridges import JobRunner
from latent_explorer.qt.settings import LAYOUT_VERSION
from latent_explorer.qt.vectors_session import Choice, VectorsKeeper
from latent_explorer.qt.widgets.projection_panel import QtProjectionPanel
from latent_explorer.qt.window_services import WindowServices

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace

SESSION_FILTER = "Latent Explorer sessions (*.lxs);;All files (*)"
AUTOSAVE_MS = 3000


class OpenRequest(Protocol):
    """Opens a dataset and a model in the background (the window's ``open``)."""

    def __call__(self, dataset: str | None = None, model: str | None = None,
                 trust_code: bool | None = None, labels: str | None = None,
                 on_ready: Callable[[Workspace], None] | None = None,
                 image_size: int | tuple[int, int] | None = None,
                 on_refused: Callable[[str], None] | None = None) -> None: ...


@dataclass(frozen=True)
class SessionParts:
    """What a session is taken from and put back into.

    Attributes
    ----------
    services
        The window's workspace, status bar and dialog parent.
    explorer, projection, library, bookmarks, analysis
        The state a session saves: current latent and selection, map settings, paths,
        bookmarks, and the research tools' selections, attributes and colouring.
    projection_panel
        Says when a saved map is restored.
    dataset_labels, trust_code
        The labels file of the open dataset and whether its model's code was trusted.
    open
        Opens a session's dataset and model.
    show_map, compute_projection
        Show a workspace's map again; compute the map chosen in the projection settings.
    save_state, save_geometry, restore_state
        The window's dock layout and geometry (``QMainWindow.saveState`` and friends).
    name_session
        Shows a session's name in the window title.
    update_info
        Refreshes the status bar's summary of the data, model and map.
    """

    services: WindowServices
    explorer: ExplorerState
    projection: ProjectionState
    library: PathLibrary
    bookmarks: BookmarkController
    analysis: AnalysisController
    projection_panel: QtProjectionPanel
    dataset_labels: Callable[[], str | None]
    trust_code: Callable[[], bool]
    open: OpenRequest
    show_map: Callable[[Workspace], None]
    compute_projection: Callable[[], None]
    save_state: Callable[[int], QByteArray]
    save_geometry: Callable[[], QByteArray]
    restore_state: Callable[[QByteArray, int], bool]
    name_session: Callable[[str], None]
    update_info: Callable[[], None]
    dataset_image_size: Callable[[], int | tuple[int, int] | None] = lambda: None
    """The size a folder or zip of images was opened at (kept in sessions)."""
    jobs: JobRunner | None = None
    model_options: Callable[[], dict[str, Any]] = lambda: {}
    """How the open model decodes besides its weights (a StyleGAN's truncation, noise,
    mixing), kept in sessions."""
    restore_model_options: Callable[[dict[str, Any]], None] = lambda options: None
    """Puts :attr:`model_options` back (before the model's fingerprint is compared)."""
    """Where session files are read in the background (the window's runner: its progress bar
    and Cancel); a runner of the controller's own when not given."""


class SessionController(QObject):
    """Turns the window's state into a :class:`SessionData` and back."""

    restored = Signal(object)
    """A session was fully restored (its :class:`SessionData`). Emitted on the GUI thread."""
    saved = Signal(object)
    """A session file was written (its path). Emitted on the GUI thread."""
    autosaved = Signal(bool)
    """An autosave ended: whether it wrote the recovery file (``False``: nothing had changed,
    or the snapshot was outdated). Emitted on the GUI thread."""
    _autosave_failed = Signal(str)
    """Internal: emitted from the autosave thread; queued over to the GUI thread."""

    def __init__(self, parts: SessionParts, recovery: RecoveryStore | None) -> None:
        """Sessions of ``parts``; autosaved to ``recovery`` (``None``: no autosave)."""
        super().__init__(parts.services.parent)
        self.parts = parts
        self.services = parts.services
        self.recovery = recovery
        self.loader = parts.jobs or JobRunner(self)
        self.vectors = VectorsKeeper()
        """Where in-memory vectors were written beside a session (asked at Save Session)."""
        self.path: Path | None = None
        self.recovery_box: QMessageBox | None = None
        """The open "Restore your last session?" question (it does not block the window)."""
        self._recovering = False
        """Recovered work is being restored: autosave keeps off the file that holds it."""
        self._restoring_over: tuple[object] | None = None
        """The workspace shown when the recovered work's opening began (``None`` before)."""
        self.timer = QTimer(self)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.autosave)
        self.writer: BackgroundWriter[tuple[int, SessionData]] | None = None
        """Writes the autosaves, off the GUI thread (``None`` without autosave)."""
        if recovery is not None:
            self._autosave_failed.connect(self._on_autosave_failed)
            self.writer = BackgroundWriter(
                lambda job: recovery.write(job[1], epoch=job[0]),
                lambda wrote: self.autosaved.emit(bool(wrote)),
                lambda exc: self._autosave_failed.emit(str(exc)),
                thread_name="latent-autosave")
            self.timer.start()

    # --- snapshot -------------------------------------------------------------------------
    def snapshot(self) -> SessionData:
        """Everything the user made, as a :class:`SessionData`.

        Cheap enough for the GUI thread with a million points: the map's coordinates and the
        selections' indices are shared, not copied (the window replaces such arrays when
        they change, it never edits them in place), so an autosave may write them later on
        another thread.
        """
        w = self.parts
        ws = self.services.workspace()
        dataset = DatasetRef("digits")
        model = ModelRef("demo")
        coords = None
        if ws is not None:
            size = w.dataset_image_size()
            dataset = DatasetRef(ws.dataset.source, w.dataset_labels(), ws.dataset.fingerprint(),
                                 (size, size) if isinstance(size, int) else size)
            # Trust is recorded only for the model opened under the user's grant for it, so
            # that restoring asks again (a session never carries trust to another file).
            model = ModelRef(ws.model.source, w.trust_code(), ws.model.fingerprint(),
                             w.model_options())
            if ws.projector.params.method != "pca":
                coords = np.asarray(ws.projector.coords, dtype=np.float32)
        p = w.projection
        projection = ProjectionSettings(p.method, p.n_components, p.n_neighbors, p.min_dist,
                                        p.perplexity, p.seed, coords, p.x_column, p.y_column)
        e = w.explorer
        library = w.library
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
            active_path=active, colour_by=colour_by, analysis=w.analysis.session_analysis(),
            dock_state=base64.b64encode(bytes(w.save_state(LAYOUT_VERSION).data())).decode("ascii"),
            window_geometry=base64.b64encode(bytes(w.save_geometry().data())).decode("ascii"))

    # --- files ----------------------------------------------------------------------------
    def save(self, path: str | Path, vectors: Choice | None = None) -> Path | None:
        """Write the session to ``path`` (atomically). A map of vectors handed over in
        memory asks first (or takes ``vectors``: ``beside`` writes them beside the session,
        ``only`` saves without them); ``None`` when the user cancelled."""
        session = self.snapshot()
        if vectors_in_memory(session):
            prepared = self.vectors.prepare(self.services.parent, session,
                                            self.services.workspace(), Path(path), vectors)
            if prepared is None:
                self.services.show_status("The session was not saved", 6000)
                return None
            session = prepared
        target = save_session(path, session)
        self.path = target
        self._update_title()
        self.services.show_status(f"Saved session {target}", 6000)
        self.saved.emit(target)
        return target

    def save_dialog(self, force_ask: bool = False) -> None:
        """Save to the current file, or ask where (Save As)."""
        if self.path is not None and not force_ask:
            self.save(self.path)
            return
        target, _ = QFileDialog.getSaveFileName(self.services.parent, "Save session",
                                                str(Path.cwd() / "session.lxs"), SESSION_FILTER)
        if target:
            self.save(target if target.endswith(".lxs") else target + ".lxs")

    def open_dialog(self) -> None:
        """Ask for a session file and open it."""
        target, _ = QFileDialog.getOpenFileName(self.services.parent, "Open session", "",
                                                SESSION_FILTER)
        if target:
            self.open_session(target)

    def open_session(self, path: str | Path, trust_code: bool = False) -> None:
        """Read a session file in the background (with progress; the window stays responsive)
        and restore it. If it cannot be read, the error is shown and the current state stays.

        ``trust_code``: the user trusts the code of the model file the session names, as it
        is now (``gui --session s.lxs --trust-code``); a file located instead of a moved one
        is asked about.
        """
        def job(ctx: JobContext) -> SessionData:
            return load_session(path, ctx)

        def done(session: SessionData) -> None:
            self.path = Path(path)
            self.restore(session, trust_code)

        self.loader.start(f"Opening session {Path(path).name}", job, done)

    # --- restore --------------------------------------------------------------------------
    def restore(self, session: SessionData, trust_code: bool = False) -> None:
        """Open the session's dataset and model, then put back everything the user made.

        Files that moved are located first; then, if the model's opening runs code, the window
        asks about the file that will run (found on a worker), whatever the session says
        about trust: a session never carries trust, and a file picked in "Locate it?" is
        asked about by its own name. ``trust_code``: the user trusts the session's model file
        as it is now (the command line's ``--trust-code``).
        """
        w = self.parts
        trusted = session.model.spec if trust_code else None
        while (gone := _first_missing(session)) is not None:
            ref, kind = gone
            new = self._ask_relocate(kind, ref)
            if new is None:
                self.services.report_error(
                    f"{ref}: the session's {kind} is missing; nothing was opened"
                    + self._kept_note())
                self._abandon_recovery()
                return
            session = relocate(session, ref, new)
        spec = session.dataset.spec
        self._restoring_over = (self.services.workspace(),)

        previous_method = w.projection.method

        def refused(message: str) -> None:
            w.projection.method = previous_method
            self.services.report_error(f"The session was not restored: {message}"
                                       + self._kept_note())
            self._abandon_recovery()

        w.projection.method = "pca"  # the saved map is put back once the data is open
        trust = trusted is not None and trusted == session.model.spec  # not a located file
        w.open(spec, session.model.spec, trust or None, session.dataset.labels,
               on_ready=lambda ws: self._apply(session, ws),
               image_size=session.dataset.image_size, on_refused=refused)

    def _kept_note(self) -> str:
        return ("; the work from last time is kept and offered again at the next start"
                if self._recovering else "")

    def _ask_relocate(self, kind: str, spec: str) -> str | None:
        answer = QMessageBox.question(
            self.services.parent, f"The {kind} has moved",
            f"The session's {kind} {spec} no longer exists. Locate it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        if answer != QMessageBox.StandardButton.Yes:
            return None
        target, _ = QFileDialog.getOpenFileName(self.services.parent, f"Locate {kind}", "")
        return target or None

    def _apply(self, session: SessionData, ws: Workspace) -> None:
        w = self.parts
        notes = []
        w.restore_model_options(dict(session.model.options))
        if session.dataset.fingerprint and session.dataset.fingerprint != ws.dataset.fingerprint():
            notes.append(f"{ws.dataset.name} has changed since the session was saved")
        if session.model.fingerprint and session.model.fingerprint != ws.model.fingerprint():
            notes.append(f"{ws.model.name} has changed since the session was saved")
        w.bookmarks.replace(session.bookmarks)
        w.analysis.restore_session(session)
        pr = session.projection
        p = w.projection
        p.n_components, p.n_neighbors, p.min_dist = pr.n_components, pr.n_neighbors, pr.min_dist
        p.x_column, p.y_column = pr.x_column, pr.y_column
        p.perplexity, p.seed, p.method = pr.perplexity, pr.seed, pr.method
        if pr.method != "pca":
            if pr.coords is not None and len(pr.coords) == len(ws.latents):
                from latent_explorer.core.projection import projector_from_arrays

                arrays: dict[str, np.ndarray] = {"coords": pr.coords, "latents": ws.latents,
                                                 "sampled": np.array(-1, dtype=np.int64)}
                ws.projector = projector_from_arrays(p.to_params(), arrays)
                w.show_map(ws)
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
        library = w.library
        restored = [_to_path_state(sp) for sp in session.paths if sp.anchors.shape[1] == dim]
        if restored:
            library.paths = restored
            library.changed.emit()
            active = session.active_path if session.active_path is not None else 0
            library.set_active(min(max(active, 0), len(restored) - 1), force=True)
        if session.dock_state:
            w.restore_state(QByteArray(base64.b64decode(session.dock_state)), LAYOUT_VERSION)
        self._update_title()
        w.update_info()
        message = "Session restored" + ("; " + "; ".join(notes) if notes else "")
        self.services.show_status(message, 10000)
        self.restored.emit(session)

    # --- autosave and recovery ------------------------------------------------------------
    def autosave(self) -> bool:
        """Take a snapshot and hand it to the autosave thread, which writes the recovery file
        if anything changed (:attr:`autosaved` tells when it is done); returns whether a
        snapshot was handed over."""
        workspace = self.services.workspace()
        if self.recovery is None or self.writer is None or workspace is None:
            return False
        if self._recovering:
            if self._restoring_over is None or workspace is self._restoring_over[0]:
                # Recovered work is still asking or opening, and the recovery file holds it:
                # what the window showed before must not replace it.
                return False
            self._recovering, self._restoring_over = False, None  # shown (or replaced)
        epoch = self.recovery.epoch  # before the snapshot: a take meanwhile outdates it
        self.writer.submit((epoch, self.snapshot()))
        return True

    def _on_autosave_failed(self, message: str) -> None:
        self.services.report_error(f"Autosave failed: {message}")

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
                          self.services.parent)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        # Only No (clicked, or Escape) throws the crashed work away. A box closed without an
        # answer (the app quitting, a logout, its title bar's close button) keeps the file,
        # and the next start asks again.
        declined: list[bool] = []
        no_button = box.button(QMessageBox.StandardButton.No)
        box.buttonClicked.connect(lambda button: declined.append(button is no_button))

        def answered(button: int) -> None:
            self.recovery_box = None
            if button == QMessageBox.StandardButton.Yes:
                self._recover(pending)
            elif any(declined) and self.recovery is not None:
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
            self.services.report_error(f"Nothing was restored: {exc}")
            return
        # The adopted file is this run's autosave now; until the recovered work is shown (or
        # the user opens something else), autosave leaves it alone.
        self._recovering, self._restoring_over = True, None
        self.restore(session)

    def _abandon_recovery(self) -> None:
        """Recovered work that this run will not show (a question answered No or Cancel, or
        the app quitting before it was shown) is handed back, for the next start to offer;
        autosave goes on in a file of this run's own."""
        if self._recovering and self.recovery is not None:
            try:
                self.recovery.release()
            except OSError as exc:
                self.services.report_error(f"The work from last time could not be kept for "
                                           f"the next start: {exc}")
        self._recovering = False

    def close_cleanly(self) -> None:
        """Stop autosaving and remove this run's recovery file (a normal exit); recovered work
        not yet shown is kept for the next start."""
        self.timer.stop()
        if self.writer is not None:
            self.writer.close()  # a write under way ends first; a snapshot waiting is dropped
        self._abandon_recovery()
        if self.recovery is not None:
            self.recovery.close_cleanly()

    def _update_title(self) -> None:
        if self.path is not None:
            self.parts.name_session(self.path.stem)


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


def _first_missing(session: SessionData) -> tuple[str, str] | None:
    """The first file the session names that is not there (and what it is), if any."""
    from latent_explorer.core.compute.vectors_workspace import VectorsSpec, is_vectors_spec

    refs = [(session.dataset.spec, "dataset"), (session.model.spec, "model")]
    if is_vectors_spec(session.model.spec):
        refs += [(path, "vectors file") for path in VectorsSpec.parse(session.model.spec).paths()]
    return next(((ref, kind) for ref, kind in refs
                 if _looks_like_path(ref) and not Path(ref).exists()), None)


def _looks_like_path(spec: str) -> bool:
    """Whether ``spec`` names a file (not a built-in such as ``digits``, ``demo``, ``prior:N``,
    nor a map with no decoder, ``pixels`` or ``vectors:...``, which checks its own files)."""
    from latent_explorer.core.compute.vectors_workspace import is_no_model_spec

    if is_no_model_spec(spec):
        return False
    return "/" in spec or "\\" in spec or Path(spec).suffix != ""
