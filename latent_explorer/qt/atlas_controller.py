"""The decoded atlas in the window: a mosaic layer on the map, and previews of slow decodes.

:class:`AtlasController` keeps an atlas of the map's visible region (decoded in the
background, coarse to fine) whenever it is shown or the model is slow to decode; it restarts
the build when the view, the map or the model changes. While the true decode of the probe's
latent is pending, the decoder pane shows the blend of the nearest tiles, marked as a preview.
It gets the parts it drives, never the window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from latent_explorer.core.compute.atlas import LEVELS, AtlasLevel
from latent_explorer.core.compute.decoder import DecodeResult
from latent_explorer.core.export.images import save_png
from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.bridges import AtlasBridge, DecoderBridge
from latent_explorer.qt.widgets.atlas_layer import AtlasLayer
from latent_explorer.qt.widgets.decoder_view import QtDecoderView
from latent_explorer.qt.widgets.map_view import QtMapView
from latent_explorer.qt.window_services import WindowServices

SLOW_DECODE_MS = 40.0
"""A model slower than this per decode gets an atlas (and previews) even when it is hidden."""
RESTART_DELAY_MS = 250
"""The atlas restarts this long after the view stops moving."""


class AtlasController(QObject):
    """Builds, shows and exports the decoded atlas; shows atlas previews of pending decodes.

    Parameters
    ----------
    services
        The window's services: the workspace shown (its model and the projection's inverse),
        the status bar, the parent of the export dialog, and the map-changed signal (a new
        map or model rebuilds the atlas).
    state
        The explorer state (probe position, class of a conditional decoder).
    map_view
        The 2-D map the layer is drawn on and whose visible region is decoded.
    decoder
        The newest-wins decoder bridge (its pace and pending requests decide on previews).
    decoder_view
        The pane previews are shown in.
    """

    level_shown = Signal(object)
    """The :class:`AtlasLevel` now held (and drawn when the layer is on). GUI thread."""

    def __init__(self, services: WindowServices, state: ExplorerState, map_view: QtMapView,
                 decoder: DecoderBridge, decoder_view: QtDecoderView) -> None:
        super().__init__(services.parent)
        parent = services.parent
        self.state = state
        self.map_view = map_view
        self.decoder = decoder
        self.decoder_view = decoder_view
        self.workspace = services.workspace
        self._closed = False
        self.show_status = services.show_status
        self.parent_widget = parent
        # Finer grids wait while the decoder works on the picture the user waits for.
        self.bridge = AtlasBridge(self, yield_to=lambda: decoder.worker.busy)
        self.layer = AtlasLayer()
        map_view.addItem(self.layer, ignoreBounds=True)
        self.level: AtlasLevel | None = None
        self.levels = LEVELS
        self.decode_ms = 0.0
        self.preview_count = 0

        self.show_action = QAction("Decoded &Atlas", parent)
        self.show_action.setCheckable(True)
        self.show_action.setShortcut(QKeySequence("A"))
        self.show_action.setToolTip("Show the map's visible region decoded on a grid, under the "
                                    "points (A); it refines in the background")
        self.instead_action = QAction("Atlas &Instead of Points", parent)
        self.instead_action.setCheckable(True)
        self.instead_action.setToolTip("Hide the points while the decoded atlas is shown")
        self.export_action = QAction("Export Decoded Atlas as &PNG...", parent)
        self.export_action.setEnabled(False)
        self._restart_timer = QTimer(self)
        self._restart_timer.setSingleShot(True)
        self._restart_timer.setInterval(RESTART_DELAY_MS)

        self.show_action.toggled.connect(self._on_show_toggled)
        self.instead_action.toggled.connect(self._apply_visibility)
        self.export_action.triggered.connect(self.export_dialog)
        self._restart_timer.timeout.connect(self.restart)
        self.bridge.level_ready.connect(self._on_level_ready)
        self.bridge.failed.connect(lambda message: self.show_status(message, 10000))
        services.map_changed.connect(self.reset)
        map_view.view_box.sigRangeChanged.connect(self._on_view_changed)
        decoder.decoded.connect(self._on_decoded)
        # Before the other views (sliders, readout, map marker) react to the move: the preview
        # is on screen first.
        state.events.probe_position.connect(self._on_probe_position_changed, priority=10)
        state.events.condition_label.connect(lambda _: self._on_view_changed())

    # --- building -------------------------------------------------------------------------
    @property
    def wanted(self) -> bool:
        """Whether an atlas is kept: the layer is shown, or decoding is slow (for previews)."""
        return self.show_action.isChecked() or self.decode_ms > SLOW_DECODE_MS

    def set_mode(self, mode: str) -> None:
        """``off``, ``under`` (the points drawn over the atlas) or ``instead`` (no points)."""
        if mode not in ("off", "under", "instead"):
            raise ValueError(f"atlas mode must be off, under or instead, got {mode!r}")
        self.instead_action.setChecked(mode == "instead")
        self.show_action.setChecked(mode != "off")

    @property
    def settled(self) -> bool:
        """Whether the shown atlas is complete: its finest grid of the region in view (always
        true when the atlas is hidden)."""
        if not self.show_action.isChecked() or self.workspace() is None:
            return True
        level = self.level
        return (level is not None and level.side == self.levels[-1]
                and not self._restart_timer.isActive()
                and np.allclose(level.rect, self.visible_rect()))

    def visible_rect(self) -> tuple[float, float, float, float]:
        """The map region in view ``(x0, y0, x1, y1)``."""
        (x0, x1), (y0, y1) = self.map_view.view_box.viewRange()
        return float(x0), float(y0), float(x1), float(y1)

    def restart(self) -> None:
        """Decode the visible region afresh (coarse to fine), dropping the build in progress."""
        self._restart_timer.stop()
        ws = self.workspace()
        if self._closed:
            return  # the window closed: a late preview asks in vain
        if ws is None or not self.wanted or len(ws.model.image_shape) != 3:
            self.bridge.cancel()
            return
        projector = ws.projector

        def inverse(points: np.ndarray) -> np.ndarray:
            return np.asarray(projector.inverse(points[:, :2]), dtype=np.float32)

        self.bridge.start(ws.model, inverse, self.visible_rect(), self.levels,
                          self.state.condition_label)

    def reset(self) -> None:
        """Forget the atlas (a new model or map) and rebuild it if it is wanted."""
        self.bridge.cancel()
        self.level = None
        self.layer.show_level(None)
        self._apply_visibility()
        self.export_action.setEnabled(False)
        self.decode_ms = 0.0
        self._on_view_changed()

    def shutdown(self) -> None:
        """Stop the atlas worker; nothing restarts it afterwards."""
        self._closed = True
        self._restart_timer.stop()
        self.bridge.close()

    def _on_view_changed(self, *_: Any) -> None:
        if self.wanted:
            self._restart_timer.start()

    def _on_show_toggled(self, shown: bool) -> None:
        self._apply_visibility()
        if shown and (self.level is None or self.level.rect != self.visible_rect()):
            self.restart()

    def _apply_visibility(self, *_: Any) -> None:
        shown = self.show_action.isChecked()
        self.layer.setVisible(shown and self.level is not None)
        points = not (shown and self.instead_action.isChecked())
        self.map_view.cloud.setVisible(points)
        self.map_view.legend.setVisible(points)  # the legend names the points' colours

    def _on_level_ready(self, level: AtlasLevel) -> None:
        self.level = level
        self.layer.show_level(level)
        self._apply_visibility()
        self.export_action.setEnabled(True)
        self.level_shown.emit(level)

    # --- previews -------------------------------------------------------------------------
    def _on_decoded(self, result: DecodeResult) -> None:
        if result.final and result.error is None and result.decode_ms > 0:
            slow_before = self.decode_ms > SLOW_DECODE_MS
            self.decode_ms = result.decode_ms
            if not slow_before and self.decode_ms > SLOW_DECODE_MS and self.level is None:
                self.restart()  # a slow model: previews need an atlas

    def _on_probe_position_changed(self, position: tuple[float, ...] | None) -> None:
        level = self.level
        if position is None or len(position) != 2 or level is None or not level.covers(position):
            return
        if not (self.decoder.worker.busy or self.decode_ms > SLOW_DECODE_MS):
            return  # the true image will be there within a frame
        self.decoder.hold_until_newest()
        self.decoder_view.show_preview(level.blend(position))
        self.decoder_view.decoded_pane.repaint()  # now, not after the other views' updates
        self.preview_count += 1

    # --- export ---------------------------------------------------------------------------
    def export_png(self, path: str | Path) -> Path:
        """Write the finest decoded grid so far as a PNG picture."""
        if self.level is None:
            raise RuntimeError("no decoded atlas yet")
        return save_png(path, self.level.mosaic)

    def export_dialog(self) -> None:
        """Ask where to save the atlas picture, and save it."""
        if self.level is None:
            return
        path, _ = QFileDialog.getSaveFileName(self.parent_widget, "Export decoded atlas",
                                              "atlas.png", "PNG images (*.png)")
        if path:
            target = self.export_png(path)
            side = self.level.side
            self.show_status(f"Saved the {side}x{side} decoded atlas to {target}", 8000)
