"""Maps with no decoder in the real window: a folder of images with no model (the pixel map,
then training a model on it), and embeddings from another network (with a metadata table),
saved and reopened as sessions."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPointF, Qt

from latent_explorer.cli.main import build_parser
from latent_explorer.core.compute.pipeline import AUTO_MODEL_SPEC
from latent_explorer.core.compute.vectors_workspace import VectorsSpec
from latent_explorer.qt.app import first_inputs
from latent_explorer.qt.main_window import MainWindow
from latent_explorer.qt.settings import recent_files
from tests.qt.conftest import wait_decoded
from tests.qt.test_analysis_filter_neighbors import type_filter
from tests.qt.test_analysis_select import draw

pd = pytest.importorskip("pandas")


def _folder(root: Path, count: int = 48, side: int = 10) -> Path:
    """Grey ``side`` x ``side`` images in two classes (sub-folders), one stroke each."""
    rng = np.random.default_rng(0)
    for i in range(count):
        kind = "bars" if i % 2 else "dots"
        (root / kind).mkdir(parents=True, exist_ok=True)
        image = np.zeros((side, side), dtype=np.uint8)
        if kind == "bars":
            image[:, rng.integers(0, side)] = 255
        else:
            image[rng.integers(0, side), rng.integers(0, side)] = 255
        Image.fromarray(image).save(root / kind / f"{i:03d}.png")
    return root


def _open(qtbot, window: MainWindow, dataset: str | None, model: str,  # type: ignore[no-untyped-def]
          image_size: int | None = None) -> None:
    """Open and wait until the new map is shown; a failed load fails the test with its message."""
    failed: list[str] = []
    window.jobs.failed.connect(lambda title, message, details: failed.append(message))
    shown: list[object] = []
    window.workspace_changed.connect(shown.append)
    window.open(dataset, model, image_size=image_size)
    qtbot.waitUntil(lambda: bool(failed or shown), timeout=60_000)
    assert not failed, failed


def _decoder_only_hidden(window: MainWindow) -> None:
    assert not window.workspace.has_decoder
    assert not window.decoder_view.decoded_pane.isVisibleTo(window)
    assert not window.map_view.probe.isVisible()
    reason = window.training.panel.reason_label
    assert reason.isVisibleTo(window) and "No decoder" in reason.text()
    vectors = window.workspace.model.source.startswith("vectors:")
    for dock in (window.sliders_dock, window.path_dock, window.filmstrip_dock):
        label = window.decoder_only.notice(dock)
        assert label is not None
        if vectors:  # embeddings will not decode: what needs a decoder is not shown at all
            assert not dock.isVisibleTo(window) and not dock.toggleViewAction().isVisible()
        else:  # a map of pixels: train a model (the notice says where)
            assert label.isVisibleTo(window) and "needs a model that decodes" in label.text()
            assert "train one in the Decoder panel" in label.text()
    for action in (window.compare_action, window.export_path_action, window.play_action,
                   window.place_image_action, window.add_keyframe_action):
        assert not action.isEnabled() and "Needs a decoder" in action.toolTip()
        assert action.isVisible() is not vectors


def test_a_folder_with_no_model_shows_its_pixels_and_trains_one(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path) -> None:
    folder = _folder(tmp_path / "strokes")
    window = make_window(None)
    window.training.models_root = tmp_path / "models"
    _open(qtbot, window, str(folder), AUTO_MODEL_SPEC)
    ws = window.workspace
    assert ws.model.source == "pixels" and ws.latents.shape == (48, 100)
    assert len(window.map_view.coords) == 48
    _decoder_only_hidden(window)
    panel = window.training.panel
    assert panel.train_button.isVisibleTo(window) and window.training.action.isEnabled()
    assert "fully connected VAE" in panel.plan_label.text()
    assert "need a model" in panel.reason_label.text()
    # The map draws the images themselves where they fit.
    pictures = window.map_pictures
    assert window.map_pictures_action.isChecked() and pictures.enabled
    qtbot.waitUntil(lambda: len(pictures.shown) > 0, timeout=5000)
    canvas = pictures.item.image
    assert canvas is not None and canvas[..., 3].any()
    assert set(pictures.shown.tolist()) <= set(range(48))
    # Selecting a sample still shows its image.
    window.explorer.selected_index = 5
    assert window.decoder_view.original_pane.array is not None

    # Cancel: a long training stops at once and leaves nothing behind.
    window.training.epochs = 500
    window.training.show_workspace(ws)
    qtbot.mouseClick(panel.train_button, Qt.MouseButton.LeftButton)
    assert panel.running_row.isVisibleTo(window) and not panel.train_button.isEnabled()
    qtbot.waitUntil(lambda: len(panel.losses) >= 1, timeout=30_000)
    assert panel.progress.value() >= 0 and "left" in panel.eta_label.text()
    with qtbot.waitSignal(window.training.jobs.cancelled, timeout=30_000):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert "cancelled" in panel.status_label.text() and window.training.action.isEnabled()
    assert not list((tmp_path / "models").glob("*/model.json"))
    assert window.workspace is ws and not ws.has_decoder

    # Train for real (3 epochs): the map switches to the model's latents.
    window.training.epochs = 3
    window.training.show_workspace(ws)
    with qtbot.waitSignal(window.training.trained, timeout=120_000) as trained:
        window.training.action.trigger()
    model_json = Path(trained.args[0])
    qtbot.waitUntil(lambda: window.workspace is not ws and window.workspace.has_decoder,
                    timeout=60_000)
    wait_decoded(qtbot, window)
    new = window.workspace
    assert model_json.is_file() and (model_json.parent / "model.safetensors").is_file()
    meta = json.loads(model_json.read_text())
    assert meta["training"]["epochs"] == 3 and len(meta["training"]["losses"]) == 3
    assert "latent-explorer train" in meta["training"]["command"]
    assert new.latents.shape == (48, 8) and new.dataset.source == str(folder)
    assert str(model_json.parent) in window.statusBar().currentMessage()
    assert str(model_json) in recent_files(window.settings, "models")
    assert window.decoder_view.decoded_pane.isVisibleTo(window)
    assert window.decoder_view.decoded_pane.array is not None
    assert window.map_view.probe.isVisible() and window.compare_action.isEnabled()
    assert not window.training.panel.isVisibleTo(window)
    assert not pictures.enabled and not window.map_pictures_action.isChecked()
    window.map_pictures_action.trigger()  # a map with a model can show its pictures too
    assert pictures.enabled
    label = window.decoder_only.notice(window.sliders_dock)
    assert label is not None and not label.isVisibleTo(window)

    # The saved model reopens like any other.
    again = make_window(None)
    _open(qtbot, again, str(folder), str(model_json))
    np.testing.assert_allclose(again.workspace.latents, new.latents, atol=1e-5)


def _embeddings(tmp_path: Path, count: int = 90) -> tuple[Path, Path, Path]:
    rng = np.random.default_rng(3)
    centres = rng.standard_normal((3, 16)) * 5
    z = (centres[np.arange(count) % 3] + rng.standard_normal((count, 16))).astype(np.float32)
    np.save(tmp_path / "z.npy", z)
    pics = tmp_path / "pics"
    pics.mkdir()
    for i in range(count):
        Image.fromarray(np.full((6, 6, 3), (i * 7) % 256, np.uint8)).save(pics / f"{i}.png")
    table = pd.DataFrame({"species": ["ant", "bee", "cat"][:1] * count,
                          "label": np.array(["ant", "bee", "cat"])[np.arange(count) % 3],
                          "size": np.linspace(1, 9, count),
                          "file": [f"pics/{i}.png" for i in range(count)]})
    table.to_csv(tmp_path / "meta.csv", index=False)
    table.to_parquet(tmp_path / "meta.parquet")
    return tmp_path / "z.npy", tmp_path / "meta.csv", tmp_path / "meta.parquet"


@pytest.mark.parametrize("table", ["csv", "parquet"])
def test_gui_latents_with_metadata_opens_a_map_without_decoder(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, table: str) -> None:
    if table == "parquet":
        pytest.importorskip("pyarrow")
    z_path, csv_path, parquet_path = _embeddings(tmp_path)
    meta = csv_path if table == "csv" else parquet_path
    args = build_parser().parse_args(["gui", "--latents", str(z_path), "--metadata", str(meta)])
    dataset, model = first_inputs(args)
    window = make_window(None)
    _open(qtbot, window, dataset, model)
    ws = window.workspace
    assert ws.latents.shape == (90, 16) and ws.has_images
    assert ws.dataset.label_names == ["ant", "bee", "cat"]
    _decoder_only_hidden(window)
    # Colour by a metadata column, filter by it, look at neighbours.
    columns = window.analysis.columns()
    assert {"size", "species", "file"} <= set(columns)
    window.analysis.state.colour_by = "size"
    type_filter(window, qtbot, "size > 5 and label == 1")
    wanted = (np.asarray(ws.dataset.metadata["size"]) > 5) & (ws.dataset.labels == 1)
    np.testing.assert_array_equal(window.map_view.cloud.visible, wanted)
    window.analysis.filter_bar.edit.clear()
    qtbot.keyClick(window.analysis.filter_bar.edit, Qt.Key.Key_Return)
    # Lasso: the selection panel shows the samples' own pictures, with no reconstructions.
    assert window.map_view.cloud.visible is None or window.map_view.cloud.visible.all()
    qtbot.keyClick(window.map_view, Qt.Key.Key_L)
    rect = window.map_view.viewport().rect()
    w, h = rect.width(), rect.height()
    corners = [QPointF(w * x, h * y) for x, y in
               ((0.02, 0.02), (0.5, 0.01), (0.98, 0.02), (0.98, 0.98), (0.02, 0.98))]
    draw(window, corners)
    selection = window.analysis.state.selection
    assert len(selection) > 30
    grid = window.analysis.selection_panel.grid
    assert grid.keys[: len(selection)] == list(selection[:48]) and grid.second is None
    assert grid.first[0] is not None
    # Export the selection: its vectors, labels, metadata and pictures.
    target = tmp_path / "chosen.npz"
    with qtbot.waitSignal(window.analysis.jobs.exported, timeout=30_000):
        window.analysis.jobs.export_selection(target)
    with np.load(target) as saved:
        np.testing.assert_array_equal(saved["latents"], ws.latents[selection])
        assert saved["meta_size"].tolist() == ws.dataset.metadata["size"][selection].tolist()
        assert saved["images"].shape == (len(selection), 6, 6, 3)
    # Clusters: each prototype is the real sample nearest its cluster's centre.
    window.analysis.state.cluster_param = 3
    with qtbot.waitSignal(window.analysis.jobs.prototypes_ready, timeout=60_000):
        window.analysis.compute("cluster")
    strip = window.analysis.prototype_strip.grid
    assert len(strip.keys) == 3 and all(image is not None for image in strip.first)
    clusters = window.analysis.computed["cluster"]
    from latent_explorer.core.analysis.clusters import cluster_prototypes, nearest_member
    from latent_explorer.qt.images import qimage_to_array

    ids, centres = cluster_prototypes(ws.latents, clusters)
    member = nearest_member(ws.latents, clusters, int(ids[0]), centres[0])
    assert strip.keys[0] == int(ids[0])
    np.testing.assert_array_equal(qimage_to_array(strip.first[0])[..., :3],
                                  ws.dataset.images[member])
    # Ctrl-click adds no path anchor: paths need a decoder.
    window.paths.on_sample_clicked(5, Qt.KeyboardModifier.ControlModifier)
    assert not window.paths.path.anchors
    # Outliers by isolation (the reconstruction error needs a decoder).
    outliers = window.analysis.outliers_view
    assert window.analysis.state.outlier_score == "density"
    with qtbot.waitSignal(window.analysis.jobs.computed, timeout=60_000):
        qtbot.mouseClick(outliers.compute_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(outliers.grid.keys) > 0, timeout=10_000)
    assert outliers.grid.second is None and outliers.grid.first[0] is not None
    # Neighbours of a picked sample come from the vectors.
    qtbot.waitUntil(lambda: window.analysis.index is not None, timeout=30_000)
    with qtbot.waitSignal(window.analysis.neighbors_shown, timeout=10_000):
        window.explorer.selected_index = 4
    found = window.analysis.neighbors_panel.grid.keys
    assert found and all(k % 3 == 4 % 3 for k in found[:5])  # the same cluster


def test_a_folder_with_no_model_opens_at_the_size_asked(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``gui --dataset folder --image-size 6`` (no model), and the pixels spec alike."""
    monkeypatch.setenv("LATENT_EXPLORER_CACHE", str(tmp_path / "cache"))
    folder = _folder(tmp_path / "strokes", count=12)
    window = make_window(None)
    assert window.cache.root == tmp_path / "cache"
    _open(qtbot, window, str(folder), AUTO_MODEL_SPEC, image_size=6)
    ws = window.workspace
    assert ws.model.source == "pixels"
    assert ws.dataset.image_shape == (6, 6, 1) and ws.latents.shape == (12, 36)
    assert "(6x6 pixels)" in window.training.panel.reason_label.text()
    _open(qtbot, window, str(folder), "pixels", image_size=(4, 8))
    assert window.workspace.dataset.image_shape == (4, 8, 1)
    # Both were kept in the image cache: the resized folder reopens without decoding.
    assert len(list((window.cache.root / "images").glob("*.json"))) == 2


def test_sessions_reopen_maps_without_decoder(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path) -> None:
    z_path, csv_path, _ = _embeddings(tmp_path)
    window = make_window(None)
    _open(qtbot, window, None, VectorsSpec(str(z_path), None, str(csv_path)).to_spec())
    ws = window.workspace
    window.analysis.state.selection = np.array([3, 6, 9, 12], dtype=np.int64)
    window.analysis.state.save_selection("some ants")
    window.analysis.state.colour_by = "size"
    window.explorer.selected_index = 7
    saved = window.sessions.save(tmp_path / "embeddings.lxs")

    again = make_window(None)
    with qtbot.waitSignal(again.sessions.restored, timeout=60_000):
        again.sessions.open_session(saved)
    restored = again.workspace
    assert not restored.has_decoder and restored.model.source == ws.model.source
    np.testing.assert_array_equal(restored.latents, ws.latents)
    np.testing.assert_allclose(restored.projector.coords, ws.projector.coords, atol=1e-5)
    assert again.explorer.selected_index == 7
    assert again.analysis.state.colour_by == "size"
    assert [s.name for s in again.analysis.state.named_selections] == ["some ants"]
    assert again.analysis.state.named_selections[0].indices.tolist() == [3, 6, 9, 12]
    assert "changed" not in again.statusBar().currentMessage()
    _decoder_only_hidden(again)

    # The pixel map of a folder reopens as a pixel map.
    folder = _folder(tmp_path / "strokes", count=20)
    _open(qtbot, window, str(folder), AUTO_MODEL_SPEC)
    saved = window.sessions.save(tmp_path / "pixels.lxs")
    third = make_window(None)
    with qtbot.waitSignal(third.sessions.restored, timeout=60_000):
        third.sessions.open_session(saved)
    assert third.workspace.model.source == "pixels"
    assert third.workspace.dataset.source == str(folder)
    assert third.training.panel.train_button.isVisibleTo(third)


def test_vectors_from_python_objects_open_in_the_window(  # type: ignore[no-untyped-def]
        make_window, qtbot) -> None:
    """What the Python API hands over: arrays, text labels and a DataFrame of metadata."""
    rng = np.random.default_rng(5)
    z = rng.standard_normal((60, 7)).astype(np.float32)
    images = rng.integers(0, 256, (60, 9, 9, 3), dtype=np.uint8)
    from latent_explorer.core.datasets.base import ArrayDataset

    window = make_window(None)
    frame = pd.DataFrame({"score": np.arange(60) / 10, "kind": ["x", "y", "z"] * 20})
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open_latents(z.T.copy().T, ArrayDataset("pics", "", images),
                            labels=["left", "right"] * 30, metadata=frame, name="clip")
    ws = window.workspace
    assert not ws.has_decoder and ws.has_images and ws.dataset.image_shape == (9, 9, 3)
    assert ws.dataset.label_names == ["left", "right"] and ws.model.name == "no model (clip)"
    assert ws.dataset.metadata["kind"][4] == "y" and ws.dataset.metadata["score"][10] == 1.0
    window.explorer.selected_index = 3
    np.testing.assert_array_equal(window.decoder_view.original_pane.array, images[3])
    _decoder_only_hidden(window)


def test_a_moved_embeddings_folder_is_relocated(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    first = tmp_path / "first"
    first.mkdir()
    z_path, csv_path, _ = _embeddings(first, count=30)
    window = make_window(None)
    _open(qtbot, window, None, VectorsSpec(str(z_path), None, str(csv_path)).to_spec())
    saved = window.sessions.save(tmp_path / "moved.lxs")
    first.rename(tmp_path / "second")
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda parent, title, text, *a: asked.append(text) or QMessageBox.StandardButton.Yes))
    answers = iter([str(tmp_path / "second" / "z.npy"), str(tmp_path / "second" / "meta.csv")])
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (next(answers), "")))
    again = make_window(None)
    with qtbot.waitSignal(again.sessions.restored, timeout=60_000):
        again.sessions.open_session(saved)
    assert len(asked) == 2 and "z.npy" in asked[0] and "meta.csv" in asked[1]
    np.testing.assert_array_equal(again.workspace.latents, window.workspace.latents)
    assert "second" in again.workspace.model.source
    assert set(again.workspace.dataset.metadata) >= {"size", "file"}


def test_opening_images_the_shown_model_cannot_encode_shows_their_pixels(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path) -> None:
    window = make_window()  # the demo: digits and their VAE
    folder = _folder(tmp_path / "strokes", count=20)
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(dataset=str(folder))  # what File > Open Dataset does
    ws = window.workspace
    assert ws.model.source == "pixels" and ws.dataset.source == str(folder)
    assert "digits VAE works on 8x8x1" in window.training.panel.reason_label.text()
    _decoder_only_hidden(window)
