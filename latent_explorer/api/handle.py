"""The :class:`Explorer` handle that :func:`latent_explorer.explore` returns."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import numpy.typing as npt
from psygnal import Signal

from latent_explorer.core.errors import LatentExplorerError

if TYPE_CHECKING:
    from latent_explorer.api.stylegan_controls import StyleGANControls
    from latent_explorer.core.datasets.base import Dataset
    from latent_explorer.core.export.path_file import PathFile
    from latent_explorer.core.export.render import RenderReport
    from latent_explorer.core.models.base import GenerativeModel
    from latent_explorer.qt.main_window import MainWindow
    from latent_explorer.qt.vectors_session import Choice

T = TypeVar("T")

READY_TIMEOUT_S = 600.0
"""How long a call that needs the map waits for the window to finish opening its data."""

_open: set[Explorer] = set()
"""Handles of open windows: a window stays open while it is shown, even if the caller drops
its handle (as in a script that calls ``explore(..., block=False)`` and drives the loop)."""


def open_explorers() -> list[Explorer]:
    """The handles of the windows that are open now."""
    return list(_open)


class Explorer:
    """A live explorer window opened from Python, returned by :func:`latent_explorer.explore`.

    Read what the user is looking at (:attr:`latent`, :attr:`selection`, :attr:`paths`), set
    it (:meth:`set_latent`, :attr:`selection`), render paths (:meth:`render`) and save
    screenshots (:meth:`screenshot`). Calls are safe from any thread: the window's own thread
    (the notebook's, under ``%gui qt``) runs them at once; from another thread they are
    handed to the window's thread, whose event loop must be running.

    Signals (psygnal; connect with ``explorer.latent_changed.connect(callback)``):

    - ``latent_changed(latent)``: the current latent changed (probe, sliders, a click, or
      :meth:`set_latent`); a numpy copy. Emitted on the GUI thread.
    - ``selection_changed(indices)``: the selection changed; sorted int64 sample indices.
      Emitted on the GUI thread.
    """

    latent_changed = Signal(object)
    """The current latent changed: a ``(latent_dim,)`` float32 copy. Emitted on the GUI thread."""
    selection_changed = Signal(object)
    """The selection changed: sorted int64 sample indices. Emitted on the GUI thread."""

    def __init__(self, window: MainWindow) -> None:
        from latent_explorer.qt.window_host import GuiCaller

        self._window = window
        self._gui = GuiCaller(window)
        self._closed = False
        self._last_latent: npt.NDArray[np.float32] | None = None
        self._last_selection = np.zeros(0, dtype=np.int64)
        self._open_error = ""
        window.jobs.failed.connect(self._on_job_failed)
        window.explorer.events.current_latent.connect(self._on_latent)
        window.analysis.state.events.selection.connect(self._on_selection)
        window.destroyed.connect(self._forget)
        from latent_explorer.qt.window_host import when_closed

        when_closed(window, self._forget)
        _open.add(self)

    # --- the window -----------------------------------------------------------------------
    @property
    def window(self) -> MainWindow:
        """The Qt window itself, for power users (touch it only from the GUI thread)."""
        return self._window

    @property
    def ready(self) -> bool:
        """Whether the window shows its map (the data is loaded, encoded and projected)."""
        return bool(self._call(lambda: self._window.workspace is not None, closed=False))

    @property
    def is_open(self) -> bool:
        """Whether the window is still open."""
        return not self._closed and bool(self._call(self._window.isVisible, closed=False))

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> Explorer:
        """Wait until the window's map is shown; returns this handle.

        On the GUI thread this runs the window's event loop meanwhile. Raises
        :class:`LatentExplorerError` with the window's message if opening failed, if the
        window was closed, or after ``timeout`` seconds.
        """
        import time

        from latent_explorer.qt.window_host import on_gui_thread, run_until

        window = self._window

        def settled() -> bool:
            return (window.workspace is not None or bool(self._open_error)
                    or not window.isVisible())

        if on_gui_thread():
            run_until(settled, timeout)
        else:  # the GUI thread's event loop does the work; look in on it now and then
            deadline = time.monotonic() + timeout
            while not self._call(settled, closed=False) and time.monotonic() < deadline:
                time.sleep(0.05)
        if self._call(lambda: window.workspace is not None, closed=False):
            return self
        if self._open_error:
            raise LatentExplorerError(self._open_error)
        if self._closed or not self._call(window.isVisible, closed=False):
            raise LatentExplorerError("the window was closed before its map was shown")
        raise LatentExplorerError(f"the map was not ready after {timeout:g} s")

    def _on_job_failed(self, _title: str, message: str, _details: str) -> None:
        if self._window.workspace is None:  # opening the data failed
            self._open_error = message

    def show(self) -> None:
        """Show the window (if it was hidden) and bring it to the front."""

        def show() -> None:
            self._window.show()
            self._window.raise_()
            self._window.activateWindow()

        self._call(show)

    def wait(self) -> None:
        """Run the window's event loop until the user closes the window (main thread only).

        For scripts that opened it with ``block=False``; under ``%gui qt`` the notebook runs
        the loop already and this call is not needed.
        """
        from latent_explorer.qt.window_host import on_gui_thread, run_until_closed

        if not on_gui_thread():
            raise LatentExplorerError("wait() runs the window's event loop: call it from the "
                                      "thread that opened the window")
        run_until_closed(self._window)

    def close(self) -> None:
        """Close the window (its workers stop); the values read last stay readable."""

        def close() -> None:
            self._window.close()

        if not self._closed:
            self._call(close, closed=False)
            self._forget()

    # --- what the user looks at -----------------------------------------------------------
    @property
    def model(self) -> GenerativeModel | None:
        """The app's model the window decodes with (``None`` until the map is shown)."""
        model: GenerativeModel | None = self._call(
            lambda: _workspace_part(self._window, "model"), closed=False)
        return model

    @property
    def dataset(self) -> Dataset | None:
        """The app's dataset the map shows (``None`` until the map is shown)."""
        dataset: Dataset | None = self._call(
            lambda: _workspace_part(self._window, "dataset"), closed=False)
        return dataset

    @property
    def latents(self) -> npt.NDArray[np.float32] | None:
        """The encoded samples ``(N, latent_dim)`` that the map places (a copy)."""
        found = self._call(lambda: _workspace_part(self._window, "latents"), closed=False)
        return None if found is None else np.array(found, dtype=np.float32)

    @property
    def latent(self) -> npt.NDArray[np.float32] | None:
        """The current latent ``(latent_dim,)`` shown in the decoder view (a copy), or ``None``.

        After the window closed: the last one it showed.
        """
        if self._closed:
            return None if self._last_latent is None else self._last_latent.copy()
        value = self._call(lambda: self._window.explorer.current_latent)
        return None if value is None else np.array(value, dtype=np.float32)

    def set_latent(self, latent: npt.ArrayLike | str | int) -> None:
        """Decode and show ``latent``: flat ``(latent_dim,)`` or shaped as the model's latents,
        a sample's file name (``"horse/0703.jpg"``): that sample's latent, or a seed (a whole
        number: that seed's latent from the model's prior; for a StyleGAN the ``w`` NVIDIA's
        tools make of it, for the class chosen).

        Waits until the map is shown if the window is still opening.
        """
        self.wait_ready()
        if isinstance(latent, int | np.integer) and not isinstance(latent, bool):
            self._call(lambda: self._go_to_seed(int(latent)))
            return

        def apply() -> None:
            ws = self._window.workspace
            assert ws is not None
            if isinstance(latent, str):
                from latent_explorer.core.datasets.sample_names import resolve_samples

                index = resolve_samples(ws.dataset, [latent], "set_latent")[0]
                self._window.explorer.current_latent = np.array(ws.latents[index],
                                                                dtype=np.float32)
                return
            vector = np.array(latent, dtype=np.float32)
            if vector.size != ws.model.latent_dim:
                raise LatentExplorerError(
                    f"a latent of shape {vector.shape} does not fit {ws.model.name}, whose "
                    f"latents have {ws.model.latent_dim} values (shape {ws.model.latent_shape})")
            vector = vector.reshape(-1)
            if not np.all(np.isfinite(vector)):
                raise LatentExplorerError("the latent holds NaN or infinite values")
            self._window.explorer.current_latent = vector

        self._call(apply)

    def _go_to_seed(self, seed: int) -> None:
        ws = self._window.workspace
        assert ws is not None
        if not 0 <= seed < 2**32:
            raise LatentExplorerError(f"seeds are whole numbers 0 to {2**32 - 1:,}, not {seed}")
        if self._window.stylegan.model is not None:
            self._window.stylegan.go_to_seed(seed)
            return
        from latent_explorer.core.models.base import draw_latents

        label = self._window.explorer.condition_label if ws.model.num_classes else None
        self._window.explorer.current_latent = draw_latents(ws.model, 1, seed=seed,
                                                            label=label)[0]

    @property
    def stylegan(self) -> StyleGANControls:
        """The StyleGAN panel's controls (truncation, noise, mixing, layer-limited edits);
        using them raises :class:`LatentExplorerError` when the model is no StyleGAN."""
        from latent_explorer.api.stylegan_controls import StyleGANControls

        self.wait_ready()
        return StyleGANControls(self._window, self._call)

    @property
    def selection(self) -> npt.NDArray[np.int64]:
        """The selected sample indices (sorted int64, a copy); assign sample numbers, file
        names or globs (``["horse/*.jpg", 12]``) to select them."""
        if self._closed:
            return self._last_selection.copy()
        return np.array(self._call(lambda: self._window.analysis.state.selection),
                        dtype=np.int64)

    @selection.setter
    def selection(self, indices: npt.ArrayLike) -> None:
        self.wait_ready()

        def apply() -> None:
            ws = self._window.workspace
            assert ws is not None
            wanted = np.asarray(indices).reshape(-1)
            if wanted.dtype.kind in "US" and wanted.size:
                from latent_explorer.core.datasets.sample_names import resolve_samples

                wanted = np.unique(resolve_samples(ws.dataset, wanted.tolist(), "selection"))
            if wanted.size and (wanted.dtype.kind not in "iu" or wanted.min() < 0
                                or wanted.max() >= len(ws.dataset)):
                raise LatentExplorerError(
                    f"a selection holds sample numbers 0 to {len(ws.dataset) - 1}")
            self._window.analysis.state.select(wanted.astype(np.int64))

        self._call(apply)

    @property
    def paths(self) -> dict[str, npt.NDArray[np.float32]]:
        """Each path of the Path panel by name: its anchors as latents ``(K, latent_dim)``."""

        def read() -> dict[str, npt.NDArray[np.float32]]:
            library = self._window.paths.library
            return {p.name: p.anchor_latents().copy() for p in library.paths}

        return self._call(read)

    # --- exports --------------------------------------------------------------------------
    def render(self, out: str | Path, anchors: npt.ArrayLike | None = None, *,
               path: str | None = None, **settings: Any) -> RenderReport:
        """Render a path through latent space to a video, GIF or PNG frames.

        The same export as ``latent-explorer render``, with its settings as keywords.

        Parameters
        ----------
        out
            ``.mp4``, ``.webm``, ``.gif``, a folder for PNG frames, or a pattern like
            ``frames/walk_%04d.png``.
        anchors
            The samples to pass through, as ``--anchors`` takes them: sample numbers, file
            names of a folder's images (``"horse/0703.jpg"``) and globs (``"horse/*"``); or
            latents ``(K, latent_dim)`` (as ``--anchors-file``). Default: the path ``path`` of
            the Path panel (default: the active one) with its settings.
        **settings
            ``frames`` (total), ``frames_per_segment``, ``interp`` (``slerp``, ``lerp``,
            ``spline``), ``easing``, ``loop``, ``pingpong``, ``hold``, ``fps``, ``size``,
            ``scale`` (``nearest``, ``smooth``), ``label``, and the render's own ``sheet``,
            ``crf`` and ``preset``.

        Returns
        -------
        RenderReport
            What was written (``.path``, ``.frames``, ``.summary()``).
        """
        import dataclasses

        from latent_explorer.core.export.render import render_path_file

        own = {key: settings.pop(key) for key in ("sheet", "crf", "preset") if key in settings}
        self.wait_ready()
        spec, model = self._call(lambda: self._path_file(anchors, path))
        fields = {f.name for f in dataclasses.fields(spec)} - {"anchors", "indices", "extra",
                                                              "dataset", "model"}
        unknown = sorted(set(settings) - fields)
        if unknown:
            raise TypeError(f"render() got unexpected keyword argument(s) {', '.join(unknown)}")
        if "frames" in settings:
            settings.setdefault("frames_per_segment", None)
        elif "frames_per_segment" in settings:
            settings["frames"] = None
        if settings.get("easing"):
            settings["easing"] = str(settings["easing"]).replace("-", "_")
        spec = dataclasses.replace(spec, **settings)
        if spec.frames is None and spec.frames_per_segment is None:
            spec = dataclasses.replace(spec, frames=120)
        # The render decodes on this thread (like the command line), not on the window's.
        return render_path_file(model, spec, out, **own)

    def _path_file(self, anchors: npt.ArrayLike | None,
                   name: str | None) -> tuple[PathFile, GenerativeModel]:
        from latent_explorer.core.export.path_file import PathFile

        ws = self._window.workspace
        assert ws is not None
        common: dict[str, Any] = {"dataset": ws.dataset.source, "model": ws.model.source,
                                  "label": self._window.explorer.condition_label}
        if anchors is not None:
            points = np.asarray(anchors)
            indices: tuple[int | None, ...] | None = None
            if points.ndim <= 1 and points.dtype.kind in "iuUS":
                from latent_explorer.core.datasets.sample_names import resolve_samples

                named = (str(anchors) if isinstance(anchors, str)
                         else points.reshape(-1).tolist())
                indices = tuple(resolve_samples(ws.dataset, named, "anchors"))
                points = ws.latents[list(indices)]
            points = np.asarray(points, dtype=np.float32)
            if points.ndim == 1:
                points = points[None, :]
            if points.ndim != 2 or points.shape[1] != ws.model.latent_dim or not len(points):
                raise LatentExplorerError(
                    f"anchors of shape {points.shape} do not fit {ws.model.name}: give sample "
                    f"numbers, or latents of shape (K, {ws.model.latent_dim})")
            return PathFile(anchors=points, indices=indices, frames=120, **common), ws.model
        library = self._window.paths.library
        chosen = library.active
        if name is not None:
            named = [p for p in library.paths if p.name == name]
            if not named:
                raise LatentExplorerError(f"no path named {name!r}; the paths are "
                                          + ", ".join(repr(p.name) for p in library.paths))
            chosen = named[0]
        if not chosen.anchors:
            raise LatentExplorerError(f"{chosen.name} has no anchors yet: add keyframes in the "
                                      "window, or give anchors=")
        total = chosen.total_frames
        return PathFile(
            anchors=chosen.anchor_latents(), indices=tuple(a.index for a in chosen.anchors),
            interp=chosen.interp, frames=total,
            frames_per_segment=None if total else chosen.frames_per_segment,
            easing=chosen.easing, loop=chosen.loop, pingpong=chosen.pingpong,
            hold=tuple(a.hold for a in chosen.anchors), fps=chosen.fps, **common), ws.model

    def save_session(self, path: str | Path, save_vectors: bool | None = None) -> Path:
        """Save the window's work as a session file (``.lxs``) that ``gui --session`` and
        File > Open Session reopen: the data and model it names, the map, paths, bookmarks,
        selections, the filter, clusters and scores.

        Vectors handed over in memory (``explore(latents=Z)``) are in no file, so a session
        could not reopen their map: give ``save_vectors=True`` to write them (with labels,
        metadata and pictures) beside it as ``<name>.vectors.npy``, or ``False`` to save the
        session without them. Otherwise this raises rather than save what cannot reopen.

        Raises
        ------
        LatentExplorerError
            For vectors in memory without ``save_vectors``, or a session that cannot be
            written.
        """
        self.wait_ready()
        target = Path(path).expanduser()

        def save() -> Path:
            from latent_explorer.core.session.references import vectors_in_memory
            from latent_explorer.core.session.vectors_beside import beside_paths

            sessions = self._window.sessions
            if save_vectors is None and vectors_in_memory(sessions.snapshot()) and \
                    not sessions.vectors.kept_for(self._window.workspace):
                name = beside_paths(target)["latents"].name
                raise LatentExplorerError(
                    "these vectors were handed over in memory and live in no file, so the "
                    "session could not reopen their map: call save_session(path, "
                    f"save_vectors=True) to write them beside it as {name}, or "
                    "save_vectors=False to save it without them")
            choice: Choice | None = (None if save_vectors is None
                                     else "beside" if save_vectors else "only")
            saved = sessions.save(target, vectors=choice)
            assert saved is not None
            return saved

        return self._call(save)

    def export_selection(self, path: str | Path) -> Path:
        """Write the selected samples to ``path``: ``.csv``, ``.parquet`` or ``.npz``, every
        column of its own type (ids as whole numbers, flags as true/false, dates as dates),
        with their map coordinates and vectors; returns the path."""
        from latent_explorer.core.analysis.selection_export import export_selection

        self.wait_ready()

        def export() -> Path:
            ws = self._window.workspace
            assert ws is not None
            analysis = self._window.analysis
            extra = {**analysis.extra, **analysis.computed}
            return export_selection(path, analysis.state.selection, ws.dataset, ws.latents,
                                    ws.projector.coords, extra, images=ws.has_images)

        return self._call(export)

    def screenshot(self, path: str | Path) -> Path:
        """Save the window as a PNG once its map and decoded image are drawn; returns the path.

        Runs the window's event loop until then (on the window's thread).
        """
        from latent_explorer.qt.window_host import save_screenshot

        return self._call(lambda: save_screenshot(self._window, path, close=False))

    # --- plumbing -------------------------------------------------------------------------
    def _call(self, function: Callable[[], T], closed: bool = True) -> T:
        if closed and self._closed:
            raise LatentExplorerError("the window is closed")
        return self._gui.call(function)

    def _on_latent(self, latent: npt.NDArray[np.float32] | None) -> None:
        self._last_latent = None if latent is None else np.array(latent, dtype=np.float32)
        if self._last_latent is not None:
            self.latent_changed.emit(self._last_latent.copy())

    def _on_selection(self, selection: npt.NDArray[np.int64]) -> None:
        self._last_selection = np.array(selection, dtype=np.int64)
        self.selection_changed.emit(self._last_selection.copy())

    def _forget(self, *_: object) -> None:
        self._closed = True
        _open.discard(self)

    def __repr__(self) -> str:
        if self._closed:
            state = "closed"
        else:
            state = "open" if self._window.workspace is not None else "opening"
        return f"<latent_explorer.Explorer ({state}) {self._window.windowTitle()!r}>"


def _workspace_part(window: MainWindow, name: str) -> Any:
    ws = window.workspace
    return None if ws is None else getattr(ws, name)
