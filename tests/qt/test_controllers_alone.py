"""Controllers are built from the parts they drive: no main window needed."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from latent_explorer.core.session.state import ExplorerState
from latent_explorer.qt.bookmarks import BookmarkController
from latent_explorer.qt.model_controller import ModelController
from latent_explorer.qt.widgets.decoder_view import QtDecoderView
from latent_explorer.qt.widgets.map_view import QtMapView
from latent_explorer.qt.window_services import WindowServices


class Events(QObject):
    workspace_changed = Signal(object)
    map_changed = Signal()


def services_for(parent: QWidget, notes: list[str], errors: list[str]) -> WindowServices:
    events = Events(parent)
    return WindowServices(parent, lambda: None, lambda message, ms: notes.append(message),
                          errors.append, events.workspace_changed, events.map_changed)


def test_bookmarks_work_on_a_bare_map_and_state(qtbot) -> None:  # type: ignore[no-untyped-def]
    parent = QWidget()
    qtbot.addWidget(parent)
    notes: list[str] = []
    errors: list[str] = []
    explorer = ExplorerState()
    view = QtMapView(explorer)
    qtbot.addWidget(view)
    marks = BookmarkController(services_for(parent, notes, errors), explorer, view)
    assert marks.add("nothing yet") is None  # no current latent
    explorer.current_latent = np.arange(4, dtype=np.float32)
    view.view_box.setRange(xRange=(-2, 3), yRange=(1, 5), padding=0)
    mark = marks.add("corner")
    assert mark is not None and notes == ["Bookmarked corner"]
    (x0, x1), _ = mark.view_range
    assert (x0, x1) == (-2.0, 3.0)
    marks.go(0)  # nothing is open: said plainly, the state is left alone
    assert errors and "another latent size" in errors[0]


def test_the_comparison_model_shows_beside_the_decoder_view(qtbot) -> None:  # type: ignore[no-untyped-def]
    from latent_explorer.core.models import load_model

    parent = QWidget()
    qtbot.addWidget(parent)
    explorer = ExplorerState()
    view, decoded = QtMapView(explorer), QtDecoderView(explorer)
    qtbot.addWidget(view)
    qtbot.addWidget(decoded)
    models = ModelController(services_for(parent, [], []), explorer, view, decoded)
    model = load_model("demo")
    try:
        models.set_compare(model)
        with qtbot.waitSignal(models.compare_decoder.decoded, timeout=10_000):
            explorer.current_latent = np.zeros(model.latent_dim, dtype=np.float32)
        qtbot.waitUntil(lambda: decoded.compare_pane.array is not None, timeout=10_000)
        models.set_compare(None)
        assert models.compare_model is None
    finally:
        models.shutdown()


def test_the_workspace_controller_opens_projects_and_describes_without_a_window(  # type: ignore[no-untyped-def]
        qtbot, tmp_path) -> None:
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QDockWidget

    from latent_explorer.core.compute.cache import ResultCache
    from latent_explorer.core.session.state import ProjectionState
    from latent_explorer.qt.bridges import DecoderBridge, JobRunner
    from latent_explorer.qt.widgets.channel_view import QtChannelView
    from latent_explorer.qt.widgets.latent_sliders import QtLatentSliders
    from latent_explorer.qt.widgets.map_thumbnails import MapThumbnails
    from latent_explorer.qt.widgets.projection_panel import QtProjectionPanel
    from latent_explorer.qt.workspace_controller import WorkspaceController, WorkspaceParts

    parent = QWidget()
    qtbot.addWidget(parent)
    notes: list[str] = []
    errors: list[str] = []
    explorer, projection = ExplorerState(), ProjectionState()
    view, decoded = QtMapView(explorer), QtDecoderView(explorer)
    channels, panel = QtChannelView(explorer), QtProjectionPanel(projection)
    for widget in (view, decoded, channels, panel):
        qtbot.addWidget(widget)
    dock = QDockWidget("Channels", parent)
    decoder, jobs = DecoderBridge(None, parent), JobRunner(parent)
    shown: list[np.ndarray | None] = []
    titles: list[str] = []
    decodes: list[tuple[bool, str]] = []
    services = services_for(parent, notes, errors)
    controller = WorkspaceController(WorkspaceParts(
        services, explorer, projection, ResultCache(enabled=False), jobs, decoder,
        QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat), view,
        MapThumbnails(view), decoded, QtLatentSliders(explorer), channels, dock, panel,
        show_current=shown.append, recompute_paths=lambda: None,
        allow_outlier_error=lambda decodes: None, set_title=titles.append))
    controller.decoding_available.connect(lambda ok, why: decodes.append((ok, why)))
    try:
        assert controller.info_label.text() == "Nothing loaded"
        with qtbot.waitSignal(services.workspace_changed, timeout=60_000):
            controller.open("digits", "demo")
        ws = controller.workspace
        assert ws is not None and ws.has_decoder
        assert decodes == [(True, "")]
        assert shown and shown[-1] is None  # the map was drawn before the latent was set
        assert explorer.current_latent is not None  # a real sample's: decoded and marked
        info = controller.info_label.text()
        assert info.startswith(f"{ws.dataset.name}: {len(ws.dataset):,} images")
        assert info.endswith(f"PCA, {len(ws.dataset):,} points")
        assert titles[-1] == f"{ws.dataset.name} · {ws.model.name} — Latent Explorer"
        assert any(note.startswith(f"Opened {ws.dataset.name}") for note in notes)
        controller.name_session("mine")
        assert titles[-1].startswith("mine — ")
        projection.method = "pca"
        controller.compute_projection()  # the map shown already is that one
        assert "map is shown" in panel.status_label.text()
        assert errors == []
    finally:
        jobs.shutdown()
        decoder.close()
