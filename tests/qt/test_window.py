"""The explorer window driven as a user would: drag the probe, move sliders, click and hover."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog

from latent_explorer.core.compute.decoder import decode_one
from latent_explorer.qt.images import qimage_to_array
from tests.qt.conftest import click, drag, send_mouse, wait_decoded


def _shown(window) -> np.ndarray:  # type: ignore[no-untyped-def]
    array = window.decoder_view.decoded_pane.array
    assert array is not None
    return array


def test_demo_opens_with_map_and_decoded_image(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    ws = window.workspace
    assert ws is not None and len(ws.dataset) == 1797
    assert len(window.map_view.coords) == 1797
    assert len(window.map_view._legend_items) == 10  # one legend entry per digit
    assert window.map_view.cloud.render_count >= 1
    assert len(window.sliders.sliders) == ws.model.latent_dim
    assert "digits" in window.info_label.text() and "1,797" in window.info_label.text()
    expected = decode_one(ws.model, window.explorer.current_latent)
    np.testing.assert_array_equal(_shown(window), expected)


def test_dragging_the_probe_decodes_the_inverse_projected_latent(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    ws = window.workspace
    view = window.map_view
    before = _shown(window).copy()
    probe = view.probe.pos()
    start = view.view_to_widget(probe.x(), probe.y())
    target_xy = ws.projector.coords[np.argmax(ws.projector.coords[:, 0])]
    end = view.view_to_widget(float(target_xy[0]), float(target_xy[1]))
    drag(view.viewport(), start, end)
    wait_decoded(qtbot, window)
    pos = window.explorer.probe_position
    assert pos is not None
    assert abs(pos[0] - float(target_xy[0])) < 0.1 * np.ptp(ws.projector.coords[:, 0])
    latent = ws.projector.inverse(np.asarray([pos], dtype=np.float32))[0]
    np.testing.assert_allclose(window.explorer.current_latent, latent, atol=1e-5)
    shown = _shown(window)
    assert not np.array_equal(shown, before)
    np.testing.assert_array_equal(shown, decode_one(ws.model, latent))
    # The pixels on screen are the decoded pixels, upscaled without smoothing.
    pane = window.decoder_view.decoded_pane
    grabbed = qimage_to_array(pane.grab().toImage())
    rect = pane.image_rect()
    block = rect.width() // shown.shape[1]
    cy, cx = rect.y() + block // 2, rect.x() + block // 2
    assert int(grabbed[cy, cx, 0]) == int(shown[0, 0, 0])


def test_moving_a_slider_decodes_at_once(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    ws = window.workspace
    slider = window.sliders.sliders[2]
    before = window.explorer.current_latent.copy()
    slider.setFocus()
    for _ in range(40):
        qtbot.keyClick(slider, Qt.Key.Key_Right)
    qtbot.keyClick(slider, Qt.Key.Key_PageUp)
    wait_decoded(qtbot, window)
    latent = window.explorer.current_latent
    assert latent[2] != pytest.approx(before[2])
    np.testing.assert_allclose(np.delete(latent, 2), np.delete(before, 2), atol=1e-5)
    assert latent[2] == pytest.approx(window.sliders.step_to_value(2, slider.value()), abs=1e-5)
    np.testing.assert_array_equal(_shown(window), decode_one(ws.model, latent))
    # The "you are here" star follows the slider.
    here = window.map_view.here_item.getData()
    expected = ws.projector.transform(latent[None, :])[0]
    assert here[0][0] == pytest.approx(expected[0], abs=1e-4)


def test_principal_direction_sliders(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.sliders.basis_combo.setCurrentIndex(1)
    assert window.explorer.slider_basis == "pca"
    before = window.explorer.current_latent.copy()
    slider = window.sliders.sliders[0]
    slider.setValue(slider.value() + 150)
    wait_decoded(qtbot, window)
    moved = window.explorer.current_latent - before
    direction = window.workspace.stats.components[0]
    cosine = abs(moved @ direction) / (np.linalg.norm(moved) * np.linalg.norm(direction))
    assert cosine > 0.999
    assert window.sliders._grid.itemAtPosition(0, 0).widget().text() == "PC1"


def test_click_selects_and_hover_shows_the_original(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    ws = window.workspace
    view = window.map_view
    index = 123
    x, y = (float(v) for v in ws.projector.coords[index])
    # Zoom in around the point so it is the nearest under the cursor.
    view.view_box.setRange(xRange=(x - 0.05, x + 0.05), yRange=(y - 0.05, y + 0.05), padding=0)
    qtbot.wait(20)
    pos = view.view_to_widget(float(x), float(y))
    send_mouse(view.viewport(), "move", pos, buttons=Qt.MouseButton.NoButton)
    qtbot.waitUntil(lambda: view.hover_card.isVisible(), timeout=3000)
    assert view.hover_card.index == index
    assert f"#{index}" in view.hover_card.text_label.text()
    click(view.viewport(), pos)
    assert window.explorer.selected_index == index
    wait_decoded(qtbot, window)
    np.testing.assert_array_equal(window.explorer.current_latent, ws.latents[index])
    np.testing.assert_array_equal(window.decoder_view.original_pane.array, ws.dataset.images[index])
    assert "z = [" in window.decoder_view.latent_readout()
    # The reconstruction of a selected demo digit resembles its original.
    recon = _shown(window).astype(float)
    original = ws.dataset.images[index].astype(float)
    assert np.abs(recon - original).mean() < 40


def test_legend_hides_a_class(make_window) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    view = window.map_view
    sample = view.legend.items[3][0]
    sample.mouseClickEvent(_FakeClick())
    assert window.explorer.hidden_labels == frozenset({3})
    assert not view._legend_items[3].isVisible()
    assert not view.cloud.visible[window.workspace.dataset.labels == 3].any()
    assert not view.visible_mask()[window.workspace.dataset.labels == 3].any()


class _FakeClick:
    def button(self) -> Qt.MouseButton:
        return Qt.MouseButton.LeftButton

    def accept(self) -> None:
        pass


def test_switching_projection_and_cancelling(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    panel = window.projection_panel
    with qtbot.waitSignal(window.jobs.started, timeout=5000):
        panel.method_combo.setCurrentIndex(panel.method_combo.findData("umap"))
    assert panel.cancel_button.isEnabled()
    with qtbot.waitSignal(window.jobs.cancelled, timeout=10_000):
        qtbot.mouseClick(panel.cancel_button, Qt.MouseButton.LeftButton)
    assert window.workspace.projector.params.method == "pca"
    assert "Cancelled" in panel.status_label.text()
    # t-SNE runs to the end in the background and the map swaps.
    with qtbot.waitSignal(window.map_changed, timeout=120_000):
        panel.method_combo.setCurrentIndex(panel.method_combo.findData("tsne"))
    assert window.workspace.projector.params.method == "tsne"
    assert "t-SNE" in window.info_label.text()


def test_broken_model_file_gives_a_message_and_the_window_keeps_working(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtCore import QTimer

    window = make_window()
    ws = window.workspace
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(broken), "")))
    seen: list[str] = []

    def answer_the_dialog() -> None:
        dialog = window.model_dialog
        if dialog is None:
            QTimer.singleShot(20, answer_the_dialog)
            return
        qtbot.waitUntil(lambda: bool(dialog.error), timeout=10_000)
        seen.append(dialog.error)
        dialog.reject()

    QTimer.singleShot(0, answer_the_dialog)
    window.open_model_action.trigger()
    assert seen and "broken.safetensors" in seen[0]
    assert window.workspace is ws  # nothing changed
    slider = window.sliders.sliders[0]
    slider.setValue(slider.value() + 100)
    wait_decoded(qtbot, window)
    np.testing.assert_array_equal(_shown(window),
                                  decode_one(ws.model, window.explorer.current_latent))


def test_a_model_that_fails_to_load_reports_the_file(make_window, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    ws = window.workspace
    broken = tmp_path / "broken.safetensors"
    broken.write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with qtbot.waitSignal(window.jobs.failed, timeout=10_000):
        window.open(model=str(broken))
    assert "broken.safetensors" in window.last_error
    assert "broken.safetensors" in window.statusBar().currentMessage()
    assert window.workspace is ws


def test_layout_is_remembered(make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(dataset=None)
    window.sliders_dock.setFloating(True)
    window.close()
    from PySide6.QtCore import QSettings

    from latent_explorer.qt.main_window import MainWindow

    again = MainWindow(settings=QSettings(str(tmp_path / "settings0.ini"),
                                          QSettings.Format.IniFormat))
    try:
        assert again.sliders_dock.isFloating()
    finally:
        again.close()


def test_help_lists_shortcuts_and_versions(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from latent_explorer.qt.dialogs.shortcuts_dialog import shortcut_rows

    window = make_window()
    rows = dict(shortcut_rows(window))
    assert rows["Path > Play / Pause"] == "Space"
    assert rows["Path > Add Keyframe"] == "K"
    assert "PyTorch" in window.about_text() and "Qt 6" in window.about_text()


def test_next_and_previous_sample_keys(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window()
    window.map_view.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_N)
    assert window.explorer.selected_index == 0
    qtbot.keyClick(window, Qt.Key.Key_N)
    qtbot.keyClick(window, Qt.Key.Key_P)
    qtbot.keyClick(window, Qt.Key.Key_P)
    assert window.explorer.selected_index == len(window.workspace.dataset) - 1


def test_dock_tabs_show_whole_titles(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QTabBar

    window = make_window()
    # Two columns of docks beside the map (a window narrower than both columns and the map
    # tabs the left docks beside the sliders: tests/qt/test_narrow_windows.py).
    window.resize(1600, 1000)

    def shown_bars() -> list[QTabBar]:  # (Qt keeps the bars of former tab groups, hidden)
        return [bar for bar in window.findChildren(QTabBar)
                if bar.parent() is window and bar.isVisible()]

    qtbot.waitUntil(lambda: not window.dock_fit.compact
                    and all(bar.count() <= 4 for bar in shown_bars()), timeout=5_000)
    bars = shown_bars()
    assert bars, "the default layout tabs docks together"
    titles = []
    for bar in bars:
        assert bar.elideMode() == Qt.TextElideMode.ElideNone and bar.usesScrollButtons()
        titles += [bar.tabText(i) for i in range(bar.count())]
        assert bar.count() <= 4  # few tabs per group, so they fit beside each other
    assert {"Path", "Colour", "Selection", "Sliders", "Neighbours"} <= set(titles)
    # A restored layout (settings, sessions) keeps them readable too.
    from latent_explorer.qt.settings import LAYOUT_VERSION

    window.restoreState(window.saveState(LAYOUT_VERSION), LAYOUT_VERSION)
    for bar in (b for b in window.findChildren(QTabBar) if b.parent() is window):
        assert bar.elideMode() == Qt.TextElideMode.ElideNone


def test_open_takes_a_dataset_and_a_model_already_in_memory(make_window, qtbot) -> None:  # type: ignore[no-untyped-def]
    from latent_explorer.core.datasets import load_dataset
    from latent_explorer.core.datasets.base import ArrayDataset
    from latent_explorer.core.models import load_model
    from latent_explorer.qt.settings import recent_files

    digits = load_dataset("digits")
    images = np.asarray(digits.images)[::3]  # a strided view, as a user's slice would be
    assert not images.flags.c_contiguous
    labels = None if digits.labels is None else np.asarray(digits.labels)[::3]
    data = ArrayDataset("my digits", "my digits", images, labels)
    model = load_model("demo")
    window = make_window(dataset=None)
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(dataset=data, model=model)
    wait_decoded(qtbot, window)
    ws = window.workspace
    assert ws.dataset is data and ws.model is model
    assert len(window.map_view.coords) == len(images)
    assert window.decoder_view.decoded_pane.array is not None
    assert "my digits" in window.info_label.text()
    assert recent_files(window.settings, "datasets") == []  # objects are not files
    assert recent_files(window.settings, "models") == []
    with pytest.raises(ValueError, match="labels"):
        window.open(dataset=data, labels="labels.csv")
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(dataset="digits")  # a spec keeps the model in memory and is remembered
    assert window.workspace.model is model
    assert recent_files(window.settings, "datasets") == ["digits"]


def test_model_file_dialogs_offer_every_model_file_the_app_opens(  # type: ignore[no-untyped-def]
        make_window, monkeypatch) -> None:
    from latent_explorer.core.models.families.tensors import WEIGHT_SUFFIXES

    window = make_window(dataset=None)
    offered: dict[str, str] = {}

    def ask(parent, title, start, filters):  # type: ignore[no-untyped-def]
        offered[title] = " ".join(re.findall(r"\*\.\w+", filters.split(";;")[0]))
        return "", ""  # cancelled: nothing opens

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(ask))
    window.open_model_action.trigger()
    window.compare_action.trigger()
    assert set(offered) == {"Open model", "Open comparison model"}
    for suffix in (*WEIGHT_SUFFIXES, ".json", ".ts"):  # .bin: diffusers' and HF's weights
        assert all(f"*{suffix}" in patterns.split() for patterns in offered.values()), suffix
    assert "*.py" in offered["Open model"]  # adapters ask for trust there
    assert "*.py" not in offered["Open comparison model"]  # the comparison never asks


def test_dock_tabs_fit_whole_beside_each_other_with_a_spatial_model(  # type: ignore[no-untyped-def]
        make_window, qtbot, tmp_path: Path) -> None:
    """An image autoencoder adds the Channels dock; no tab group then needs scrolling on a
    window wide enough for both dock columns at their usual widths (at ``latent-explorer
    gui``'s first size, 1400x900, the columns narrow so the map keeps half the width, and a
    group may scroll by a few pixels)."""
    from PySide6.QtWidgets import QTabBar

    from tests.core.family_files import save_taesd
    from tests.qt.conftest import noise_photos

    save_taesd(tmp_path / "taesd")
    photos = noise_photos(tmp_path / "photos")
    window = make_window(None)
    window.resize(1600, 900)
    with qtbot.waitSignal(window.workspace_changed, timeout=60_000):
        window.open(str(photos), str(tmp_path / "taesd" / "taesd_decoder.pth"))
    qtbot.waitUntil(lambda: window.channels_dock.isVisible(), timeout=5000)
    bars = [bar for bar in window.findChildren(QTabBar)
            if bar.parent() is window and bar.isVisible()]
    groups = {tuple(bar.tabText(i) for i in range(bar.count())) for bar in bars}
    assert any("Channels" in group for group in groups), groups
    for bar in bars:
        needed = sum(bar.tabSizeHint(i).width() for i in range(bar.count()))
        assert needed <= bar.width(), (
            f"tabs {[bar.tabText(i) for i in range(bar.count())]} need {needed} px "
            f"of {bar.width()}")
