"""The first start: the shapes demo on its UMAP map (shipped with it, so no fit is waited
for), the decoded atlas under the points, the probe on a real shape and a note inviting the
first drag."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from latent_explorer.cli import build_parser
from latent_explorer.core.projection import umap_projector
from latent_explorer.qt.app import first_inputs, is_plain_start
from latent_explorer.qt.demo_start import open_demo
from latent_explorer.qt.widgets.probe_hint import DONE_KEY, ProbeHint
from tests.qt.conftest import wait_decoded


def test_a_plain_start_opens_the_shapes_demo() -> None:
    for words in ([], ["gui"], ["--screenshot", "x.png"], ["--debug", "--size", "900x700"]):
        args = build_parser().parse_args(["gui", *words] if words[:1] != ["gui"] else words)
        assert is_plain_start(args) and first_inputs(args) == ("shapes", "demo-shapes")
    args = build_parser().parse_args(["gui", "--dataset", "digits"])
    assert not is_plain_start(args)


def test_the_demo_shows_its_umap_map_at_once_with_the_atlas(  # type: ignore[no-untyped-def]
        make_window, qtbot, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fit(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("UMAP was fitted: the demo's map ships with it")

    monkeypatch.setattr(umap_projector, "fit_umap", no_fit)
    import latent_explorer.core.projection as projection

    monkeypatch.setattr(projection, "fit_umap", no_fit)
    window = make_window(None)
    hint = window.probe_hint
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        open_demo(window)
    qtbot.waitUntil(lambda: window.workspace.projector.params.method == "umap",
                    timeout=30_000)
    ws = window.workspace
    assert ws.dataset.source == "shapes" and ws.model.name == "shapes VAE"
    assert window.projection.method == "umap" and window.remembered_method == "pca"
    assert window.atlas.show_action.isChecked() and not window.atlas.instead_action.isChecked()
    qtbot.waitUntil(lambda: window.atlas.level is not None, timeout=30_000)

    start = window.workspaces.start_index
    assert start is not None
    np.testing.assert_array_equal(window.explorer.current_latent, ws.latents[start])
    probe = window.map_view.probe.pos()
    np.testing.assert_allclose((probe.x(), probe.y()), ws.projector.coords[start], rtol=1e-5)
    wait_decoded(qtbot, window)
    assert window.decoder_view.decoded_pane.array is not None

    # The note invites a drag until the probe moves, and never comes back after.
    assert hint.shown and "drag" in hint.item.textItem.toPlainText()
    # On a narrow window's map the whole note stays in view (one line did not fit).
    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=5_000)
    view = window.map_view
    qtbot.waitUntil(lambda: view.viewport().rect().contains(
        view.mapFromScene(hint.item.sceneBoundingRect()).boundingRect()), timeout=5_000)
    window.explorer.probe_position = tuple(float(v) for v in ws.projector.coords[0])
    assert not hint.shown and str(window.settings.value(DONE_KEY)).lower() == "true"
    later = ProbeHint(window.map_view, window.explorer, window.settings)  # a later start
    assert later.done and not later.shown
