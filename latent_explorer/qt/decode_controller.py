"""The current latent, decoded: the probe, a clicked sample or the sliders set it; the decoder
view and the "you are here" markers show it."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject

from latent_explorer.core.compute.decoder import DecodeResult
from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.bridges import DecoderBridge
from latent_explorer.qt.widgets.decoder_view import REDUCED_CAPTION, QtDecoderView
from latent_explorer.qt.widgets.latent_sliders import QtLatentSliders
from latent_explorer.qt.widgets.map_view import QtMapView
from latent_explorer.qt.window_services import WindowServices

if TYPE_CHECKING:
    from latent_explorer.core.compute.pipeline import Workspace


def sample_caption(ws: Workspace, index: int, sep: str = "\n", fields: bool = False) -> str:
    """``#index``, the sample's label and (for files) its file name joined by ``sep``, for
    captions; with ``fields`` (hover cards), its other metadata too, one ``name value`` per
    line, each written as its type reads (``id 100017``, ``is_outlier true``)."""
    if ws.dataset.source.startswith("prior:"):
        from latent_explorer.core.models.base import LatentSampler

        if isinstance(ws.model, LatentSampler):  # a map of seeds 0 to N - 1 (a StyleGAN)
            return f"Seed {index:,}"
        return f"Sample #{index} from the prior, decoded"
    text = f"#{index}"
    if ws.dataset.labels is not None:
        text += f"  label {ws.dataset.label_name(int(ws.dataset.labels[index]))}"
    files = ws.dataset.metadata.get("file")
    if files is not None:
        text = f"{text}{sep}{files[index]}"
    if fields:
        from latent_explorer.core.analysis.row_fields import row_fields

        text += "".join(f"{sep}{name}  {value}"
                        for name, value in row_fields(ws.dataset.metadata, index, ("file",)))
    return text


class DecodeController(QObject):
    """Keeps the explorer state, the decode worker, the decoder view and the maps' "you are
    here" markers in step."""

    def __init__(self, services: WindowServices, explorer: ExplorerState,
                 decoder: DecoderBridge, decoder_view: QtDecoderView, map_view: QtMapView,
                 sliders: QtLatentSliders,
                 inverse_3d: Callable[[np.ndarray], np.ndarray | None],
                 here_3d: Callable[[np.ndarray], None]) -> None:
        """Decodes ``explorer``'s current latent with ``decoder`` into ``decoder_view``.

        ``inverse_3d(position)`` is the latent at a 3-D map position (``None`` without a 3-D
        map); ``here_3d(latent)`` moves the 3-D map's "you are here" marker.
        """
        super().__init__(services.parent)
        self.services = services
        self.explorer = explorer
        self.decoder = decoder
        self.decoder_view = decoder_view
        self.map_view = map_view
        self.inverse_3d = inverse_3d
        self.here_3d = here_3d
        self._probe_latent: tuple[np.ndarray, np.ndarray] | None = None
        """The latent the 2-D probe set last, and where the probe was."""
        self._last_error = ""
        ev = explorer.events
        ev.current_latent.connect(self.show_current)
        ev.probe_position.connect(self._on_probe_position_changed)
        ev.selected_index.connect(self._on_selected_index_changed)
        ev.condition_label.connect(lambda _: self.show_current(explorer.current_latent))
        decoder.decoded.connect(self._on_decoded)
        sliders.reset_requested.connect(self._on_reset_requested)

    def _on_probe_position_changed(self, position: tuple[float, ...] | None) -> None:
        ws = self.services.workspace()
        if position is None or ws is None or not ws.has_decoder:
            return  # (with no decoder the probe is hidden and a position means nothing)
        point = np.asarray(position, dtype=np.float32)
        if len(point) == 3:  # the 3-D view's probe
            latent = self.inverse_3d(point)
            if latent is None:
                return
        else:
            latent = ws.projector.inverse(point[None, :2])[0]
        latent = latent.astype(np.float32)
        # While the probe drives the latent, the star sits on the probe: for UMAP and t-SNE
        # the way back to a latent and forward again to the map do not round-trip exactly.
        self._probe_latent = (latent, point[:2]) if len(point) == 2 else None
        self.explorer.current_latent = latent

    def _on_selected_index_changed(self, index: int | None) -> None:
        ws = self.services.workspace()
        if ws is None or index is None:
            self.decoder_view.show_original(None)
            return
        self.explorer.current_latent = np.array(ws.latents[index], dtype=np.float32)
        self.decoder_view.show_original(ws.picture(index),
                                        sample_caption(ws, index, "  \u00b7  "))

    def _on_reset_requested(self) -> None:
        ws = self.services.workspace()
        if ws is None:
            return
        index = self.explorer.selected_index
        self.explorer.current_latent = (ws.latents[index].copy() if index is not None
                                        else ws.stats.mean.copy())

    def show_current(self, latent: np.ndarray | None) -> None:
        """Decode ``latent`` (the current one) and mark it on the maps."""
        ws = self.services.workspace()
        if latent is None or ws is None or len(latent) != ws.model.latent_dim:
            # (a latent of the data shown before, while another kind of map is installed)
            self.map_view.set_here(None)
            return
        if ws.has_decoder:  # a map with no decoder only marks where the vector lies
            self.decoder.submit(latent, self.explorer.condition_label, tag="current")
            self.decoder_view.show_latent(latent, ws.model.latent_shape)
        probe = self._probe_latent
        if probe is not None and np.array_equal(probe[0], latent):
            self.map_view.set_here(probe[1])
        else:  # sliders, paths, samples moved it: the star goes where the latent projects
            self._probe_latent = None
            self.map_view.set_here(ws.projector.transform(latent[None, :])[0])
        self.here_3d(latent)

    def _on_decoded(self, result: DecodeResult) -> None:
        if not result.final and result.image is not None:
            self.decoder_view.show_preview(result.image, REDUCED_CAPTION)
            return
        if result.error is not None or result.image is None:
            message = result.error or "nothing decoded"
            self.decoder_view.show_error(message)
            if result.details and message != self._last_error:  # the whole trace, once
                from latent_explorer.core.session.crash_log import log_details

                log_details(message, result.details)
            self._last_error = message
            self.services.report_error(message)
            return
        self.decoder_view.show_decoded(result.image, "Decoded")
