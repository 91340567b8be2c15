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
