"""The decoded atlas in the real window: a mosaic layer on the map, exported as PNG, and a
preview of the probe's picture while a slow decode is pending."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image
from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QFileDialog

from latent_explorer.core.compute.atlas import grid_centres
from latent_explorer.core.compute.decoder import decode_one
from latent_explorer.core.models import load_model
from tests.core.spatial_models import GatedModel, shapes_npz
from tests.qt.conftest import wait_decoded


def _wait_level(qtbot, window, side: int, rect=None) -> None:  # type: ignore[no-untyped-def]
    def ready() -> bool:
        level = window.atlas.level
        return (level is not None and level.side == side
                and (rect is None or np.allclose(level.rect, rect)))

    qtbot.waitUntil(ready, timeout=60_000)


def test_atlas_layer_shows_decoded_tiles_and_exports_a_png(make_window, qtbot, tmp_path: Path,
                                                            monkeypatch) -> None:  # type: ignore[no-untyped-def]
    window = make_window(shapes_npz(tmp_path), "demo-shapes")
    atlas, ws = window.atlas, window.workspace
    assert not atlas.layer.isVisible() and not atlas.export_action.isEnabled()
    atlas.show_action.trigger()
    _wait_level(qtbot, window, 16)
    level = atlas.level
    assert atlas.layer.isVisible() and window.map_view.cloud.isVisible()
    assert np.allclose(level.rect, atlas.visible_rect())
    assert level.mosaic.shape == (16 * 32, 16 * 32, 3)
    assert atlas.layer.image.shape == level.mosaic.shape
    # Each tile is the model's decode of the map position at its centre (top row first).
    centres = grid_centres(level.rect, 16)
    for row, col in ((0, 0), (15, 3), (7, 12)):
        latent = ws.projector.inverse(centres[row, col][None, :])[0]
        np.testing.assert_array_equal(level.tiles[row, col], decode_one(ws.model, latent))
    assert centres[0, 0, 1] > centres[15, 0, 1]  # row 0 is the top of the map
    # Colour pictures that differ across the map.
    assert level.tiles.reshape(256, -1).std(axis=0).mean() > 2
    # Instead of the points.
    atlas.instead_action.trigger()
    assert not window.map_view.cloud.isVisible() and atlas.layer.isVisible()
    atlas.instead_action.trigger()
    assert window.map_view.cloud.isVisible()

    # Export as PNG through the menu action.
    target = tmp_path / "atlas.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(target), "PNG images (*.png)"))
    assert atlas.export_action.isEnabled()
    atlas.export_action.trigger()
    with Image.open(target) as picture:
        assert picture.size == (512, 512) and picture.mode == "RGB"
        np.testing.assert_array_equal(np.asarray(picture), level.mosaic)
    assert "16x16 decoded atlas" in window.statusBar().currentMessage()

    # Zooming in restarts the atlas on the new visible region, coarse to fine.
    x0, y0, x1, y1 = level.rect
    window.map_view.view_box.setRange(xRange=(x0, (x0 + x1) / 2), yRange=(y0, (y0 + y1) / 2),
                                      padding=0)
    _wait_level(qtbot, window, 16, atlas.visible_rect())
    assert atlas.level.rect[2] < x1
    # Hidden again: the layer goes, the points stay.
    atlas.show_action.trigger()
    assert not atlas.layer.isVisible() and window.map_view.cloud.isVisible()


def test_preview_while_a_slow_decode_is_pending(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = GatedModel(load_model("demo-shapes"))
    window = make_window(shapes_npz(tmp_path), model)
    atlas, view, ws = window.atlas, window.decoder_view, window.workspace
    atlas.show_action.trigger()
    _wait_level(qtbot, window, 16)
    level = atlas.level
    x0, y0, x1, y1 = level.rect
    delivered: list[int] = []
    window.decoder.decoded.connect(lambda result: delivered.append(result.request_id))

    # Hold the true decodes: the first probe move starts one that cannot finish yet.
    model.gate.clear()
    first = ((x0 * 3 + x1) / 4, (y0 * 3 + y1) / 4)
    window.map_view.probe.setPos(QPointF(*first))
    assert model.waiting.wait(10)
    assert window.decoder.worker.busy
    # The next move cannot be decoded now: the pane shows the atlas blend, marked preview.
    second = ((x0 + x1 * 3) / 4, (y0 + y1 * 3) / 4)
    window.map_view.probe.setPos(QPointF(*second))
    assert view.showing_preview and "Preview" in view.decoded_pane.caption
    np.testing.assert_array_equal(view.decoded_pane.array, level.blend(second))
    newest = window.decoder.worker.latest_id

    # Let the decodes run: the older one is never shown after the preview, the newest is.
    model.gate.set()
    wait_decoded(qtbot, window)
    assert delivered == [newest]
    assert not view.showing_preview and view.decoded_pane.caption == "Decoded"
    truth = decode_one(ws.model, ws.projector.inverse(np.array([second], np.float32))[0])
    np.testing.assert_array_equal(view.decoded_pane.array, truth)
    assert atlas.preview_count == 1


def test_a_fully_convolutional_decoder_shows_half_resolution_first(make_window, qtbot,
                                                                  tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import threading

    from latent_explorer.core.compute.progressive import decode_reduced
    from latent_explorer.core.models.torch_adapter import TorchModel
    from tests.core.spatial_models import spatial_conv_model

    base = spatial_conv_model(4, 8)
    network = base.network[1]
    hold_full = threading.Event()
    release = threading.Event()

    def decode_fn(z):  # type: ignore[no-untyped-def]
        if z.shape[-1] == 8 and len(z) == 1 and hold_full.is_set():
            assert release.wait(10)
        return network(z)

    model = TorchModel(decode_fn, encode_fn=base.network[0], name="conv AE", source="test",
                       latent_shape=(4, 8, 8), image_shape=(32, 32, 3), channels_first=True,
                       encoder_layout="nchw")
    window = make_window(shapes_npz(tmp_path), model)
    view = window.decoder_view
    stages: list[tuple[int, str]] = []
    window.decoder.decoded.connect(lambda r: stages.append((r.request_id, r.stage)))
    hold_full.set()
    latent = window.workspace.latents[5] * 3
    window.explorer.current_latent = latent
    newest = window.decoder.worker.latest_id
    # The half-resolution picture is shown while the full decode is held.
    qtbot.waitUntil(lambda: stages == [(newest, "reduced")], timeout=10_000)
    assert view.showing_preview and "half resolution" in view.decoded_pane.caption
    np.testing.assert_array_equal(view.decoded_pane.array, decode_reduced(model, latent))
    release.set()
    wait_decoded(qtbot, window)
    assert stages == [(newest, "reduced"), (newest, "full")]
    assert not view.showing_preview
    np.testing.assert_array_equal(view.decoded_pane.array, decode_one(model, latent))


def test_the_atlas_controller_works_from_its_parts_alone(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QObject, Signal
    from PySide6.QtWidgets import QWidget

    from latent_explorer.core.analysis.latent_stats import compute_latent_stats
    from latent_explorer.core.compute.pipeline import Workspace
    from latent_explorer.core.datasets.base import ArrayDataset
    from latent_explorer.core.projection import fit_projection
    from latent_explorer.core.projection.base import ProjectionParams
    from latent_explorer.core.session.state import ExplorerState
    from latent_explorer.qt.atlas_controller import AtlasController
    from latent_explorer.qt.bridges import DecoderBridge
    from latent_explorer.qt.widgets.decoder_view import QtDecoderView
    from latent_explorer.qt.widgets.map_view import QtMapView
    from latent_explorer.qt.window_services import WindowServices
    from tests.core.fakes import LinearModel

    class Events(QObject):
        workspace_changed = Signal(object)
        map_changed = Signal()

    model = LinearModel(latent_dim=3, side=4)
    latents = np.random.default_rng(0).standard_normal((50, 3)).astype(np.float32)
    images = (model.decode(latents) * 255).astype(np.uint8)
    ws = Workspace(ArrayDataset("tiny", "test", images), model, latents, "tiny",
                   fit_projection(latents, ProjectionParams("pca", 2)),
                   compute_latent_stats(latents))
    parent, events, notes = QWidget(), Events(), []
    qtbot.addWidget(parent)
    explorer = ExplorerState()
    view, decoded = QtMapView(explorer), QtDecoderView(explorer)
    qtbot.addWidget(view)
    qtbot.addWidget(decoded)
    view.resize(400, 400)
    view.set_points(ws.projector.coords, None)
    decoder = DecoderBridge(model, parent)
    services = WindowServices(parent, lambda: ws, lambda m, ms: notes.append(m), notes.append,
                              events.workspace_changed, events.map_changed)
    atlas = AtlasController(services, explorer, view, decoder, decoded)
    try:
        atlas.show_action.trigger()
        qtbot.waitUntil(lambda: atlas.level is not None and atlas.level.side == 16,
                        timeout=30_000)
        assert atlas.layer.isVisible() and atlas.level.mosaic.shape == (64, 64, 1)
        assert atlas.export_png(tmp_path / "a.png").exists()
        events.map_changed.emit()  # a new map: the old atlas goes, a new one is built
        assert atlas.level is None and not atlas.layer.isVisible()
        qtbot.waitUntil(lambda: atlas.level is not None and atlas.level.side == 16,
                        timeout=30_000)
    finally:
        atlas.shutdown()
        decoder.close()


def test_a_late_slow_decode_after_closing_starts_no_atlas(make_window, qtbot,
                                                          tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A slow decode reported after the window closed (its signal was queued) asks for an atlas
    in vain instead of raising from a closed builder."""
    from latent_explorer.core.compute.decoder import DecodeResult
    from latent_explorer.qt.atlas_controller import SLOW_DECODE_MS

    window = make_window(shapes_npz(tmp_path), "demo-shapes")
    atlas = window.atlas
    atlas.show_action.setChecked(True)
    atlas.shutdown()
    atlas.decode_ms = 0.0
    atlas.level = None
    atlas._on_decoded(DecodeResult(None, None,  # type: ignore[arg-type]
                                   decode_ms=SLOW_DECODE_MS * 4))
    assert atlas.decode_ms > SLOW_DECODE_MS and atlas.level is None
