"""Models beyond the demo in the window: a decoder-only GAN, a conditional decoder, a 1-D
signal model, an A/B comparison, and placing an image on the map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from latent_explorer.core.compute.decoder import decode_one
from latent_explorer.core.models import TorchModel
from tests.qt.conftest import wait_decoded


def _tanh_generator(seed: int = 0, side: int = 8) -> TorchModel:
    torch.manual_seed(seed)
    net = torch.nn.Sequential(torch.nn.Linear(8, side * side * 3), torch.nn.Tanh(),
                              torch.nn.Unflatten(1, (3, side, side))).eval()
    return TorchModel(net, name="tiny GAN", source="test:gan", latent_shape=(8,),
                      output_range="-1,1", state_fn=net.state_dict, keep_alive=net)


class _Conditional(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(3, 8)
        self.lin = torch.nn.Linear(8, 64)

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.lin(z + 3 * self.embed(y))).reshape(-1, 8, 8, 1)


def test_a_decoder_only_generator_maps_prior_samples(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    gan = _tanh_generator()
    window = make_window(dataset="digits", model=None)
    with qtbot.waitSignal(window.workspace_changed, timeout=30_000):
        window.open(model=gan)
    ws = window.workspace
    assert ws.dataset.source == "prior:2000" and ws.model is gan
    assert "no encoder" in window.statusBar().currentMessage()
    # Each point's picture is the generator's own image of that latent (in colour, [-1,1] mapped).
    np.testing.assert_array_equal(ws.dataset.images[7], decode_one(gan, ws.latents[7]))
    assert ws.dataset.images.shape[-1] == 3
    slider = window.sliders.sliders[0]
    slider.setValue(slider.value() + 200)
    wait_decoded(qtbot, window)
    np.testing.assert_array_equal(window.decoder_view.decoded_pane.array,
                                  decode_one(gan, window.explorer.current_latent))
    # The user chooses how many prior samples make the map.
    panel = window.projection_panel
    assert panel.prior_row.isVisible() and panel.prior_spin.value() == 2000
    panel.prior_spin.setValue(500)
    with qtbot.waitSignal(window.workspace_changed, timeout=30_000):
        qtbot.mouseClick(panel.prior_button, Qt.MouseButton.LeftButton)
    assert len(window.workspace.latents) == 500 and window.workspace.model is gan


def test_conditional_decoder_has_a_class_selector(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    net = _Conditional().eval()
    model = TorchModel(net, name="cond", source="test:cond", latent_shape=(8,), num_classes=3,
                       state_fn=net.state_dict, keep_alive=net)
    window = make_window(dataset="digits", model=None)
    with qtbot.waitSignal(window.workspace_changed, timeout=30_000):
        window.open(model=model)
    view = window.decoder_view
    assert view.class_row.isVisible() and view.class_combo.count() == 3
    wait_decoded(qtbot, window)
    latent = window.explorer.current_latent
    view.class_combo.setCurrentIndex(2)
    assert window.explorer.condition_label == 2
    wait_decoded(qtbot, window)
    np.testing.assert_array_equal(view.decoded_pane.array, decode_one(model, latent, 2))
    assert not np.array_equal(view.decoded_pane.array, decode_one(model, latent, 0))


def test_a_signal_model_is_drawn_as_a_line(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 50), torch.nn.Sigmoid()).eval()
    model = TorchModel(net, name="signal", source="test:signal", latent_shape=(4,),
                       state_fn=net.state_dict, keep_alive=net)
    assert model.image_shape == (50,)
    window = make_window(dataset="digits", model=None)
    with qtbot.waitSignal(window.workspace_changed, timeout=30_000):
        window.open(model=model)
    wait_decoded(qtbot, window)
    view = window.decoder_view
    assert view.signal_plot.isVisible() and not view.decoded_pane.isVisible()
    x, y = view.signal_curve.getData()
    expected = decode_one(model, window.explorer.current_latent) / 255.0
    np.testing.assert_allclose(y, expected, atol=1e-6)
    assert len(x) == 50


def test_ab_comparison_shows_both_models(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.models.training import train_and_save

    other = train_and_save(load_dataset("digits"), tmp_path / "b", latent_dim=8, hidden=(32,),
                           epochs=1)
    window = make_window()
    with qtbot.waitSignal(window.models.compare_changed, timeout=30_000):
        window.models.open_compare(str(other))
    b = window.models.compare_model
    assert window.decoder_view.compare_pane.isVisible()
    slider = window.sliders.sliders[1]
    slider.setValue(slider.value() + 150)
    wait_decoded(qtbot, window)
    assert window.models.compare_decoder.worker.wait_idle(5)
    qtbot.waitUntil(lambda: window.decoder_view.compare_pane.array is not None and np.array_equal(
        window.decoder_view.compare_pane.array, decode_one(b, window.explorer.current_latent)),
        timeout=5000)
    # A side-by-side video of the path: A's frame beside B's.
    from latent_explorer.qt.dialogs.export_dialog import ExportSettings
    from tests.core.test_export_video import probe_video

    window.paths.path.add_anchor(window.workspace.latents[0], 0)
    window.paths.path.add_anchor(window.workspace.latents[1], 1)
    qtbot.waitUntil(lambda: len(window.paths.frames) == 31, timeout=5000)
    out = tmp_path / "ab.mp4"
    with qtbot.waitSignal(window.paths.export_finished, timeout=60_000):
        window.paths.export(ExportSettings(out, 30, 256, "nearest", 0, side_by_side=True))
    frames, size, _ = probe_video(out)
    assert len(frames) == 31 and size[0] > 2 * size[1]
    # A model with another latent size is refused with a message.
    small = train_and_save(load_dataset("digits"), tmp_path / "c", latent_dim=3, hidden=(16,),
                           epochs=1)
    with qtbot.waitSignal(window.models.jobs.failed, timeout=30_000):
        window.models.open_compare(str(small))
    assert "same latent size" in window.last_error


def test_placing_an_image_encodes_it_and_marks_the_map(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    ws = window.workspace
    picture = tmp_path / "digit.png"
    Image.fromarray(ws.dataset.images[10][:, :, 0]).resize((32, 32), Image.NEAREST).save(picture)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(picture))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    with qtbot.waitSignal(window.models.image_placed, timeout=30_000) as blocker:
        QApplication.sendEvent(window, drop)
    latent, error = blocker.args
    expected = ws.model.encode(ws.dataset.images[10][None].astype(np.float32) / 255.0)[0]
    np.testing.assert_allclose(latent, expected, atol=0.05)
    assert error < 0.05
    x, _ = window.models.placed_item.getData()
    assert len(x) == 1
    np.testing.assert_allclose(window.explorer.current_latent, latent)
    assert "digit.png" in window.statusBar().currentMessage()


def test_placing_an_image_with_a_generator_inverts_it(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    gan = _tanh_generator(side=6)
    window = make_window(dataset="digits", model=None)
    with qtbot.waitSignal(window.workspace_changed, timeout=30_000):
        window.open(model=gan)
    target = decode_one(gan, np.full(8, 0.5, dtype=np.float32))
    picture = tmp_path / "target.png"
    Image.fromarray(target).save(picture)
    with qtbot.waitSignal(window.models.image_placed, timeout=60_000) as blocker:
        window.models.place_image(picture)
    _, error = blocker.args
    assert error < 0.01
    assert "reconstruction error" in window.statusBar().currentMessage()


def test_a_file_that_is_not_an_image_is_reported(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    bad = tmp_path / "not.png"
    bad.write_text("hello")
    with qtbot.waitSignal(window.models.jobs.failed, timeout=10_000):
        window.models.place_image(bad)
    assert "not.png" in window.last_error and "not a readable image" in window.last_error
