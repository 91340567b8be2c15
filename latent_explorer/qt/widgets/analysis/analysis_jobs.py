"""The background work of the research tools: scores, clusters, prototypes, thumbnails, the
neighbour index, metadata CSVs, re-projection and exports.

Each kind of work has its own :class:`JobRunner`, so computing the reconstruction error does
not cancel the clustering, while a newer request of the same kind replaces an older one.
Nothing here decodes on the GUI thread.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QFileDialog

from latent_explorer.core.analysis.nearest import NeighborIndex
from latent_explorer.core.models.base import to_uint8
from latent_explorer.core.session.analysis_state import AnalysisState
from latent_explorer.core.session.state import ExplorerState, ProjectionState
from latent_explorer.qt.bridges import JobRunner
from latent_explorer.qt.widgets.analysis.colour_panel import QtColourPanel
from latent_explorer.qt.widgets.analysis.prototype_strip import QtPrototypeStrip
from latent_explorer.qt.widgets.map_view import PathOverlay, QtMapView
from latent_explorer.qt.window_services import WindowServices

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace
    from latent_explorer.qt.widgets.analysis.thumbnail_grid import QtThumbnailGrid

SELECTION_FILTER = "CSV table (*.csv);;NumPy archive (*.npz)"
PARQUET_FILTER = "Parquet table (*.parquet)"


def selection_filter() -> str:
    """The Export Selection dialog's file types: CSV, Parquet (when pyarrow is installed, the
    ``tables`` extra) and NPZ."""
    from latent_explorer.core.analysis.selection_export import parquet_available

    csv_type, npz_type = SELECTION_FILTER.split(";;")
    kinds = [csv_type, PARQUET_FILTER, npz_type] if parquet_available() else [csv_type,
                                                                               npz_type]
    return ";;".join(kinds)


class AnalysisHost(Protocol):
    """What the jobs read and hand their results to (the analysis controller)."""

    services: WindowServices
    state: AnalysisState
    explorer: ExplorerState
    projection: ProjectionState
    map_view: QtMapView
    path_overlay: PathOverlay
    show_map: Callable[[Workspace], None]
    colour_panel: QtColourPanel
    prototype_strip: QtPrototypeStrip
    exporter: JobRunner
    computed: dict[str, np.ndarray]
    extra: dict[str, np.ndarray]
    index: NeighborIndex | None
    palette: list[QColor]
    color_index: np.ndarray
    _saved_projector: Any
    _subset_projector: Any

    def report(self, message: str, error: bool = False) -> None: ...
    def adopt_column(self, name: str, values: np.ndarray, colour: bool = True) -> None: ...
    def update_neighbors(self) -> None: ...
    def _refresh_columns(self) -> None: ...


class AnalysisJobs(QObject):
    """Starts the analysis jobs and hands their results to the controller."""

    computed = Signal(str)
    """The name of a column that was computed. Emitted on the GUI thread."""
    prototypes_ready = Signal()
    """Cluster prototypes were decoded and shown. Emitted on the GUI thread."""
    reconstructions_ready = Signal()
    """Reconstructions of a thumbnail grid were decoded and shown. Emitted on the GUI thread."""
    index_ready = Signal()
    """The neighbour index of the workspace is built. Emitted on the GUI thread."""
    exported = Signal(object)
    """The path of a finished export. Emitted on the GUI thread."""

    def __init__(self, controller: AnalysisHost, parent: QObject) -> None:
        super().__init__(parent)
        self.c = controller
        self.scores = {name: JobRunner(self) for name in ("cluster", "error", "density")}
        self.index_job = JobRunner(self)
        self.recon_jobs: dict[int, JobRunner] = {}
        self.proto_job = JobRunner(self)
        self.other = JobRunner(self)
        self.prototypes: dict[int, np.ndarray] = {}
        panel = controller.colour_panel
        for runner in self.scores.values():
            runner.started.connect(panel.show_running)
            runner.progress.connect(panel.show_progress)
            runner.cancelled.connect(lambda title: panel.show_idle(f"Cancelled: {title}"))
            runner.failed.connect(self._on_failed)
        for runner in (self.index_job, self.proto_job, self.other, controller.exporter):
            runner.failed.connect(self._on_failed)
        controller.exporter.finished.connect(lambda _t, path: self.exported.emit(path))

    def _on_failed(self, title: str, message: str, details: str) -> None:
        self.c.colour_panel.show_idle(f"Failed: {message}")
        self.c.report(message, error=True)

    def _runners(self) -> list[JobRunner]:
        return [*self.scores.values(), self.index_job, *self.recon_jobs.values(),
                self.proto_job, self.other]

    def cancel(self) -> None:
        """Cancel the score computations."""
        for runner in self.scores.values():
            runner.cancel()

    def reset(self) -> None:
        """A new workspace: cancel everything that belonged to the old one."""
        for runner in self._runners():
            runner.cancel()
        self.prototypes = {}
        self.c.colour_panel.show_idle("")

    def shutdown(self) -> None:
        """Cancel all jobs and wait for their threads."""
        for runner in self._runners():
            runner.shutdown()

    # --- scores and clusters --------------------------------------------------------------
    def compute(self, name: str) -> None:
        """Compute ``cluster``, ``error`` or ``density`` for the workspace shown."""
        from latent_explorer.core.analysis import clusters, outliers

        ws = self.c.services.workspace()
        if ws is None or name not in self.scores:
            return
        latents = ws.latents
        notes: list[str] = []
        state = self.c.state
        if name == "cluster":
            method, param = state.cluster_method, state.cluster_param
            title = (f"k-means with k = {param}" if method == "kmeans"
                     else f"HDBSCAN, min cluster size {param}")

            def job(ctx: Any) -> np.ndarray:
                if method == "kmeans":
                    return clusters.kmeans_labels(latents, min(param, len(latents)), ctx=ctx,
                                                  notes=notes)
                return clusters.hdbscan_labels(latents, param, ctx=ctx, notes=notes)
        elif name == "error":
            title = "Reconstruction error"

            def job(ctx: Any) -> np.ndarray:
                return outliers.reconstruction_error(ws.model, ws.dataset, latents, ctx)
        else:
            title = "Isolation scores"

            def job(ctx: Any) -> np.ndarray:
                return outliers.density_scores(latents, ctx=ctx, notes=notes)

        def done(values: np.ndarray) -> None:
            if self.c.services.workspace() is not ws:
                return
            extra = ("; " + "; ".join(notes)) if notes else ""
            self.c.colour_panel.show_idle(f"{title}: done{extra}")
            self.c.adopt_column(name, values)
            if name == "cluster":
                self.decode_prototypes(ws, values, title)
            self.computed.emit(name)

        self.scores[name].start(title, job, done)

    def decode_prototypes(self, ws: Workspace, labels: np.ndarray, title: str) -> None:
        """Decode every cluster's mean latent (a job) and show them in the strip."""
        from latent_explorer.core.analysis.clusters import cluster_prototypes, nearest_member

        label = self.c.explorer.condition_label
        model = ws.model

        def job(ctx: Any) -> tuple[np.ndarray, np.ndarray, list[np.ndarray | None], list[int]]:
            ids, centroids = cluster_prototypes(ws.latents, labels)
            sizes = np.bincount(labels[labels >= 0])[ids].tolist() if len(ids) else []
            images: list[np.ndarray | None] = [None] * len(ids)
            if len(ids) and not ws.has_decoder and ws.has_images:
                # Nothing decodes: each cluster's prototype is its real sample nearest the mean.
                images = [ws.picture(nearest_member(ws.latents, labels, int(i), c))
                          for i, c in zip(ids, centroids, strict=True)]
            elif len(ids) and len(model.image_shape) == 3:
                cond = None if not model.num_classes else np.full(len(ids), label or 0)
                images = list(to_uint8(model.decode(centroids, cond)))
            return ids, centroids, images, sizes

        def done(result: tuple[np.ndarray, np.ndarray, list[np.ndarray | None], list[int]]) \
                -> None:
            ids, centroids, images, sizes = result
            if self.c.services.workspace() is not ws:
                return
            self.prototypes = {int(i): c for i, c in zip(ids, centroids, strict=True)}
            self.c.prototype_strip.set_prototypes([int(i) for i in ids], images, sizes,
                                                  f"{title}: {len(ids)} clusters")
            self.prototypes_ready.emit()

        self.proto_job.start("Decoding cluster prototypes", job, done)

    def prototype_latent(self, cluster: int) -> np.ndarray | None:
        """The mean latent of ``cluster``, if known."""
        return self.prototypes.get(int(cluster))

    # --- thumbnails -----------------------------------------------------------------------
    def reconstruct(self, grid: QtThumbnailGrid, indices: np.ndarray) -> None:
        """Decode the latents of samples ``indices`` and show them as ``grid``'s second images."""
        ws = self.c.services.workspace()
        if ws is None or not len(indices) or len(ws.model.image_shape) != 3:
            return
        runner = self.recon_jobs.setdefault(id(grid), JobRunner(self))
        rows = np.asarray(indices, dtype=np.int64).copy()
        model, latents = ws.model, ws.latents
        labels = None
        if model.num_classes:
            known = ws.dataset.labels
            labels = (np.asarray(known)[rows] if known is not None
                      else np.full(len(rows), self.c.explorer.condition_label or 0))

        def job(ctx: Any) -> list[np.ndarray]:
            return list(to_uint8(model.decode(latents[rows], labels)))

        def done(images: list[np.ndarray]) -> None:
            if grid.keys[: len(rows)] == rows.tolist():
                grid.set_second(list(images))
                self.reconstructions_ready.emit()

        runner.start("Decoding thumbnails", job, done)

    # --- neighbour index and metadata -----------------------------------------------------
    def build_index(self, ws: Workspace) -> None:
        """Build the workspace's neighbour index once, in the background."""
        latents = ws.latents

        def done(index: NeighborIndex) -> None:
            if self.c.services.workspace() is ws:
                self.c.index = index
                self.c.update_neighbors()
                self.index_ready.emit()

        self.index_job.start("Indexing latents", lambda ctx: NeighborIndex(latents), done)

    def find_metadata(self, ws: Workspace) -> None:
        """Join a metadata CSV found beside the dataset, if any."""
        from latent_explorer.core.analysis.metadata import find_metadata_csv

        found = find_metadata_csv(ws.dataset)
        if found is not None:
            self.join_metadata(found)

    def metadata_dialog(self) -> None:
        """Ask for a metadata CSV and join it."""
        path, _ = QFileDialog.getOpenFileName(self.c.services.parent, "Join metadata", "",
                                              "CSV files (*.csv *.tsv *.txt);;All files (*)")
        if path:
            self.join_metadata(path)

    def join_metadata(self, path: str | Path) -> None:
        """Read a metadata CSV (a job) and offer its columns for colour and filter."""
        from latent_explorer.core.analysis.metadata import read_metadata_csv

        ws = self.c.services.workspace()
        if ws is None:
            return
        notes: list[str] = []

        def done(columns: dict[str, np.ndarray]) -> None:
            if self.c.services.workspace() is not ws:
                return
            self.c.extra.update(columns)
            self.c._refresh_columns()
            self.c.report("; ".join(notes) or f"Joined {Path(path).name}")

        self.other.start(f"Reading {Path(path).name}",
                         lambda ctx: read_metadata_csv(path, ws.dataset, notes), done)

    # --- re-projection --------------------------------------------------------------------
    def reproject(self) -> None:
        """A map fitted on the selected samples only, with the projection panel's method
        (PCA, UMAP or t-SNE and their settings, in 2-D); the others are hidden."""
        import dataclasses

        from latent_explorer.core.projection import fit_projection, projector_from_arrays
        from latent_explorer.core.projection.base import ProjectionParams
        from latent_explorer.core.projection.pca import PCAProjector

        ws = self.c.services.workspace()
        rows = self.c.state.selection.copy()
        if ws is None or len(rows) < 3:
            return
        params = dataclasses.replace(self.c.projection.to_params(), n_components=2)
        name = {"pca": "PCA", "umap": "UMAP", "tsne": "t-SNE"}.get(params.method, params.method)

        def job(ctx: Any) -> Any:
            if params.method == "pca":
                pca = ProjectionParams("pca", 2, 0)
                fitted = fit_projection(ws.latents[rows], pca, ctx)
                assert isinstance(fitted, PCAProjector)
                return PCAProjector(pca, fitted.mean, fitted.all_components,
                                    fitted.all_explained_variance, fitted.transform(ws.latents))
            fitted = fit_projection(ws.latents[rows], params, ctx)
            # The hidden samples are placed by their neighbours among the selected ones, so
            # the map's inverse and "you are here" work anywhere, as on any map.
            chosen = np.zeros(len(ws.latents), dtype=bool)
            chosen[rows] = True
            coords = np.empty((len(ws.latents), 2), dtype=np.float32)
            coords[chosen] = fitted.coords[:, :2]
            if not chosen.all():
                ctx.progress(None, f"placing the other {int((~chosen).sum()):,} samples")
                coords[~chosen] = fitted.transform(ws.latents[~chosen])[:, :2]
            return projector_from_arrays(params, {"coords": coords, "latents": ws.latents,
                                                  "sampled": np.array(-1)})

        def done(projector: Any) -> None:
            if self.c.services.workspace() is not ws:
                return
            if self.c._saved_projector is None:
                self.c._saved_projector = ws.projector
            self.c._subset_projector = projector
            ws.projector = projector
            self.c.state.isolated = True
            self.c.show_map(ws)
            self.c.report(f"{name} of the {len(rows):,} selected samples; Show all goes back")

        self.other.start(f"Re-projecting {len(rows):,} samples ({name})", job, done)

    def restore_projection(self) -> None:
        """Back to the map shown before :meth:`reproject`."""
        ws = self.c.services.workspace()
        saved = self.c._saved_projector
        self.c._saved_projector = self.c._subset_projector = None
        if ws is not None and saved is not None:
            ws.projector = saved
            self.c.show_map(ws)

    # --- attribute vectors ----------------------------------------------------------------
    def make_difference(self, a: str, b: str) -> None:
        """Add the attribute "B minus A" from two named selections."""
        from latent_explorer.core.analysis.attributes import attribute_from_selections

        self._make(lambda latents, sa, sb: [attribute_from_selections(
            latents, sa.indices, sb.indices, f"{b} minus {a}")], a, b)

    def make_principal(self, name: str, count: int) -> None:
        """Add the principal directions of the named selection ``name``."""
        from latent_explorer.core.analysis.attributes import principal_directions

        self._make(lambda latents, sa, _: principal_directions(
            latents, sa.indices, count, f"{name} PC"), name, name)

    def _make(self, fn: Any, a: str, b: str) -> None:
        from latent_explorer.core.errors import LatentExplorerError

        ws = self.c.services.workspace()
        sa, sb = self.c.state.selection_named(a), self.c.state.selection_named(b)
        if ws is None or sa is None or sb is None:
            self.c.report("Choose saved selections first", error=True)
            return
        try:
            self.c.state.add_attributes(fn(ws.latents, sa, sb))
        except (LatentExplorerError, ValueError) as exc:
            self.c.report(str(exc), error=True)

    # --- exports --------------------------------------------------------------------------
    def export_selection_dialog(self) -> None:
        """Ask for a CSV, Parquet or NPZ file and export the selection to it."""
        if not len(self.c.state.selection):
            self.c.report("Select samples first (lasso, rectangle or Shift+click)")
            return
        path, chosen = QFileDialog.getSaveFileName(self.c.services.parent, "Export selection",
                                                   str(Path.cwd() / "selection.csv"),
                                                   selection_filter())
        if path:
            if not Path(path).suffix:
                path += next((s for s in (".npz", ".parquet") if s[1:] in chosen), ".csv")
            self.export_selection(path)

    def export_selection(self, path: str | Path) -> None:
        """Write the selection (indices, labels, metadata, scores, coords, latents), every
        column of its own type, to ``path`` (``.npz``, ``.parquet``, else CSV) in the
        background."""
        from latent_explorer.core.analysis.selection_export import export_selection

        ws = self.c.services.workspace()
        if ws is None:
            return
        rows = self.c.state.selection.copy()
        extra = {**self.c.extra, **self.c.computed}
        coords = np.asarray(ws.projector.coords)

        def write(ctx: Any) -> Path:  # (vectors that came without pictures export none)
            return export_selection(path, rows, ws.dataset, ws.latents, coords, extra,
                                    images=ws.has_images)

        def done(written: Path) -> None:
            self.c.report(f"Exported {len(rows):,} samples to {written}")

        self.c.exporter.start(f"Exporting {Path(path).name}", write, done)

    def export_map_dialog(self, kind: str) -> None:
        """Ask for a file and save the map as ``png`` or ``svg``."""
        path, _ = QFileDialog.getSaveFileName(self.c.services.parent,
                                              f"Export map as {kind.upper()}",
                                              str(Path.cwd() / f"map.{kind}"),
                                              f"{kind.upper()} images (*.{kind})")
        if path:
            (self.export_map_svg if kind == "svg" else self.export_map_png)(path)

    def export_map_png(self, path: str | Path) -> None:
        """Save the map exactly as shown (a screen grab) as PNG."""
        from latent_explorer.qt.images import save_png_atomic

        if not save_png_atomic(self.c.map_view.grab(), path):
            self.c.report(f"{path}: cannot be written", error=True)
            return
        self.c.report(f"Saved the map to {path}")
        self.exported.emit(Path(path))

    def export_map_svg(self, path: str | Path) -> None:
        """Save the map as a vector SVG (a job): visible points, colours, the path."""
        from latent_explorer.core.export.map_svg import MapLabel, write_map_svg

        view = self.c.map_view
        coords = view.coords.copy()
        if not len(coords):
            return
        palette = np.array([[c.red(), c.green(), c.blue(), c.alpha()] for c in self.c.palette]
                           or [[142, 202, 230, 255]], dtype=np.uint8)
        index = self.c.color_index if len(self.c.color_index) == len(coords) \
            else np.zeros(len(coords), dtype=np.int64)
        colours = palette[np.clip(index, 0, len(palette) - 1)]
        (x0, x1), (y0, y1) = view.view_box.viewRange()
        curve_x, curve_y = self.c.path_overlay.curve.getData()
        curve = None if curve_x is None or not len(curve_x) else np.stack([curve_x, curve_y], 1)
        labels = [MapLabel(float(t.pos().x()), float(t.pos().y()), t.toPlainText())
                  for t in self.c.path_overlay.labels]
        visible = view.cloud.visible.copy()
        size = (max(1, view.width()), max(1, view.height()))

        def job(ctx: Any) -> Path:
            return write_map_svg(path, coords, colours, visible=visible,
                                 view_range=((x0, x1), (y0, y1)), size=size, path=curve,
                                 labels=labels, radius=max(1.5, view.cloud.radius + 0.5),
                                 title="Latent Explorer map")

        self.c.exporter.start(f"Exporting {Path(path).name}", job,
                              lambda p: self.c.report(f"Saved the map to {p}"))
