"""Model extras in the window: an A/B comparison model, and placing an image on the map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from latent_explorer.core.compute.decoder import DecodeResult
from latent_explorer.core.errors import IncompatibleError, InputFileError
from latent_explorer.core.models.base import GenerativeModel
from latent_explorer.core.models.trust import TrustChanged, TrustGrant
from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.bridges import DecoderBridge, JobRunner
from latent_explorer.qt.dialogs.open_model_dialog import WEIGHTS_FILTER
from latent_explorer.qt.trust import TrustGate
from latent_explorer.qt.widgets.decoder_view import QtDecoderView
from latent_explorer.qt.widgets.map_view import QtMapView
from latent_explorer.qt.window_services import WindowServices

IMAGE_FILTER = "Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp);;All files (*)"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp")


def read_image_for(model: GenerativeModel, path: str | Path) -> np.ndarray:
    """``path`` as float32 pixels in [0, 1], resized and converted to the model's image shape."""
    from PIL import Image, UnidentifiedImageError

    if len(model.image_shape) != 3:
        raise IncompatibleError(f"{model.name} does not make images")
    h, w, c = (int(v) for v in model.image_shape)
    try:
        with Image.open(path) as img:
            img.load()
            rgb = img.convert("RGBA")
    except (OSError, UnidentifiedImageError, ValueError) as exc:
        raise InputFileError(path, f"is not a readable image ({exc})") from None
    background = Image.new("RGBA", rgb.size, (0, 0, 0, 255))
    flat = Image.alpha_composite(background, rgb).convert("L" if c == 1 else "RGB")
    resized = flat.resize((w, h), Image.Resampling.BOX if flat.width > w else
                          Image.Resampling.BILINEAR)
    pixels = np.asarray(resized, dtype=np.float32) / 255.0
    return pixels.reshape(h, w, c)


class ModelController(QObject):
    """Owns the comparison model's decoder and the "place an image" job."""

    compare_changed = Signal(object)
    """The comparison model (or ``None``). Emitted on the GUI thread."""
    image_placed = Signal(object, float)
    """(latent, reconstruction error) of a placed image. Emitted on the GUI thread."""

    def __init__(self, services: WindowServices, explorer: ExplorerState, map_view: QtMapView,
                 decoder_view: QtDecoderView) -> None:
        """Compares in ``decoder_view`` and marks placed images on ``map_view``."""
        super().__init__(services.parent)
        self.services = services
        self.explorer = explorer
        self.decoder_view = decoder_view
        self.compare_model: GenerativeModel | None = None
        self.compare_decoder = DecoderBridge(None, self)
        self.compare_decoder.decoded.connect(self._on_compare_decoded)
        self.jobs = JobRunner(self)
        self.gate = TrustGate(services.parent, self.jobs)
        self.jobs.failed.connect(lambda t, message, d: services.report_error(message))
        self.jobs.progress.connect(lambda f, m: services.show_status(m, 3000) if m else None)
        self.placed_item = pg.ScatterPlotItem(size=18, symbol="d", pen=pg.mkPen("#111", width=1.5),
                                              brush=pg.mkBrush("#2ec4b6"))
        self.placed_item.setZValue(35)
        map_view.addItem(self.placed_item, ignoreBounds=True)
        self.placed_latent: np.ndarray | None = None
        explorer.events.current_latent.connect(self._on_current_latent_changed)
        explorer.events.condition_label.connect(
            lambda _: self._on_current_latent_changed(explorer.current_latent))
        services.map_changed.connect(self._redraw_placed)

    # --- A/B comparison -------------------------------------------------------------------
    def open_compare_dialog(self) -> None:
        """Ask for a second model and show it beside the first."""
        path, _ = QFileDialog.getOpenFileName(self.services.parent, "Open comparison model", "",
                                              WEIGHTS_FILTER)
        if path:
            self.open_compare(path)

    def open_compare(self, spec: str, trust_code: bool | TrustGrant | None = None,
                     changed: TrustChanged | None = None) -> None:
        """Load model ``spec`` in the background and compare it with the current model.

        A file that runs code is asked about first (found out on a worker), naming the file
        that will run; ``trust_code`` is the user's yes given already (``True`` or a grant).
        """
        def refused(message: str) -> None:
            self.services.report_error(f"No comparison: {message}")

        self.gate.request(spec, None if changed else trust_code,
                          lambda grant: self._load_compare(spec, grant), refused,
                          changed=changed)

    def _load_compare(self, spec: str, grant: TrustGrant | None) -> None:
        from latent_explorer.core.models import load_model

        def job(ctx: Any) -> GenerativeModel | TrustChanged:
            try:
                model = load_model(spec, trust_code=grant if grant is not None else False)
            except TrustChanged as exc:  # changed since the yes: ask again, naming it
                return exc
            ws = self.services.workspace()
            if ws is not None and model.latent_dim != ws.model.latent_dim:
                raise IncompatibleError(
                    f"{model.name} takes {model.latent_dim} latent values but {ws.model.name} "
                    f"takes {ws.model.latent_dim}; A/B comparison needs the same latent size")
            return model

        def done(model: GenerativeModel | TrustChanged) -> None:
            if isinstance(model, TrustChanged):
                self.open_compare(spec, changed=model)
            else:
                self.set_compare(model)

        self.jobs.start(f"Opening {Path(spec).name} for comparison", job, done)

    def set_compare(self, model: GenerativeModel | None) -> None:
        """Compare with ``model`` (``None`` ends the comparison)."""
        self.compare_model = model
        self.compare_decoder.set_model(model)
        self.decoder_view.set_compare(None if model is None else model.name)
        self.compare_changed.emit(model)
        self._on_current_latent_changed(self.explorer.current_latent)

    def _on_current_latent_changed(self, latent: np.ndarray | None) -> None:
        if self.compare_model is None or latent is None:
            return
        if len(latent) != self.compare_model.latent_dim:
            self.set_compare(None)  # the main model changed to another latent size
            return
        label = self.explorer.condition_label if self.compare_model.num_classes else None
        self.compare_decoder.submit(latent, label, tag="compare")

    def _on_compare_decoded(self, result: DecodeResult) -> None:
        self.decoder_view.show_compare(result.image, result.error)

    # --- placing an image -----------------------------------------------------------------
    def place_image_dialog(self) -> None:
        """Ask for an image file and place it on the map."""
        path, _ = QFileDialog.getOpenFileName(self.services.parent, "Place an image on the map", "",
                                              IMAGE_FILTER)
        if path:
            self.place_image(path)

    def place_image(self, path: str | Path) -> None:
        """Encode ``path`` (or, for a decoder-only model, invert it) and mark it on the map."""
        from latent_explorer.core.analysis.inversion import invert_image

        ws = self.services.workspace()
        if ws is None:
            return
        model, label = ws.model, self.explorer.condition_label

        def job(ctx: Any) -> tuple[np.ndarray, float]:
            pixels = read_image_for(model, path)
            if model.has_encoder:
                latent = model.encode(pixels[None])[0]
                recon = model.decode(latent[None])[0]
                return latent, float(((recon - pixels) ** 2).mean())
            result = invert_image(model, pixels, label=label, ctx=ctx)
            return result.latent, result.error

        name = Path(path).name
        how = "Encoding" if model.has_encoder else "Inverting (searching the latent space for)"
        self.jobs.start(f"{how} {name}", job, lambda r: self._on_placed(name, *r))

    def _on_placed(self, name: str, latent: np.ndarray, error: float) -> None:
        self.placed_latent = latent
        self._redraw_placed()
        self.explorer.current_latent = latent.astype(np.float32)
        self.services.show_status(
            f"Placed {name} on the map (reconstruction error {error:.4f})", 15000)
        self.image_placed.emit(latent, error)

    def _redraw_placed(self) -> None:
        ws = self.services.workspace()
        if self.placed_latent is None or ws is None or \
                len(self.placed_latent) != ws.model.latent_dim:
            self.placed_item.setData([], [])
            return
        x, y = ws.projector.transform(self.placed_latent[None])[0][:2]
        self.placed_item.setData([float(x)], [float(y)])

    def shutdown(self) -> None:
        """Stop the comparison decoder and any running job."""
        self.jobs.shutdown()
        self.compare_decoder.close()
