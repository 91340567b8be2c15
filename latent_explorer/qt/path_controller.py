"""Wires interpolation paths into the window: anchors from the map, the filmstrip, export."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QProgressDialog

from latent_explorer.core.errors import LatentExplorerError
from latent_explorer.core.export.map_overlay import MapBeside
from latent_explorer.core.export.path_frames import path_latents
from latent_explorer.core.export.sheet import sheet_indices
from latent_explorer.core.export.turntable import Turntable
from latent_explorer.core.models.base import GenerativeModel, to_uint8
from latent_explorer.core.session.path_state import PathLibrary, PathState
from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.bridges import JobRunner
from latent_explorer.qt.dialogs.export_dialog import ExportSettings, QtExportDialog
from latent_explorer.qt.images import qimage_to_array
from latent_explorer.qt.widgets.filmstrip import QtFilmstrip
from latent_explorer.qt.widgets.map_view import PathOverlay, QtMapView
from latent_explorer.qt.widgets.path_panel import QtPathPanel
from latent_explorer.qt.window_services import WindowServices

THUMBNAILS = 10


class PathController(QObject):
    """Owns the path library and keeps the panel, filmstrip, map overlay and export in step."""

    frames_changed = Signal()
    """The active path's frames were recomputed and drawn. Emitted on the GUI thread."""
    thumbnails_ready = Signal()
    """The filmstrip's thumbnails were decoded and shown. Emitted on the GUI thread."""
    export_finished = Signal(object)
    """A :class:`RenderReport` of a completed export. Emitted on the GUI thread."""
    redrawn = Signal()
    """The active path was drawn again on the 2-D map (new frames or a new projection), so
    other views of it can follow. Emitted on the GUI thread."""

    def __init__(self, services: WindowServices, explorer: ExplorerState, map_view: QtMapView,
                 compare_model: Callable[[], GenerativeModel | None],
                 has_map_3d: Callable[[], bool],
                 turntable_parts: Callable[[np.ndarray], dict[str, Any]]) -> None:
        """Paths over ``map_view``, anchored at ``explorer``'s current latent.

        ``compare_model()`` is the A/B comparison model (``None`` without one);
        ``has_map_3d()`` says whether a 3-D map is drawn, and ``turntable_parts(frames)``
        takes that map's arrays for a video with the map turning beside the output.
        """
        super().__init__(services.parent)
        self.services = services
        self.explorer = explorer
        self.map_view = map_view
        self.compare_model = compare_model
        self.has_map_3d = has_map_3d
        self.turntable_parts = turntable_parts
        self.library = PathLibrary()
        self.panel = QtPathPanel(self.library)
        self.filmstrip = QtFilmstrip()
        self.overlay = PathOverlay(map_view)
        self.frames = np.zeros((0, 0), dtype=np.float32)
        self.thumbs = JobRunner(self)
        self.exporter = JobRunner(self)
        self.progress_dialog: QProgressDialog | None = None
        self._path: PathState = self.library.active
        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(0)
        self._refresh.timeout.connect(self.recompute)
        self._path.events.connect(self._schedule)
        self.library.active_changed.connect(self._on_active_changed)
        self.panel.add_keyframe_requested.connect(self.add_keyframe)
        self.panel.export_requested.connect(self.export_dialog)
        self.filmstrip.frame_changed.connect(self._on_frame_changed)
        map_view.sample_clicked.connect(self.on_sample_clicked)
        services.map_changed.connect(self.redraw)
        self.exporter.progress.connect(self._on_export_progress)
        self.exporter.failed.connect(self._on_export_failed)
        self.exporter.cancelled.connect(self._on_export_cancelled)

    # --- editing --------------------------------------------------------------------------
    @property
    def path(self) -> PathState:
        """The active path."""
        return self.library.active

    def add_keyframe(self) -> None:
        """Add the current latent (probe, sliders, selection) as an anchor."""
        latent = self.explorer.current_latent
        if latent is not None:
            self.path.add_anchor(latent, self.explorer.selected_index)

    def on_sample_clicked(self, index: int, modifiers: Any) -> None:
        """A sample clicked on a map: ctrl-click adds it as an anchor."""
        ws = self.services.workspace()
        if ws is not None and ws.has_decoder and modifiers & Qt.KeyboardModifier.ControlModifier:
            self.path.add_anchor(ws.latents[index], index)

    def _on_active_changed(self, path: PathState) -> None:
        self._path.events.disconnect(self._schedule)
        self._path = path
        path.events.connect(self._schedule)
        self.recompute()

    def _schedule(self, *_: object) -> None:
        self._refresh.start()  # many field changes in one go give one recompute

    # --- frames, map and filmstrip --------------------------------------------------------
    def recompute(self) -> None:
        """Lay out the active path's frames; draw it; decode thumbnails in the background."""
        ws = self.services.workspace()
        path = self.path
        model = ws.model if ws is not None else None
        label = self.explorer.condition_label
        if (ws is None or len(path.anchors) < 1 or not ws.has_decoder
                or len(path.anchors[0].latent) != ws.model.latent_dim):
            # No path yet, one made for a model with another latent size, or no decoder.
            self.frames = np.zeros((0, 0), dtype=np.float32)
        elif path.even_speed:
            # Even speed decodes the path densely: do it off the GUI thread.
            self.thumbs.start("Laying out the path", lambda ctx: path_latents(path, model, label),
                              self._on_frames_ready)
            return
        else:
            try:
                self.frames = path_latents(path)
            except LatentExplorerError as exc:  # e.g. a total too short for the holds
                self.frames = np.zeros((0, 0), dtype=np.float32)
                self.services.show_status(f"Path length: {exc}", 10000)
        self._on_frames_ready(self.frames)

    def _on_frames_ready(self, frames: np.ndarray) -> None:
        self.frames = frames
        self.filmstrip.set_frame_count(len(frames), self.path.fps,
                                       self.path.loop or self.path.pingpong)
        self.redraw()
        self._decode_thumbnails()
        self.frames_changed.emit()

    def redraw(self) -> None:
        """Draw the active path on the map (after a new path or a new projection)."""
        ws = self.services.workspace()
        if ws is None or len(self.frames) == 0:
            self.overlay.set_path(None, None)
        else:
            transform = ws.projector.transform
            curve = transform(self.frames)
            if self.path.loop and len(curve) > 1:
                curve = np.concatenate([curve, curve[:1]])
            self.overlay.set_path(curve, transform(self.path.anchor_latents()))
        self.redrawn.emit()

    def _decode_thumbnails(self) -> None:
        ws = self.services.workspace()
        frames = self.frames
        if ws is None or len(frames) == 0:
            self.filmstrip.strip.set_thumbnails([], [], 0)
            return
        picks = sheet_indices(len(frames), min(THUMBNAILS, len(frames)))
        model, label = ws.model, self.explorer.condition_label

        def job(ctx: Any) -> tuple[list[int], list[np.ndarray], int]:
            labels = None if label is None else np.full(len(picks), label, dtype=np.int64)
            images = to_uint8(model.decode(frames[picks], labels))
            return list(picks), list(images), len(frames)

        self.thumbs.start("Decoding thumbnails", job, self._show_thumbnails)

    def _show_thumbnails(self, result: tuple[list[int], list[np.ndarray], int]) -> None:
        picks, images, count = result
        if images and images[0].ndim == 1:
            return  # a 1-D signal model has no thumbnails to show
        self.filmstrip.strip.set_thumbnails(picks, images, count)
        self.thumbnails_ready.emit()

    def _on_frame_changed(self, frame: int) -> None:
        if 0 <= frame < len(self.frames):
            self.explorer.current_latent = self.frames[frame].copy()

    # --- export ---------------------------------------------------------------------------
    def export_dialog(self) -> None:
        """Ask for export settings, then render the active path in the background."""
        if len(self.frames) < 2 or self.services.workspace() is None:
            self.services.show_status(
                "A path needs two anchors or more: ctrl-click points on the map", 6000)
            return
        compare = self.compare_model()
        dialog = QtExportDialog(self.path.name.replace(" ", "_").lower(), self.path.fps,
                                len(self.frames), self.services.parent,
                                compare_name=None if compare is None else compare.name,
                                map_3d_available=self.has_map_3d())
        if dialog.exec():
            self.export(dialog.settings())

    def export(self, settings: ExportSettings) -> None:
        """Render the active path's frames with ``settings`` (a job with progress/Cancel)."""
        from latent_explorer.core.export.render import render_latents

        ws = self.services.workspace()
        assert ws is not None
        frames, label = self.frames.copy(), self.explorer.condition_label
        model: Any = ws.model
        compare = self.compare_model()
        if settings.side_by_side and compare is not None:
            from latent_explorer.core.models.side_by_side import SideBySideModel

            model = SideBySideModel(ws.model, compare)
        # The map is grabbed here, on the GUI thread: the job gets plain arrays, no Qt objects.
        beside: MapBeside | None = None
        turntable: dict[str, Any] | None = None
        if settings.map_beside and settings.map_3d and self.has_map_3d():
            turntable = self.turntable_parts(frames)
        elif settings.map_beside:
            beside = self.map_beside(frames)

        def job(ctx: Any) -> Any:
            return render_latents(model, frames, settings.out, fps=settings.fps,
                                  size=settings.size, scale_mode=settings.scale_mode,
                                  label=label, sheet=settings.sheet, ctx=ctx,
                                  beside=beside if turntable is None else Turntable(**turntable))

        dialog = QProgressDialog(f"Exporting {len(frames)} frames to {settings.out.name}",
                                 "Cancel", 0, 1000, self.services.parent)
        dialog.setWindowTitle("Export")
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.canceled.connect(self.exporter.cancel)
        self.progress_dialog = dialog
        self.exporter.start(f"Exporting {settings.out.name}", job, self._on_exported)

    def map_beside(self, frames: np.ndarray) -> MapBeside:
        """A picture of the 2-D map as shown now and each frame's pixel position on it."""
        ws = self.services.workspace()
        assert ws is not None
        view = self.map_view
        picture = qimage_to_array(view.grab().toImage())
        points = np.asarray(ws.projector.transform(frames), dtype=np.float64)[:, :2]
        # The map is linear in x and y, so three points give its whole affine mapping.
        (x0, x1), (y0, y1) = view.view_box.viewRange()
        corners = [view.viewport().mapTo(view, view.view_to_widget(x, y))
                   for x, y in ((x0, y0), (x1, y0), (x0, y1))]
        origin, right, up = (np.array([p.x(), p.y()]) for p in corners)
        along_x = (right - origin) / ((x1 - x0) or 1.0)
        along_y = (up - origin) / ((y1 - y0) or 1.0)
        widget = origin + np.outer(points[:, 0] - x0, along_x) + np.outer(points[:, 1] - y0,
                                                                             along_y)
        # grab() is in device pixels: scale widget pixels to the picture's.
        scale = np.array([picture.shape[1] / max(1, view.width()),
                          picture.shape[0] / max(1, view.height())])
        return MapBeside(picture, widget * scale)

    def _on_export_progress(self, fraction: float | None, message: str) -> None:
        if self.progress_dialog is not None and fraction is not None:
            self.progress_dialog.setValue(int(fraction * 1000))

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.canceled.disconnect(self.exporter.cancel)
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    def _on_exported(self, report: Any) -> None:
        self._close_progress()
        notes = ("; " + "; ".join(report.notes)) if report.notes else ""
        self.services.show_status(
            f"Exported {report.frames} frames ({report.width}x{report.height}) to "
            f"{report.path}{notes}", 15000)
        self.export_finished.emit(report)

    def _on_export_failed(self, title: str, message: str, details: str) -> None:
        self._close_progress()
        self.services.report_error(f"Export failed: {message}")

    def _on_export_cancelled(self, title: str) -> None:
        self._close_progress()
        self.services.show_status("Export cancelled; no file was written", 8000)

    def save_path_file(self) -> None:
        """Save the active path as a path file that ``latent-explorer render`` can replay."""
        from latent_explorer.core.export.path_file import PathFile, save_path_file

        ws = self.services.workspace()
        path = self.path
        if ws is None or len(path.anchors) < 2:
            self.services.show_status("A path needs two anchors or more", 6000)
            return
        target, _ = QFileDialog.getSaveFileName(
            self.services.parent, "Save path",
            str(Path.cwd() / f"{path.name.replace(' ', '_')}.json"), "Path files (*.json)")
        if not target:
            return
        indices = tuple(a.index for a in path.anchors)
        total = path.total_frames
        spec = PathFile(anchors=path.anchor_latents(), indices=indices, interp=path.interp,
                        frames=total, frames_per_segment=None if total else path.frames_per_segment,
                        easing=path.easing, loop=path.loop, pingpong=path.pingpong,
                        hold=tuple(a.hold for a in path.anchors), fps=path.fps, size=512,
                        scale="nearest", label=self.explorer.condition_label,
                        dataset=ws.dataset.source, model=ws.model.source, extra={})
        save_path_file(target, spec)
        self.services.show_status(f"Saved {target}; render it with "
                                            f"latent-explorer render --path-file", 10000)

    def shutdown(self) -> None:
        """Stop playback and background jobs."""
        self.filmstrip.timer.stop()
        self.thumbs.shutdown()
        self.exporter.shutdown()
